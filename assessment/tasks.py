"""Celery jobs of the measures: recompute a period (debounced after report saves, nightly) and
publish rankings on the configured day. Thin: they call projects.recompute / projects.rankings.

The debounce (`report_changed`, called by services on commit after a monthly report is saved):

1. The report's period and the later computed periods of its year are marked changed
   (`RecomputeRequest.dirty_since`, a conditional update — any number of processes).
2. One caller claims the period's queue slot (`queued_at`, conditional update: exactly one
   winner while a run is pending) and sends `recompute_queued` with a countdown of
   MEASURES_DEBOUNCE_SECONDS (default 60). Every other save in the meantime only marks the
   period changed. When the run starts it frees the slot and clears the mark, so saves during
   the run queue one follow-up run: a burst of 500 saves gives one run, two at most.
3. Eager mode (the embedded default: no broker, tasks run in-process, countdowns ignored):
   the first change recomputes at once (leading edge), further changes within
   MEASURES_DEBOUNCE_SECONDS of that run's start only mark the period changed. A changed
   period is brought up to date by the next reader of the summary or rankings
   (`ensure_fresh`), by the nightly job or by `manage.py recompute` — so a burst of 500 saves
   gives one run at once and one at the next read.
"""

from __future__ import annotations

import logging

from celery import current_app, shared_task
from django.conf import settings
from django.utils import timezone

from core.periods import Period

from . import forecast, rankings, recompute
from .api import cache as api_cache

logger = logging.getLogger(__name__)


def debounce_seconds() -> int:
    return int(getattr(settings, "MEASURES_DEBOUNCE_SECONDS", 60))


def is_eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def report_changed(project_id: int, year: int, month: int) -> None:
    """A monthly report of `project_id` for year-month was saved (called on commit): triggers a
    debounced recompute of that period (and of the later computed periods of the year). Never
    raises: the report is saved whatever happens here; a failure leaves the period marked."""
    try:
        for period in recompute.mark_changed(Period(year, month)):
            request_recompute(period)
    except Exception:
        logger.exception("recompute after report %s %s-%s failed", project_id, year, month)


def reports_changed(sender: object, reports: list[tuple[int, int, int]], **kwargs: object) -> None:  # noqa: ARG001  (a signal receiver's)
    """Receiver of `projects.signals.reports_changed` (connected in `apps.py`): one debounced
    recompute per year, from the earliest changed month (marking a month changed marks the
    later computed periods of its year, whose year-to-date figures include it). The seasonal
    shares kept for the later years, learned from these reports, are dropped first."""
    try:
        forecast.forget_learned(after_year=min(r[1] for r in reports))
    except Exception:
        logger.exception("could not drop the forecast shares learned from %s", reports[:3])
    if incremental(reports):
        return
    earliest: dict[int, tuple[int, int]] = {}
    for project_id, year, month in sorted(reports, key=lambda r: (r[1], r[2])):
        earliest.setdefault(year, (month, project_id))
    for year, (month, project_id) in earliest.items():
        report_changed(project_id, year, month)


def incremental_max_projects() -> int:
    return int(getattr(settings, "MEASURES_INCREMENTAL_MAX_PROJECTS", 200))


def incremental(reports: list[tuple[int, int, int]]) -> bool:
    """Saves of few projects' reports (at most MEASURES_INCREMENTAL_MAX_PROJECTS): only those
    projects' statuses are recomputed, for the earliest changed month of each year and the later
    computed periods of the year — at once in eager mode (the embedded default), as an immediate
    task with a worker. True when handled so; False leaves the change to the debounced whole run
    (a large import, a changed month never computed, a broker that is down)."""
    projects = {r[0] for r in reports}
    if not projects or len(projects) > incremental_max_projects():
        return False
    earliest: dict[int, int] = {}
    for _project_id, year, month in reports:
        earliest[year] = min(month, earliest.get(year, 13))
    # The changed month itself must have been computed: a month reported for the first time
    # (never computed) is the whole run's, or its colours would never appear.
    if any(
        Period(year, month) not in recompute.computed_periods(year)
        for year, month in earliest.items()
    ):
        return False
    ids = sorted(projects)
    for year, month in earliest.items():
        if is_eager():
            try:
                recompute.recompute_projects(project_ids=ids, year=year, month=month)
            except Exception:
                logger.exception("incremental recompute of %s-%s failed", year, month)
                report_changed(ids[0], year, month)  # the whole run takes it
            continue
        try:
            recompute_projects.apply_async((ids, year, month))
        except Exception:
            logger.exception("could not queue the incremental recompute of %s-%s", year, month)
            report_changed(ids[0], year, month)
    return True


