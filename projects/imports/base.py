"""Helpers shared by the imports: batching, the optimistic lock, report corrections, the
recompute hook."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from ..models import MonthlyReport

BATCH = 900  # rows per INSERT and ids per lookup (under SQLite's 999 bound parameters)
UPDATE_BATCH = 250  # bulk_update builds CASE WHEN per row: keep its statements small


class ImportConflict(Exception):
    """A record changed between the check and the write (someone else saved it meanwhile)."""


def chunked(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def update_reports(updates: dict[int, tuple[int, Decimal, str | None]], user) -> int:
    """Corrects reports as services.report_update does (version bump, history row), in bulk.
    `updates` maps report id → (version read when checking, new amount, new note or None to
    keep it). Locks the reports; ImportConflict if one changed since it was read."""
    now = timezone.now()
    changed: list[MonthlyReport] = []
    for chunk in chunked(updates):
        for report in MonthlyReport.objects.select_for_update().filter(pk__in=chunk):
            version, amount, note = updates[report.pk]
            if report.version != version:
                raise ImportConflict
            report.completed_investment = amount
            if note is not None:
                report.note = note
            report.version += 1
            report.updated_at = now
            changed.append(report)
    bulk_update_with_history(
        changed,
        MonthlyReport,
        ["completed_investment", "note", "version", "updated_at"],
        UPDATE_BATCH,
        default_user=user,
        default_date=now,
    )
    return len(changed)


def after_reports_changed(periods: dict[tuple[int, int], object]) -> None:
    """Announces changed reports to the measures (`tasks.report_changed`, the hook the services
    call per report) once per year, for the earliest changed month: marking a month changed
    also marks the later computed periods of its year, whose year-to-date figures include it,
    so one call covers every changed month — and an import of twelve months does not set off
    twelve recomputes. `periods` maps (year, month) to one project of it. Call inside the
    import's transaction (the call is made on commit)."""
    if not periods:
        return
    try:
        from ..tasks import report_changed
    except ImportError:  # pragma: no cover - measures not installed yet
        return
    earliest: dict[int, tuple[int, object]] = {}
    for (year, month), project in sorted(periods.items()):
        earliest.setdefault(year, (month, project))
    for year, (month, project) in earliest.items():
        transaction.on_commit(lambda p=project, y=year, m=month: report_changed(p.pk, y, m))
