"""The monthly reporting cycle: windows in working days, late entries, submit → return →
accept, the lock and a correction with its reason, completeness (填报率)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.periods import Period
from projects import services
from projects.models import MonthStatus, ReportingRule, ReportingWindow
from supervision import reporting
from supervision.workdays import reporting_window
from tests.factories import ProjectFactory

SEPT = Period(2026, 9)


def _at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, 0), tick=False)


@pytest.mark.django_db
def test_window_of_september_2026_skips_national_day_and_counts_the_adjusted_saturday():
    # 1–7 Oct 2026 are holidays; Saturday 10 Oct is a working day (调休).
    window = reporting_window(2026, 9)
    assert window.opens == dt.date(2026, 10, 8)  # the 1st working day of October
    assert window.closes == dt.date(2026, 10, 13)  # 8, 9, 10 (Sat), 12, 13
    rule = ReportingRule.current()
    rule.closes_workday = 3
    rule.save()
    assert reporting_window(2026, 9).closes == dt.date(2026, 10, 10)


@pytest.mark.django_db
def test_an_explicit_window_overrides_the_rule():
    ReportingWindow.objects.create(
        year=2026, month=9, opens=dt.date(2026, 10, 9), closes=dt.date(2026, 10, 20)
    )
    window = reporting_window(2026, 9)
    assert (window.opens, window.closes, window.explicit) == (
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 20),
        True,
    )


def _report(project, actor, amount="100", **kwargs):
    return services.report_create(
        project=project,
        year=2026,
        month=9,
        completed_investment=Decimal(amount),
        actor=actor,
        **kwargs,
    )


def test_a_report_after_the_close_is_marked_late_and_one_before_is_not(regions, district_official):
    early, late = (
        ProjectFactory(region=regions["district"]),
        ProjectFactory(region=regions["district"]),
    )
    with _at(dt.date(2026, 10, 13)):
        assert _report(early, district_official).late is False
    with _at(dt.date(2026, 10, 14)):
        assert _report(late, district_official).late is True


def test_reopened_month_takes_entries_on_time_until_the_reopened_date(
    regions, district_official, city_official
):
    project = ProjectFactory(region=regions["district"])
    with _at(dt.date(2026, 10, 15)):
        row = reporting.month_reopen(
            district=regions["district"], period=SEPT, actor=city_official, reason="系统故障"
        )
        assert row.reopened_until == dt.date(2026, 10, 20)  # 3 working days: 16, 19, 20
        assert row.reopened_by == city_official
        assert _report(project, district_official).late is False
    assert row.history.latest().reopen_reason == "系统故障"


def test_district_cannot_reopen_its_own_month(regions, district_official, reviewer):
    for actor in (district_official, reviewer):
        with pytest.raises(PermissionDenied):
            reporting.month_reopen(
                district=regions["district"], period=SEPT, actor=actor, reason="x"
            )


def test_submit_needs_every_project_reported_or_explained(regions, district_official):
    reported = ProjectFactory(region=regions["district"], code="QD-A")
    silent = ProjectFactory(region=regions["district"], code="QD-B")
    with _at(dt.date(2026, 10, 9)):
        _report(reported, district_official)
        with pytest.raises(ValidationError) as refused:
            reporting.month_submit(
                district=regions["district"], period=SEPT, actor=district_official
            )
        assert "QD-B" in str(refused.value)
        row = reporting.month_submit(
            district=regions["district"],
            period=SEPT,
            actor=district_official,
            gaps={silent.pk: "项目停工，本月无投资"},
        )
    assert row.status == MonthStatus.SUBMITTED
    assert row.gaps.get().reason == "项目停工，本月无投资"


def test_submit_return_resubmit_accept_then_correction_needs_a_reason(
    regions, district_official, city_official, other_official
):
    project = ProjectFactory(region=regions["district"])
    district = regions["district"]
    with _at(dt.date(2026, 10, 9)):
        report = _report(project, district_official)
        with pytest.raises(PermissionDenied):
            reporting.month_submit(district=district, period=SEPT, actor=other_official)
        reporting.month_submit(district=district, period=SEPT, actor=district_official)
        # submitted: closed to the district's entries until the city answers
        with pytest.raises(ValidationError):
            services.report_update(
                report=report, actor=district_official, completed_investment=Decimal("90")
            )
        with pytest.raises(PermissionDenied):
            reporting.month_accept(district=district, period=SEPT, actor=district_official)
        with pytest.raises(ValidationError):
            reporting.month_return(district=district, period=SEPT, actor=city_official, note="")
        returned = reporting.month_return(
            district=district, period=SEPT, actor=city_official, note="金额偏大，请核实"
        )
        assert returned.status == MonthStatus.RETURNED
        report = services.report_update(
            report=report, actor=district_official, completed_investment=Decimal("90")
        )
        assert report.is_correction is False
        reporting.month_submit(district=district, period=SEPT, actor=district_official)
        accepted = reporting.month_accept(district=district, period=SEPT, actor=city_official)
        assert accepted.status == MonthStatus.ACCEPTED and accepted.reviewed_by == city_official
        with pytest.raises(ValidationError) as locked:
            services.report_update(
                report=report, actor=district_official, completed_investment=Decimal("95")
            )
        assert "correction_reason" in locked.value.message_dict
        corrected = services.report_update(
            report=report,
            actor=district_official,
            completed_investment=Decimal("95"),
            correction_reason="统计局反馈口径调整",
        )
    assert corrected.is_correction and corrected.completed_investment == Decimal("95")
    history = list(corrected.history.order_by("history_date"))
    assert [h.correction_reason for h in history] == ["", "", "统计局反馈口径调整"]
    states = [h.status for h in accepted.history.order_by("history_date")]
    assert states == ["open", "submitted", "returned", "submitted", "accepted"]


def test_completeness_with_missing_late_and_returned_districts(
    regions, district_official, other_official, city_official, django_assert_num_queries
):
    shinan, shibei = regions["district"], regions["other"]
    a, b, c = (ProjectFactory(region=shinan) for _ in range(3))
    d, e = (ProjectFactory(region=shibei) for _ in range(2))
    ProjectFactory(region=regions["other_city_district"])  # another city: not counted
    with _at(dt.date(2026, 10, 9)):
        _report(a, district_official)
        _report(b, district_official)
        _report(d, other_official)
        reporting.month_submit(
            district=shibei, period=SEPT, actor=other_official, gaps={e.pk: "未开工"}
        )
        reporting.month_return(district=shibei, period=SEPT, actor=city_official, note="补报")
    with _at(dt.date(2026, 10, 20)):
        _report(c, district_official)  # late
        with django_assert_num_queries(9):
            # the window: its override row, the rule, the calendar (overrides, schedules);
            # the districts, the due and the reported counts, the states, the missing projects
            result = reporting.completeness(user=city_official, period=SEPT)
    rows = {row.region.code: row for row in result.rows}
    assert set(rows) == {"370202", "370203"}
    assert (rows["370202"].projects, rows["370202"].reported, rows["370202"].late) == (3, 3, 1)
    assert rows["370202"].status == MonthStatus.OPEN
    assert (rows["370203"].projects, rows["370203"].reported) == (2, 1)
    assert rows["370203"].status == MonthStatus.RETURNED
    assert [p.pk for p in rows["370203"].missing] == [e.pk]
    assert (result.projects, result.reported, result.late, result.returned) == (5, 4, 1, 1)
    assert result.reporting_rate == Decimal(4) / Decimal(5)
    own = reporting.completeness(user=district_official, period=SEPT)
    assert [row.region.code for row in own.rows] == ["370202"]
