"""The four-colour checks of DOMAIN.md, each rule at its boundaries, with the thresholds of
ColourRules. Period 2024-06 (time progress 50%), figures as of 30 June 2024."""

import datetime as dt

import pytest

from assessment import measures
from assessment.models import ColourRules, ProjectStatus
from assessment.reasons import check_list
from projects.choices import Stage
from projects.models import MonthlyReport
from tests.measures.conftest import add_milestone, build_project, compute

pytestmark = pytest.mark.django_db

JUNE = {"year": 2024, "month": 6, "today": dt.date(2024, 7, 10)}
REPORTED = {5: "0"}  # a report last month: the reporting check passes


def colour_of(project, month=6):
    return ProjectStatus.objects.get(project=project, year=2024, month=month)


def under_construction(region, completed, plan="1000", **kwargs):
    """Plan 1000, time progress 50%: `completed` is the investment rate in tenths of a point."""
    kwargs.setdefault("in_statistics", True)
    return build_project(region, plan=plan, reports={**REPORTED, 6: completed}, **kwargs)


@pytest.mark.parametrize(
    ("completed", "colour", "gap"),
    [
        ("600", "green", 10.0),  # d = +10: green
        ("599", "white", 9.9),
        ("401", "white", -9.9),
        ("400", "yellow", -10.0),  # d = −10: yellow
        ("200", "yellow", -30.0),  # d = −30: still yellow
        ("199", "red", -30.1),  # d < −30: red
    ],
)
def test_progress_check_boundaries(regions, completed, colour, gap):
    project = under_construction(regions["district"], completed)
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == colour
    assert status.checks["progress"]["verdict"] == colour
    assert status.checks["progress"]["gap_points"] == pytest.approx(gap)


def test_reason_is_worded_for_an_official(regions):
    project = build_project(regions["district"], plan="1000", reports={9: "12", 10: "400"})
    compute()  # 2024-10: time progress 83.3%
    status = colour_of(project, month=10)
    assert status.colour == "red"
    assert status.reason == "投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点"
    progress = status.checks["progress"]
    assert progress["investment_rate"] == pytest.approx(0.412)
    assert progress["time_progress"] == pytest.approx(0.833333)


@pytest.mark.parametrize(
    ("planned_start", "colour", "months_late"),
    [
        (dt.date(2024, 7, 1), "white", -1),  # not due yet
        (dt.date(2024, 6, 20), "yellow", 0),  # due this month
        (dt.date(2024, 4, 1), "yellow", 2),
        (dt.date(2024, 3, 31), "red", 3),  # 3 months after the planned month
    ],
)
def test_start_check_for_new_starts_not_started(regions, planned_start, colour, months_late):
    project = build_project(
        regions["district"],
        stage=Stage.SIGNED,
        new_start=True,
        plan="500",
        actual_start=None,
        planned_start=planned_start,
        in_statistics=False,
    )
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == colour
    assert status.checks["start"]["months_late"] == months_late
    assert "progress" not in status.checks  # not under construction: skipped
    if colour == "red":
        assert status.reason == "计划于 2024年3月 开工，至今未开工，已滞后 3 个月"


@pytest.mark.parametrize(
    ("actual_start", "in_statistics", "colour"),
    [
        (dt.date(2024, 6, 10), False, "white"),  # started this month
        (dt.date(2024, 5, 31), False, "yellow"),  # one month after the start month
        (dt.date(2024, 4, 1), False, "red"),  # two months
        (dt.date(2023, 1, 1), True, "white"),  # 纳统: passes
    ],
)
def test_statistics_check(regions, actual_start, in_statistics, colour):
    project = build_project(
        regions["district"],
        actual_start=actual_start,
        in_statistics=in_statistics,
        statistics_date=actual_start if in_statistics else None,
        reports={4: "1", 5: "1", 6: "1"},
    )
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == colour
    assert status.checks["statistics"]["verdict"] == ("ok" if colour == "white" else colour)


def test_statistics_date_after_the_period_is_not_yet_statistics(regions):
    project = build_project(
        regions["district"],
        actual_start=dt.date(2024, 3, 1),
        in_statistics=True,
        statistics_date=dt.date(2024, 7, 2),
        reports={5: "1"},
    )
    compute(**JUNE)
    assert colour_of(project).colour == "red"
    assert colour_of(project).reason == "2024年3月 开工已 3 个月，尚未纳统"


@pytest.mark.parametrize(
    ("due", "done_on", "colour"),
    [
        (dt.date(2024, 6, 30), None, "white"),  # due on the last day: not past due
        (dt.date(2024, 6, 29), None, "yellow"),  # 1 day
        (dt.date(2024, 5, 31), None, "yellow"),  # 30 days
        (dt.date(2024, 5, 30), None, "red"),  # 31 days
        (dt.date(2024, 6, 1), dt.date(2024, 6, 15), "white"),  # done (late, but done)
        (dt.date(2024, 6, 1), dt.date(2024, 7, 5), "yellow"),  # done after the period
    ],
)
def test_milestone_check(regions, due, done_on, colour):
    project = build_project(regions["district"], reports=REPORTED)
    add_milestone(project, due=due, done_on=done_on)
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == colour
    if colour != "white":
        assert status.checks["milestones"]["verdict"] == colour
        assert "取得施工许可" in status.reason
    else:
        assert "milestones" not in status.checks


