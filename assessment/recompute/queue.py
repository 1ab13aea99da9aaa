"""The debounce state of the recompute: which periods changed since they were computed and
whether a run of a period is queued, kept in `RecomputeRequest` and claimed with conditional
updates (of several callers, exactly one wins), and what `PeriodComputation` says of the last
runs. `assessment.tasks` drives it; `runs` clears and restores the "changed" mark around a
run.
"""

from __future__ import annotations

import datetime as dt

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


def claim_queue(period: Period) -> bool:
    """True for exactly one caller while no run of `period` is queued (then it is queued)."""
    return bool(
        RecomputeRequest.objects.filter(
            year=period.year, month=period.month, queued_at__isnull=True
        ).update(queued_at=timezone.now())
    )


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


def clear_dirty(period: Period) -> bool:
    """Takes the "changed" mark of `period`: True for the one caller that took it."""
    return bool(
        RecomputeRequest.objects.filter(
            year=period.year, month=period.month, dirty_since__isnull=False
        ).update(dirty_since=None)
    )


def mark_dirty(period: Period, *, since: dt.datetime) -> None:
    """Marks `period` changed since `since`, unless it is marked already (the earlier mark
    stays)."""
    RecomputeRequest.objects.get_or_create(year=period.year, month=period.month)
    RecomputeRequest.objects.filter(
        year=period.year, month=period.month, dirty_since__isnull=True
    ).update(dirty_since=since)


def dirty_periods() -> list[Period]:
    rows = RecomputeRequest.objects.filter(dirty_since__isnull=False).values_list("year", "month")
    return sorted(Period(y, m) for y, m in rows)
