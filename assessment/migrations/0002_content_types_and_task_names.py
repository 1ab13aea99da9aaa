"""After the move from `projects`: the content types of the moved models (and so their
permissions and admin log entries) now name the `assessment` app, and stored periodic tasks
(django-celery-beat) call the tasks by their new names. Reversible."""

from django.db import migrations

MODELS = [
    "colourrules",
    "projectstatus",
    "rankingindicator",
    "rankingsettings",
    "rankingsnapshot",
    "periodcomputation",
    "recomputerequest",
]
TASKS = ["recompute_queued", "recompute_period", "nightly_recompute", "publish_due_rankings"]


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already created for the new app (e.g. by an earlier post_migrate)
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name in TASKS:
        PeriodicTask.objects.filter(task=f"{old}.tasks.{name}").update(task=f"{new}.tasks.{name}")


def forwards(apps, schema_editor):
    _relabel(apps, "projects", "assessment")


def backwards(apps, schema_editor):
    _relabel(apps, "assessment", "projects")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("projects", "0008_move_assessment_models"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
