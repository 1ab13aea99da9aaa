"""The Celery jobs: a debounced recompute after report saves (a burst of 500 saves gives few
recomputes, eager or with a broker), the nightly recompute and the monthly publication."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from assessment import recompute, tasks
from assessment.models import PeriodComputation, ProjectStatus, RankingSnapshot, RecomputeRequest
from assessment.recompute import statement
from core.periods import Period
from projects import services
from tests.factories import ProjectFactory
from tests.measures.conftest import build_project, compute

pytestmark = pytest.mark.django_db

OCTOBER = Period(2024, 10)


def runs(period=OCTOBER) -> int:
    row = PeriodComputation.objects.filter(year=period.year, month=period.month).first()
    return row.runs if row else 0


@pytest.fixture
def projects_500(regions, settings):
    settings.MEASURES_DEBOUNCE_SECONDS = 60
    # Saves one by one would each take the incremental path (test_recompute_incremental.py):
    # these tests are about the debounce of the whole-period run.
    settings.MEASURES_INCREMENTAL_MAX_PROJECTS = 0
    return ProjectFactory.create_batch(500, region=regions["district"])


def save_reports(projects, capture, *, month=10, amount="10"):
    """One report per project, each in its own transaction (commit hooks run after each)."""
    for project in projects:
        with capture(execute=True):
            services.report_create(
                project=project, year=2024, month=month, completed_investment=Decimal(amount)
            )


def test_eager_burst_of_500_report_saves_gives_one_run_and_one_at_the_next_read(
    projects_500, eager, django_capture_on_commit_callbacks
):
    # The burst happens within the debounce window however slow the machine: the clock stands.
    with time_machine.travel(dt.datetime(2024, 11, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        save_reports(projects_500, django_capture_on_commit_callbacks)
    assert runs() == 1  # the first save: at once; the other 499 only marked the period
    assert recompute.is_dirty(OCTOBER)
    tasks.ensure_fresh(OCTOBER)  # a reader of the summary or rankings
    assert runs() == 2
    assert not recompute.is_dirty(OCTOBER)
    assert ProjectStatus.objects.filter(year=2024, month=10, completed_ytd=10).count() == 500
    tasks.ensure_fresh(OCTOBER)
    assert runs() == 2  # nothing changed since


def test_eager_import_of_500_reports_in_one_transaction_runs_once_after_commit(
    projects_500, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for project in projects_500:
            services.report_create(
                project=project, year=2024, month=10, completed_investment=Decimal("10")
            )
    assert runs() == 1
    assert ProjectStatus.objects.filter(year=2024, month=10, completed_ytd=10).count() == 500


def test_burst_of_500_saves_with_a_broker_queues_one_run(
    projects_500, broker, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        tasks.recompute_queued,
        "apply_async",
        lambda args, countdown: sent.append((args, countdown)),
    )
    save_reports(projects_500, django_capture_on_commit_callbacks)
    assert sent == [((2024, 10), 60)]
    assert runs() == 0
    # the worker, a minute later
    assert tasks.recompute_queued(2024, 10).startswith("2024-10")
    assert runs() == 1
    # a second delivery of the same message (acks_late) finds nothing queued
    assert tasks.recompute_queued(2024, 10) == "2024-10: not queued"
    assert runs() == 1
    # three September saves after the run: one run for September and one for October, whose
    # year-to-date figures include September
    save_reports(projects_500[:3], django_capture_on_commit_callbacks, month=9)
    assert sent[1:] == [((2024, 9), 60), ((2024, 10), 60)]


def test_changes_during_a_run_are_not_lost(projects_500, broker, monkeypatch):
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda args, countdown: None)
    tasks.report_changed(projects_500[0].pk, 2024, 10)
    real = statement.write

    def write_while_someone_saves(*args, **kwargs):
        tasks.report_changed(projects_500[1].pk, 2024, 10)  # saved while the run computes
        return real(*args, **kwargs)

    monkeypatch.setattr(statement, "write", write_while_someone_saves)
    tasks.recompute_queued(2024, 10)
    assert recompute.is_dirty(OCTOBER)
    assert RecomputeRequest.objects.get(year=2024, month=10).queued_at is not None


def test_a_report_change_marks_the_later_computed_periods_of_its_year(regions, broker, monkeypatch):
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda args, countdown: None)
    project = build_project(regions["district"], plan="100", reports={8: "10"})
    compute(month=8)
    compute(month=9)
    compute(month=10)
    tasks.report_changed(project.pk, 2024, 9)
    assert recompute.dirty_periods() == [Period(2024, 9), Period(2024, 10)]


def test_report_changed_never_raises_and_leaves_the_period_marked(
    regions, eager, monkeypatch, caplog
):
    project = build_project(regions["district"], plan="100")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("assessment.recompute.runs.recompute_period", broken)
    tasks.report_changed(project.pk, 2024, 10)
    assert recompute.is_dirty(OCTOBER)
    assert "recompute after report" in caplog.text


def test_nightly_recompute_computes_last_month_and_changed_periods(regions, broker, monkeypatch):
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda args, countdown: None)
    project = build_project(regions["district"], plan="100", reports={3: "10", 10: "20"})
    with time_machine.travel(dt.datetime(2024, 11, 20, 16, 0), tick=False):
        tasks.report_changed(project.pk, 2024, 3)  # a correction in the afternoon
    with time_machine.travel(dt.datetime(2024, 11, 21, 1, 30), tick=False):
        done = tasks.nightly_recompute()
    assert [line[:7] for line in done] == ["2024-10", "2024-03"]
    assert runs(Period(2024, 3)) == runs(OCTOBER) == 1
    assert recompute.dirty_periods() == []


def test_publish_due_rankings_task(regions):
    build_project(regions["district"], plan="100", reports={10: "20"})
    with time_machine.travel(dt.datetime(2024, 11, 5, 6, 0), tick=False):
        assert len(tasks.publish_due_rankings()) == 6
        assert tasks.publish_due_rankings() == []
    assert RankingSnapshot.objects.filter(year=2024, month=10).count() == 6


def test_a_full_recompute_clears_the_changed_mark_a_regional_one_does_not(
    regions, broker, monkeypatch
):
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda args, countdown: None)
    project = build_project(regions["district"], plan="100", reports={10: "20"})
    tasks.report_changed(project.pk, 2024, 10)
    compute(region_code="370202")
    assert recompute.is_dirty(OCTOBER)
    compute()
    assert not recompute.is_dirty(OCTOBER)


# --- Faults: nothing is lost ---------------------------------------------------------------------


def test_a_run_killed_midway_leaves_the_period_marked_and_the_next_run_takes_it(
    regions, broker, monkeypatch
):
    monkeypatch.setattr(tasks.recompute_queued, "apply_async", lambda args, countdown: None)
    project = build_project(regions["district"], plan="100", reports={10: "20"})
    tasks.report_changed(project.pk, 2024, 10)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")  # not an Exception: nothing may catch and restore

    monkeypatch.setattr(statement, "write", killed)
    with pytest.raises(SystemExit):
        recompute.run_if_dirty(OCTOBER)
    assert recompute.is_dirty(OCTOBER)  # the mark went only with the transaction
    monkeypatch.undo()
    assert recompute.run_if_dirty(OCTOBER) is not None
    assert not recompute.is_dirty(OCTOBER)


def test_a_change_made_while_a_run_computes_is_kept_for_the_next_run(regions, monkeypatch):
    project = build_project(regions["district"], plan="100", reports={10: "20"})
    compute()
    real_write = statement.write

    def write_while_someone_saves(*args, **kwargs):
        written = real_write(*args, **kwargs)
        recompute.mark_changed(OCTOBER)  # a save committed during the run
        return written

    monkeypatch.setattr(statement, "write", write_while_someone_saves)
    recompute.mark_changed(OCTOBER)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)):
        recompute.run_if_dirty(OCTOBER)
    assert recompute.is_dirty(OCTOBER)
    assert project


def test_a_broker_down_frees_the_queue_slot_so_the_next_save_queues_again(
    regions, broker, monkeypatch, caplog
):
    project = build_project(regions["district"], plan="100", reports={10: "20"})
    sent = []

    def down(args, countdown):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.recompute_queued, "apply_async", down)
    tasks.report_changed(project.pk, 2024, 10)
    assert "could not queue" in caplog.text
    assert RecomputeRequest.objects.get(year=2024, month=10).queued_at is None
    monkeypatch.setattr(
        tasks.recompute_queued, "apply_async", lambda args, countdown: sent.append(args)
    )
    tasks.report_changed(project.pk, 2024, 10)
    assert sent == [(2024, 10)]
    assert recompute.is_dirty(OCTOBER)


def test_a_queued_mark_whose_run_never_came_expires_and_the_nightly_job_frees_it(
    regions, broker, monkeypatch, settings
):
    settings.RECOMPUTE_QUEUED_STALE_SECONDS = 900
    sent = []
    monkeypatch.setattr(
        tasks.recompute_queued, "apply_async", lambda args, countdown: sent.append(args)
    )
    project = build_project(regions["district"], plan="100", reports={10: "20"})
    tasks.report_changed(project.pk, 2024, 10)
    tasks.report_changed(project.pk, 2024, 10)
    assert sent == [(2024, 10)]  # the second change rides on the queued run …
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)):
        tasks.report_changed(project.pk, 2024, 10)  # … which never came: queue again
        assert sent == [(2024, 10), (2024, 10)]
        assert recompute.release_stale_queues() == 0  # fresh again
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        assert recompute.release_stale_queues() == 1
