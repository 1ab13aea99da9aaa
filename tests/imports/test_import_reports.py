"""The monthly report import (INTERFACES.md §2): 项目编号 + 本月完成投资(万元), all or nothing."""

from decimal import Decimal

import pytest

from imports.reports import import_reports
from projects.models import MonthlyReport, Project
from tests.factories import MonthlyReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HEADERS = ["项目编号", "项目名称", "本月完成投资(万元)", "进展说明"]


@pytest.fixture
def projects(regions):
    return {
        "mine": ProjectFactory(code="SN-1", region=regions["district"]),
        "mine2": ProjectFactory(code="SN-2", region=regions["district"]),
        "theirs": ProjectFactory(code="SB-1", region=regions["other"]),
        "withdrawn": ProjectFactory(code="SN-W", region=regions["district"], stage="withdrawn"),
    }


def test_reports_are_created_then_left_alone_then_corrected_with_history(projects, xlsx):
    rows = [["SN-1", "项目甲", 120.5, "主体施工"], ["SN-2", "项目乙", "1,000", None]]

    result = import_reports(xlsx(HEADERS, rows), year=2024, month=6)

    assert result.ok, result.errors
    assert (result.counts["reports_created"], result.counts["reports_updated"]) == (2, 0)
    report = MonthlyReport.objects.get(project__code="SN-1", year=2024, month=6)
    assert (report.completed_investment, report.note) == (Decimal("120.50"), "主体施工")
    assert MonthlyReport.objects.get(project__code="SN-2").completed_investment == Decimal("1000")

    again = import_reports(xlsx(HEADERS, rows), year=2024, month=6)
    assert again.ok and again.counts["reports_unchanged"] == 2
    assert MonthlyReport.history.count() == 2

    rows[0][2] = 150
    corrected = import_reports(xlsx(HEADERS, rows), year=2024, month=6)
    assert corrected.ok and corrected.counts["reports_updated"] == 1
    report.refresh_from_db()
    assert (report.completed_investment, report.version) == (Decimal("150.00"), 2)
    assert [h.completed_investment for h in report.history.all()] == [
        Decimal("150.00"),
        Decimal("120.50"),
    ]
    assert MonthlyReport.history.count() == 3


def test_english_alias_headers(projects, xlsx):
    path = xlsx(["completed_investment", "code", "note"], [[8, "SN-1", "ok"]])

    assert import_reports(path, year=2024, month=1).ok

    assert MonthlyReport.objects.get().completed_investment == Decimal("8.00")


def test_every_bad_row_is_reported_and_nothing_is_written(projects, xlsx):
    rows = [
        ["SN-1", "", 10, ""],  # fine
        ["NOPE", "", 10, ""],  # unknown code
        ["SN-W", "", 10, ""],  # withdrawn
        ["SN-2", "", -3, ""],  # negative
        ["SN-2", "", "很多", ""],  # duplicate, and not a number
        ["SB-1", "", None, ""],  # blank amount
    ]

    result = import_reports(xlsx(HEADERS, rows), year=2024, month=6)

    assert [(e.row, e.column) for e in result.errors] == [
        (3, "项目编号"),
        (4, "项目编号"),
        (5, "本月完成投资(万元)"),
        (5, "项目编号"),
        (6, "本月完成投资(万元)"),
        (6, "项目编号"),
        (7, "本月完成投资(万元)"),
    ]
    reasons = [e.reason for e in result.errors]
    assert "不存在" in reasons[0]
    assert "已退库" in reasons[1]
    assert "负数" in reasons[2]
    assert "另见第 6 行" in reasons[3]
    assert "很多" in reasons[4]
    assert "必填" in reasons[6]
    assert not MonthlyReport.objects.exists()


def test_district_official_cannot_report_for_another_district(projects, xlsx, district_official):
    rows = [["SN-1", "", 10, ""], ["SB-1", "", 10, ""]]

    result = import_reports(xlsx(HEADERS, rows), year=2024, month=6, user=district_official)

    assert [(e.row, e.column) for e in result.errors] == [(3, "项目编号")]
    assert "无权" in result.errors[0].reason
    assert not MonthlyReport.objects.exists()


def test_official_of_another_district_reports_only_their_projects(projects, xlsx, other_official):
    path = xlsx(HEADERS, [["SB-1", "", 10, ""]])

    assert import_reports(path, year=2024, month=6, user=other_official).ok
    result = import_reports(
        xlsx(HEADERS, [["SN-1", "", 10, ""]]), year=2024, month=6, user=other_official
    )

    assert [(e.row, e.column) for e in result.errors] == [(2, "项目编号")]


def test_city_official_reports_for_every_district(projects, xlsx, city_official):
    rows = [["SN-1", "", 10, ""], ["SB-1", "", 20, ""]]

    result = import_reports(xlsx(HEADERS, rows), year=2024, month=6, user=city_official)

    assert result.ok, result.errors
    report = MonthlyReport.objects.get(project__code="SB-1")
    assert (report.reported_by, report.history.get().history_user) == (city_official, city_official)


def test_month_out_of_range_is_an_error(projects, xlsx):
    result = import_reports(xlsx(HEADERS, [["SN-1", "", 10, ""]]), year=2024, month=13)

    assert [(e.row, e.column) for e in result.errors] == [(0, "月份")]


def test_existing_report_of_another_month_is_untouched(projects, xlsx):
    other = MonthlyReportFactory(project=projects["mine"], year=2024, month=5)

    assert import_reports(xlsx(HEADERS, [["SN-1", "", 10, ""]]), year=2024, month=6).ok

    other.refresh_from_db()
    assert (other.completed_investment, other.version) == (Decimal("100.00"), 1)
    assert Project.objects.get(code="SN-1").reports.count() == 2


def test_imported_month_sets_off_its_recompute(
    projects, xlsx, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr("assessment.tasks.report_changed", lambda *args: calls.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        assert import_reports(xlsx(HEADERS, [["SN-1", "", 10, ""]]), year=2024, month=6).ok

    assert calls == [(projects["mine"].pk, 2024, 6)]
