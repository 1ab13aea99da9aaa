"""Default ranking indicators and settings (both editable in the admin): investment rate 40,
start rate 20, finish rate 20, issue resolution rate 20; praise the top 7, call in the bottom 3,
publish last month's ranking on the 5th."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    ("investment_rate", Decimal("40")),
    ("start_rate", Decimal("20")),
    ("finish_rate", Decimal("20")),
    ("resolution_rate", Decimal("20")),
]


def forwards(apps, schema_editor):
    RankingIndicator = apps.get_model("projects", "RankingIndicator")
    RankingSettings = apps.get_model("projects", "RankingSettings")
    for order, (measure, weight) in enumerate(INDICATORS, start=1):
        RankingIndicator.objects.get_or_create(
            measure=measure, defaults={"weight": weight, "order": order}
        )
    RankingSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_measures_rankings")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
