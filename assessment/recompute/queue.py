"""The debounce state of the recompute: which periods changed since they were computed and
whether a run of a period is queued, kept in `RecomputeRequest` and claimed with conditional
updates (of several callers, exactly one wins), and what `PeriodComputation` says of the last
runs. `assessment.tasks` drives it.

Nothing is lost on a fault: the "changed" mark is cleared inside the run's own transaction, and
only for changes made before the run began (`clear_changed_before`), so a run that fails or is
killed leaves the mark — the next run, at the latest the nightly one, recomputes the period; a
"queued" mark older than `RECOMPUTE_QUEUED_STALE_SECONDS` (a lost message, a dead worker, a
broker that was down) no longer holds later changes back.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.periods import Period

from ..models import PeriodComputation, RecomputeRequest


def computed_periods(year: int) -> list[Period]:
    """Periods of `year` that have been computed at least once."""
    months = PeriodComputation.objects.filter(year=year, finished_at__isnull=False).values_list(
        "month", flat=True
    )
    return [Period(year, m) for m in sorted(months)]


def mark_changed(period: Period) -> list[Period]:
    """Marks `period` and the later computed periods of its year (whose year-to-date figures
    include it) as changed; returns them. Two short conditional updates per period."""
    periods = [period, *(p for p in computed_periods(period.year) if p > period)]
    now = timezone.now()
    for p in periods:
        mark_dirty(p, since=now)
    return periods


def stale_before() -> dt.datetime:
    """A "queued" mark set before this time belongs to a run that never came."""
    return timezone.now() - dt.timedelta(seconds=settings.RECOMPUTE_QUEUED_STALE_SECONDS)


def claim_queue(period: Period) -> bool:
    """True for exactly one caller while no run of `period` is queued (then it is queued); a
    stale queued mark counts as none."""
    return bool(
        RecomputeRequest.objects.filter(year=period.year, month=period.month)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale_before()))
        .update(queued_at=timezone.now())
    )


def release_stale_queues() -> int:
    """Frees the queued marks of runs that never came (the nightly job); their periods stay
    marked changed."""
    return RecomputeRequest.objects.filter(queued_at__lt=stale_before()).update(queued_at=None)


def release_queue(period: Period) -> bool:
    """Called by the queued run when it starts: True if it was still queued (not taken by
    another worker)."""
    return bool(
        RecomputeRequest.objects.filter(
            year=period.year, month=period.month, queued_at__isnull=False
        ).update(queued_at=None)
    )


def is_dirty(period: Period) -> bool:
    return RecomputeRequest.objects.filter(
        year=period.year, month=period.month, dirty_since__isnull=False
    ).exists()


def last_started(period: Period) -> dt.datetime | None:
    return (
        PeriodComputation.objects.filter(year=period.year, month=period.month)
        .values_list("started_at", flat=True)
        .first()
    )


def clear_changed_before(period: Period, started: dt.datetime) -> bool:
    """Takes the "changed" mark of `period` if nothing changed after `started` (when a run
    began); call inside the run's transaction, so the mark goes only if the run commits."""
    return bool(
        RecomputeRequest.objects.filter(
            year=period.year, month=period.month, dirty_since__isnull=False
        )
        .filter(Q(changed_at__isnull=True) | Q(changed_at__lte=started))
        .update(dirty_since=None)
    )


def mark_dirty(period: Period, *, since: dt.datetime) -> None:
    """Marks `period` changed at `since`: the earliest change stays in `dirty_since`, the
    latest in `changed_at`. One statement after the row exists."""
    RecomputeRequest.objects.get_or_create(year=period.year, month=period.month)
    RecomputeRequest.objects.filter(year=period.year, month=period.month).update(
        dirty_since=Coalesce(F("dirty_since"), Value(since, output_field=DateTimeField())),
        changed_at=since,
    )


def dirty_periods() -> list[Period]:
    rows = RecomputeRequest.objects.filter(dirty_since__isnull=False).values_list("year", "month")
    return sorted(Period(y, m) for y, m in rows)
