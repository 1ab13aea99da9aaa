"""The imports' bulk history (rows copied by the database) equals simple_history's own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from simple_history import utils as simple_history_utils

from imports.base import bulk_create_with_history
from projects.models import MonthlyReport

pytestmark = pytest.mark.django_db


def history_values(report: MonthlyReport) -> dict:
    row = MonthlyReport.history.filter(id=report.pk).values().get()
    return {k: v for k, v in row.items() if k not in {"history_id", "id", "month"}}


def test_history_copied_by_the_database_equals_simple_historys(project, district_official):
    when = timezone.make_aware(dt.datetime(2024, 7, 1, 9, 30))
    ours = MonthlyReport(project=project, year=2024, month=1, completed_investment=Decimal("1.5"))
    theirs = MonthlyReport(project=project, year=2024, month=2, completed_investment=Decimal("1.5"))

    bulk_create_with_history(
        [ours], MonthlyReport, default_user=district_official, default_date=when
    )
    simple_history_utils.bulk_create_with_history(
        [theirs], MonthlyReport, default_user=district_official, default_date=when
    )

    ours_history, theirs_history = history_values(ours), history_values(theirs)
    # the timestamps of the rows themselves differ by the microseconds between the two inserts
    assert ours_history.pop("created_at") == ours.created_at
    assert ours_history.pop("updated_at") == ours.updated_at
    theirs_history.pop("created_at"), theirs_history.pop("updated_at")
    assert ours_history == theirs_history
    assert ours_history["history_date"] == when
    assert ours_history["history_user_id"] == district_official.pk
    assert ours_history["history_type"] == "+"


def test_each_object_gets_its_rows_pk_and_one_history_row(project, district_official):
    """On PostgreSQL the rows go by COPY with keys taken from the sequence beforehand; on
    SQLite by bulk_create: either way the objects carry the pk of their own row."""
    when = timezone.make_aware(dt.datetime(2024, 7, 1, 9, 30))
    reports = [
        MonthlyReport(
            project=project,
            year=2024,
            month=month,
            completed_investment=Decimal(month) / 4,
            confirmed_warnings=["plan_exceeded"] if month == 3 else [],
        )
        for month in range(1, 13)
    ]

    bulk_create_with_history(
        reports, MonthlyReport, default_user=district_official, default_date=when
    )

    stored = MonthlyReport.objects.in_bulk([report.pk for report in reports])
    assert [(stored[r.pk].month, stored[r.pk].completed_investment) for r in reports] == [
        (month, Decimal(month) / 4) for month in range(1, 13)
    ]
    assert stored[reports[2].pk].confirmed_warnings == ["plan_exceeded"]
    assert stored[reports[0].pk].confirmed_warnings == []
    assert all(not r._state.adding and stored[r.pk].created_at == r.created_at for r in reports)
    history = MonthlyReport.history.values_list("id", "month", "history_type", "history_user")
    assert sorted(history) == sorted((r.pk, r.month, "+", district_official.pk) for r in reports)
