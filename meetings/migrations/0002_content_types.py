"""After the move from `supervision`: the content types of meetings and letters (and so their
permissions and admin log entries) now name the `meetings` app. Reversible."""

from django.db import migrations

MODELS = ["meeting", "reminderletter"]


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "supervision", "meetings")


def backwards(apps, schema_editor):
    _relabel(apps, "meetings", "supervision")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("supervision", "0003_move_meetings_models"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
