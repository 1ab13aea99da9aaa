"""REPORTING_MEASURES_READ: which saved reports the measures' SQL reads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from assessment import measures
from core.periods import Period
from projects.models import MonthStatus, ReportingMonth
from tests.factories import MonthlyReportFactory, ProjectFactory, ProjectYearFactory

PERIOD = Period(2024, 10)


def _completed(project) -> Decimal:
    sql, params = measures.figures_sql(
        period=PERIOD, as_of=dt.date(2024, 10, 31), projects_qs=type(project).objects.all()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    return rows[project.pk]["completed_ytd"]


@pytest.fixture
def month_data(regions):
    project = ProjectFactory(region=regions["district"])
    ProjectYearFactory(project=project, year=2024)
    MonthlyReportFactory(project=project, year=2024, month=9, completed_investment=Decimal("100"))
    MonthlyReportFactory(project=project, year=2024, month=10, completed_investment=Decimal("50"))
    ReportingMonth.objects.create(
        region=regions["district"], year=2024, month=9, status=MonthStatus.ACCEPTED
    )
    ReportingMonth.objects.create(
        region=regions["district"], year=2024, month=10, status=MonthStatus.SUBMITTED
    )
    return project


def test_default_reads_every_saved_report_as_before(settings, month_data, regions):
    assert settings.REPORTING_MEASURES_READ == "all"
    other = ProjectFactory(region=regions["other"])  # no month submitted at all
    ProjectYearFactory(project=other, year=2024)
    MonthlyReportFactory(project=other, year=2024, month=10, completed_investment=Decimal("7"))
    assert _completed(month_data) == Decimal("150")
    assert _completed(other) == Decimal("7")


def test_submitted_reads_submitted_and_accepted_months(settings, month_data):
    settings.REPORTING_MEASURES_READ = "submitted"
    assert _completed(month_data) == Decimal("150")
    ReportingMonth.objects.filter(month=10).update(status=MonthStatus.RETURNED)
    assert _completed(month_data) == Decimal("100")


def test_accepted_reads_only_accepted_months(settings, month_data):
    settings.REPORTING_MEASURES_READ = "accepted"
    assert _completed(month_data) == Decimal("100")