@pytest.mark.parametrize(
    ("reported_months", "actual_start", "colour"),
    [
        ([5, 6], dt.date(2023, 3, 1), "white"),
        ([5], dt.date(2023, 3, 1), "white"),  # one month without: not yet
        ([4], dt.date(2023, 3, 1), "red"),  # May and June without a report
        ([], dt.date(2023, 3, 1), "red"),  # nothing this year
        ([], dt.date(2024, 5, 15), "white"),  # started within the window: skipped
    ],
)
def test_reporting_check(regions, reported_months, actual_start, colour):
    project = build_project(
        regions["district"],
        actual_start=actual_start,
        in_statistics=True,
        reports={m: "1" for m in reported_months},
    )
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == colour
    if colour == "red":
        assert "未报送月度完成投资" in status.reason


def test_reporting_window_crosses_the_year_boundary(regions):
    silent = build_project(regions["district"], year=2023, reports={11: "5"})
    reported = build_project(regions["district"], year=2023, reports={12: "5"})
    compute(year=2024, month=1, today=dt.date(2024, 2, 5))
    status = colour_of(silent, month=1)
    assert status.months_without_report is None  # nothing in December and January
    assert (status.colour, status.reason) == ("red", "2023年12月以来未报送月度完成投资")
    status = colour_of(reported, month=1)
    assert (status.months_without_report, status.colour) == (1, "white")


def test_worst_verdict_wins_and_reasons_list_red_first(regions):
    project = under_construction(
        regions["district"], "350", in_statistics=False, actual_start=dt.date(2024, 5, 2)
    )  # progress yellow (−15), statistics yellow (1 month)
    add_milestone(project, due=dt.date(2024, 5, 1))  # 60 days: red
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == "red"
    assert [(c["check"], c["label"], c["verdict"]) for c in check_list(status.checks)] == [
        ("progress", "投资进度", "yellow"),
        ("statistics", "开工纳统", "yellow"),
        ("milestones", "节点", "red"),
    ]  # reporting: started within the two-month window, skipped
    reasons = status.reason.split("；")
    assert reasons[0].startswith("1 个节点逾期未完成")
    assert reasons[1].startswith("投资完成率 35.0%")
    assert reasons[2] == "2024年5月 开工已 1 个月，尚未纳统"


def test_green_needs_every_other_check_to_pass(regions):
    project = under_construction(regions["district"], "800")  # +30 points
    add_milestone(project, due=dt.date(2024, 6, 20))  # 10 days overdue: yellow
    compute(**JUNE)
    assert colour_of(project).colour == "yellow"


def test_no_failing_check_and_no_progress_figure_is_white(regions):
    project = build_project(regions["district"], plan=None, reports=REPORTED)
    compute(**JUNE)
    status = colour_of(project)
    assert status.colour == "white"
    assert "progress" not in status.checks
    assert status.reason == "正常推进：未发现进度滞后、逾期或漏报"


def test_projects_neither_building_nor_due_to_start_get_no_colour(regions):
    completed = build_project(
        regions["district"], plan="100", actual_completion=dt.date(2024, 3, 1)
    )
    pool = build_project(regions["district"], stage=Stage.CONCEIVED, actual_start=None, plan="0")
    compute(**JUNE)
    assert colour_of(completed).colour == colour_of(pool).colour == ""
    assert colour_of(completed).checks == {}


def test_thresholds_come_from_the_installation_rules(regions):
    project = under_construction(regions["district"], "250")  # −25 points: yellow by default
    compute(**JUNE)
    assert colour_of(project).colour == "yellow"
    rules = ColourRules.current()
    rules.red_over_points = 20
    rules.save()
    compute(**JUNE)
    assert colour_of(project).colour == "red"


def test_last_months_colours_do_not_change_when_this_months_data_arrives(regions):
    project = build_project(
        regions["district"],
        plan="1000",
        reports={9: "100", 10: "100"},
        actual_start=dt.date(2024, 3, 1),
        in_statistics=False,
    )
    milestone = add_milestone(project, due=dt.date(2024, 9, 15))
    compute()  # October

    def october():
        status = ProjectStatus.objects.get(month=10)
        return {"colour": status.colour, "reason": status.reason, "checks": status.checks}

    before = october()
    assert before["colour"] == "red"
    # November's data: a big report, 纳统 in November, the milestone done in November
    MonthlyReport.objects.create(project=project, year=2024, month=11, completed_investment=900)
    project.in_statistics, project.statistics_date = True, dt.date(2024, 11, 5)
    project.save()
    milestone.done_on = dt.date(2024, 11, 10)
    milestone.save()
    compute(today=dt.date(2024, 12, 20))  # October recomputed later: unchanged
    assert october() == before
    compute(month=11, today=dt.date(2024, 12, 20))
    assert ProjectStatus.objects.get(month=11).colour == "green"


def test_summary_counts_the_colours(regions):
    under_construction(regions["district"], "600")
    under_construction(regions["district"], "500")
    under_construction(regions["district"], "300")
    under_construction(regions["district"], "100")
    compute(**JUNE)
    row = measures.summary(
        projects_qs=None, year=2024, month=6, group_by="region", parent=regions["city"]
    )[0]
    assert (row["green"], row["white"], row["yellow"], row["red"]) == (1, 1, 1, 1)


def test_reasons_are_worded_in_the_readers_language(regions):
    # worded when read, from the stored numbers: an official who chose English reads English
    from django.utils import translation

    project = build_project(regions["district"], plan="1000", reports={9: "12", 10: "400"})
    add_milestone(project, due=dt.date(2024, 10, 20))
    compute()
    status = colour_of(project, month=10)
    with translation.override("en"):
        assert status.reason == (
            "investment rate 41.2%, time progress 83.3%, behind by 42.1 points; "
            + status.checks["milestones"]["reason"]
        )
    assert status.reason.startswith("投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点；")
