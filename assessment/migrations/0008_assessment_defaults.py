"""The default half-year and year-end assessment indicators (考核指标; admin-editable): the
computed rates and the two scores the assessors enter (招大引强, 观摩评议)."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = {
    "half_year": [
        ("investment", "投资完成率", "investment_rate", "40"),
        ("start", "开工率", "start_rate", "20"),
        ("resolution", "问题办结率", "resolution_rate", "15"),
        ("attraction", "招大引强", "entered", "10"),
        ("tour", "观摩评议", "entered", "15"),
    ],
    "year_end": [
        ("investment", "投资完成率", "investment_rate", "35"),
        ("start", "开工率", "start_rate", "15"),
        ("finish", "竣工率", "finish_rate", "20"),
        ("resolution", "问题办结率", "resolution_rate", "10"),
        ("attraction", "招大引强", "entered", "10"),
        ("tour", "观摩评议", "entered", "10"),
    ],
}


def create(apps, schema_editor):
    indicator = apps.get_model("assessment", "AssessmentIndicator")
    for kind, rows in DEFAULTS.items():
        for order, (code, name, source, weight) in enumerate(rows, start=1):
            indicator.objects.get_or_create(
                kind=kind,
                code=code,
                defaults={
                    "name": name,
                    "source": source,
                    "weight": Decimal(weight),
                    "cap": Decimal("1.2") if source == "investment_rate" else None,
                    "order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0007_assessments")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
