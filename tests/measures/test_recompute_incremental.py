"""The incremental recompute (issue #15, item 2): a report save recomputes only the changed
projects' statuses — the same statement as the whole-period run restricted to their ids — for the
changed month and the later computed months of its year; the rows are exactly those of a
whole-period recompute on the same data (SQLite and PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from assessment import recompute, tasks
from assessment.models import PeriodComputation, ProjectStatus
from assessment.reasons import CHECKS
from assessment.recompute import runs as runs_module
from core.periods import Period
from projects import services
from tests.measures.conftest import TODAY, build_project, compute

pytestmark = pytest.mark.django_db

FIELDS = (
    "project_id",
    "year",
    "month",
    "region_id",
    "colour",
    *(f"{check}_verdict" for check in CHECKS),
    "gap_points",
    "completed_ytd",
    "investment_rate",
)


def rows():
    statuses = ProjectStatus.objects.order_by("year", "month", "project_id")
    return [(*(getattr(s, f) for f in FIELDS), s.reason, s.checks) for s in statuses]


def whole_runs(month=10) -> int:
    return PeriodComputation.objects.get(year=2024, month=month).runs


@pytest.fixture
def portfolio(regions):
    projects = [
        build_project(regions["district"], plan="1000", reports={8: "100", 9: "300", 10: "200"}),
        build_project(regions["district"], plan="800", reports={9: "700"}),
        build_project(regions["other"], plan="500", reports={10: "450"}),
        build_project(regions["other"], plan="1200"),
    ]
    for month in (9, 10):
        compute(month=month)
    return projects


def test_incremental_rows_equal_the_whole_period_recompute(portfolio):
    changed, untouched = portfolio[1], portfolio[3]
    services.report_create(project=changed, year=2024, month=8, completed_investment=Decimal("50"))
    services.report_create(
        project=untouched, year=2024, month=10, completed_investment=Decimal("900")
    )
    before_untouched = ProjectStatus.objects.filter(project=untouched).values_list(
        "computed_at", flat=True
    )
    before_untouched = list(before_untouched)
    result = recompute.recompute_projects(
        project_ids=[changed.pk, untouched.pk], year=2024, month=8, today=TODAY
    )
    assert result is not None and result.projects == 2
    incremental = rows()
    assert (
        list(ProjectStatus.objects.filter(project=untouched).values_list("computed_at", flat=True))
        != before_untouched
    )  # its rows were rewritten (both months)
    for month in (9, 10):
        compute(month=month)
    assert incremental == rows()  # exactly the whole-period recompute's statuses


def test_incremental_leaves_other_projects_rows_alone(portfolio):
    others = ProjectStatus.objects.exclude(project=portfolio[0]).values_list("id", "computed_at")
    others = sorted(others)
    recompute.recompute_projects(project_ids=[portfolio[0].pk], year=2024, month=9, today=TODAY)
    assert (
        sorted(ProjectStatus.objects.exclude(project=portfolio[0]).values_list("id", "computed_at"))
        == others
    )
    assert ProjectStatus.objects.filter(project=portfolio[0]).count() == 2


def test_a_project_outside_the_period_gets_no_row_as_in_the_whole_run(portfolio, regions):
    assert recompute.recompute_projects(project_ids=[], year=2024, month=10) is None
    ghost = build_project(regions["district"], plan="10", year=2023)  # not in 2024's portfolio
    recompute.recompute_projects(project_ids=[ghost.pk], year=2024, month=10, today=TODAY)
    compute(month=10)
    expected = rows()
    recompute.recompute_projects(project_ids=[ghost.pk], year=2024, month=10, today=TODAY)
    assert rows() == expected


def test_a_period_never_computed_is_left_to_the_whole_run(regions):
    project = build_project(regions["district"], plan="1000", reports={10: "200"})
    assert recompute.recompute_projects(project_ids=[project.pk], year=2024, month=10) is None
    assert not ProjectStatus.objects.exists()


def test_a_save_on_the_embedded_default_recomputes_only_that_project_at_once(
    portfolio, eager, django_capture_on_commit_callbacks, settings
):
    settings.MEASURES_DEBOUNCE_SECONDS = 60
    project = portfolio[1]
    with (
        time_machine.travel(dt.datetime(2024, 11, 20, 9, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.report_create(
            project=project, year=2024, month=10, completed_investment=Decimal("100")
        )
    assert (whole_runs(9), whole_runs(10)) == (1, 1)  # no whole-period run
    assert not recompute.is_dirty(recompute.computed_periods(2024)[-1])
    status = ProjectStatus.objects.get(project=project, year=2024, month=10)
    assert status.completed_ytd == Decimal("800")  # 700 in September + 100 in October
    assert ProjectStatus.objects.get(project=project, year=2024, month=9).completed_ytd == 700


def test_a_correction_of_an_earlier_month_recomputes_the_later_computed_months(
    portfolio, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(
            project=portfolio[3], year=2024, month=9, completed_investment=Decimal("600")
        )
    assert ProjectStatus.objects.get(project=portfolio[3], month=9).completed_ytd == 600
    assert ProjectStatus.objects.get(project=portfolio[3], month=10).completed_ytd == 600
    assert (whole_runs(9), whole_runs(10)) == (1, 1)


def test_with_a_worker_the_save_sends_one_immediate_task(
    portfolio, broker, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.recompute_projects, "apply_async", lambda args, **kw: sent.append((args, kw))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(
            project=portfolio[3], year=2024, month=10, completed_investment=Decimal("5")
        )
    assert sent == [(([portfolio[3].pk], 2024, 10), {})]  # no countdown: at once
    assert not recompute.is_dirty(recompute.computed_periods(2024)[-1])
    assert tasks.recompute_projects([portfolio[3].pk], 2024, 10).startswith("2024")
    assert ProjectStatus.objects.get(project=portfolio[3], month=10).completed_ytd == 5


def test_a_broker_down_falls_back_to_the_debounced_whole_run(
    portfolio, broker, monkeypatch, django_capture_on_commit_callbacks
):
    def down(args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.recompute_projects, "apply_async", down)
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda *a, **k: None)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(
            project=portfolio[3], year=2024, month=10, completed_investment=Decimal("5")
        )
    assert recompute.is_dirty(recompute.computed_periods(2024)[-1])


def test_above_the_threshold_the_whole_run_takes_the_change(
    portfolio, broker, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.MEASURES_INCREMENTAL_MAX_PROJECTS = 0
    sent = []
    monkeypatch.setattr(tasks.recompute_projects, "apply_async", lambda *a, **k: sent.append(a))
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda *a, **k: None)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(
            project=portfolio[3], year=2024, month=10, completed_investment=Decimal("5")
        )
    assert sent == []
    assert recompute.is_dirty(recompute.computed_periods(2024)[-1])


def test_the_hook_runs_at_the_end_of_both_kinds_of_run(portfolio, monkeypatch):
    calls = []
    monkeypatch.setattr(
        runs_module, "period_written_hook", lambda period, **kw: calls.append((str(period), kw))
    )
    compute(month=10)
    recompute.recompute_projects(project_ids=[portfolio[0].pk], year=2024, month=10, today=TODAY)
    assert len(calls) == 2
    assert calls[0][1] == {}
    assert calls[1][1] == {"project_ids": [portfolio[0].pk], "districts_before": {"370202"}}


def test_query_count_does_not_grow_with_the_changed_projects(
    portfolio, django_assert_max_num_queries
):
    # PostgreSQL adds four planner statements (SET LOCAL work_mem, jit, enable_nestloop; RESET).
    budget = 24 if connection.vendor == "postgresql" else 20
    with django_assert_max_num_queries(budget):
        recompute.recompute_projects(
            project_ids=[p.pk for p in portfolio], year=2024, month=10, today=TODAY
        )


def test_incremental_run_keeps_the_per_district_sums_of_both_districts_of_a_moved_project(
    portfolio, regions
):
    from assessment.models import RegionPeriodAggregate

    def sums():
        return sorted(
            RegionPeriodAggregate.objects.filter(year=2024, month=10).values_list(
                "region_id", "level", "projects", "completed_ytd"
            )
        )

    moved = portfolio[0]
    type(moved).objects.filter(pk=moved.pk).update(region=regions["other"])
    recompute.recompute_projects(project_ids=[moved.pk], year=2024, month=10, today=TODAY)
    incremental = sums()
    compute(month=10)  # the whole run writes every district's sums from scratch
    assert incremental == sums()
    assert "370202" in {row[0] for row in incremental}  # the district it left is refreshed too


def test_the_first_report_of_a_month_never_computed_goes_to_the_whole_run(
    portfolio, eager, django_capture_on_commit_callbacks
):
    # September and October are computed; November is reported for the first time: the
    # incremental path has no November rows to refresh, so the whole run must compute it.
    with (
        time_machine.travel(dt.datetime(2024, 12, 3, 9, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.report_create(
            project=portfolio[3], year=2024, month=11, completed_investment=Decimal("90")
        )
        tasks.ensure_fresh(Period(2024, 11))
    assert ProjectStatus.objects.filter(year=2024, month=11, project=portfolio[3]).exists()
