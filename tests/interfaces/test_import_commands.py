"""INTERFACES.md §2: `import_reports` from the command line is all-or-nothing, names every bad row
with its row number, column and reason, and exits non-zero (tests/imports/test_commands.py holds
the exit for a file of one bad row only, without looking at what is reported or written)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import MonthlyReport
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

HEADERS = ["项目编号", "本月完成投资(万元)"]


def test_import_reports_with_bad_rows_writes_nothing_and_names_each_row_and_column(regions, xlsx):
    good, bad = (ProjectFactory(region=regions["district"]) for _ in range(2))
    path = xlsx(HEADERS, [[good.code, 5], ["NOPE", 5], [bad.code, "很多"]])
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command(
            "import_reports",
            str(path),
            "--year",
            "2024",
            "--month",
            "3",
            stderr=err,
            stdout=StringIO(),
        )

    assert raised.value.returncode != 0
    report = err.getvalue() + str(raised.value)
    assert "第 3 行【项目编号】" in report and "NOPE" in report
    assert "第 4 行【本月完成投资(万元)】" in report and "很多" in report
    assert "第 2 行" not in report  # the good row is not blamed
    assert not MonthlyReport.objects.exists()  # nor written


def test_import_reports_twice_changes_nothing_the_second_time(project, xlsx):
    path = xlsx(HEADERS, [[project.code, "12.5"]])
    for _ in range(2):
        call_command(
            "import_reports", str(path), "--year", "2024", "--month", "3", stdout=StringIO()
        )

    report = MonthlyReport.objects.get()
    assert (report.year, report.month, str(report.completed_investment)) == (2024, 3, "12.50")
    assert report.history.count() == 1