@shared_task(name="assessment.tasks.recompute_projects")
def recompute_projects(project_ids: list[int], year: int, month: int) -> str:
    """The statuses of `project_ids` for year-month and the later computed periods of its year,
    recomputed at once (a report save with a worker). A failure marks the periods changed for
    the debounced whole run."""
    try:
        result = recompute.recompute_projects(project_ids=project_ids, year=year, month=month)
    except Exception:
        report_changed(project_ids[0], year, month)
        raise
    return str(result) if result else f"{year}-{month:02d}: not computed"


def request_recompute(period: Period) -> None:
    if not recompute.claim_queue(period):
        return  # a run is already queued: this change will be in it
    if not is_eager():
        try:
            recompute_queued.apply_async((period.year, period.month), countdown=debounce_seconds())
        except Exception:
            # The broker is down: free the queue slot, so the next save queues again; the
            # period stays marked changed (the nightly run takes it at the latest).
            recompute.release_queue(period)
            logger.exception("could not queue the recompute of %s", period)
        return
    try:
        last = recompute.last_started(period)
        if last is None or (timezone.now() - last).total_seconds() >= debounce_seconds():
            recompute.run_if_dirty(period)
    finally:
        recompute.release_queue(period)


def ensure_fresh(period: Period) -> None:
    """For readers: in eager mode, recompute `period` now if it changed since its last run (the
    trailing edge of the debounce). With a broker the queued run does it."""
    if is_eager() and recompute.is_dirty(period):
        try:
            recompute.run_if_dirty(period)
        except Exception:
            logger.exception("recompute of %s before reading failed", period)


@shared_task(name="assessment.tasks.recompute_queued")
def recompute_queued(year: int, month: int) -> str:
    """The debounced run: frees the queue slot, then recomputes if the period changed."""
    period = Period(year, month)
    if not recompute.release_queue(period):
        return f"{period}: not queued"
    result = recompute.run_if_dirty(period)
    return str(result) if result else f"{period}: unchanged"


@shared_task(name="assessment.tasks.recompute_period")
def recompute_period(year: int, month: int, region_code: str | None = None) -> str:
    """Recomputes a period now (all regions, or one region's subtree)."""
    result = recompute.recompute_period(year=year, month=month, region_code=region_code)
    # a region's run calls no period hook: the API's answers of the period are dropped here
    api_cache.invalidate_on_commit(Period(year, month))
    return str(result)


@shared_task(name="assessment.tasks.nightly_recompute")
def nightly_recompute() -> list[str]:
    """Every night: last month (the reporting period) in full — issues, milestones, chains and
    stage moves change without a report save — and any other period marked changed."""
    recompute.release_stale_queues()  # runs queued but never come (a lost message, a dead worker)
    forecast.forget_learned(older=True)  # learned more than FORECAST_RELEARN_DAYS ago
    latest = Period.latest_complete()
    done = [str(recompute.run(latest))]
    for period in recompute.dirty_periods():
        if period != latest:
            result = recompute.run_if_dirty(period)
            if result:
                done.append(str(result))
    return done


@shared_task(name="assessment.tasks.publish_due_rankings")
def publish_due_rankings() -> list[str]:
    """On the configured day of the month (or the first run after it), publishes last month's
    rankings that are not published yet. Idempotent."""
    return [str(snapshot) for snapshot in rankings.publish_due()]
