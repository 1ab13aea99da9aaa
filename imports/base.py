"""Helpers shared by the imports: batching, the optimistic lock, report corrections, the
recompute hook."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import (
    bulk_update_with_history,
    get_history_manager_for_model,
    get_history_model_for_model,
)

from projects.models import MonthlyReport
from projects.signals import send_reports_changed

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


HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


def bulk_create_with_history(objs: list, model, *, default_user, default_date) -> None:
    """Inserts `objs` and their history rows ("+"), in the current transaction.

    Like simple_history.utils.bulk_create_with_history, except that the history rows are
    copied by the database from the rows just inserted (one INSERT … SELECT per 900 ids)
    instead of being built and sent as Python objects, which was about 40% of the CPU time of
    a 10,000-row ledger import. The columns come from simple_history's own field list
    (`tracked_fields`); a history model with any other extra field falls back to the
    library's `bulk_history_create`.
    """
    if not objs:
        return
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    history = get_history_model_for_model(model)
    tracked = [field.name for field in history.tracked_fields]
    extra = {field.name for field in history._meta.fields} - set(tracked) - {"history_id"}
    if extra != set(HISTORY_COLUMNS) or objs[0].pk is None:
        get_history_manager_for_model(model).bulk_history_create(
            objs, batch_size=BATCH, default_user=default_user, default_date=default_date
        )
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    target = [history._meta.get_field(name).column for name in (*tracked, *HISTORY_COLUMNS)]
    source = [model._meta.get_field(name).column for name in tracked]
    date = history._meta.get_field("history_date").get_db_prep_save(default_date, connection)
    user_id = getattr(default_user, "pk", None)
    with connection.cursor() as cursor:
        for chunk in chunked([obj.pk for obj in objs]):
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} "
                f"({', '.join(quote(column) for column in target)}) "
                f"SELECT {', '.join(quote(column) for column in source)}, %s, NULL, '+', %s "
                f"FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                [date, user_id, *chunk],
            )


def update_reports(
    updates: Mapping[int, tuple[int, Decimal, str | None]],
    user,
    confirmed: Mapping[int, list[str]] | None = None,
) -> int:
    """Corrects reports as services.report_update does (version bump, history row), in bulk.
    `updates` maps report id → (version read when checking, new amount, new note or None to
    keep it). Locks the reports; ImportConflict if one changed since it was read. `confirmed`:
    report id → the plausibility warnings the user confirmed (recorded with who confirmed)."""
    confirmed = confirmed or {}
    now = timezone.now()
    changed: list[MonthlyReport] = []
    for chunk in chunked(updates):
        for report in MonthlyReport.objects.select_for_update().filter(pk__in=chunk):
            version, amount, note = updates[report.pk]
            if report.version != version:
                raise ImportConflict
            if report.completed_investment != amount:
                report.confirmed_warnings = confirmed.get(report.pk, [])
                report.warnings_confirmed_by = user if report.pk in confirmed else None
            report.completed_investment = amount
            if note is not None:
                report.note = note
            report.version += 1
            report.updated_at = now
            changed.append(report)
    bulk_update_with_history(
        changed,
        MonthlyReport,
        [
            "completed_investment",
            "note",
            "version",
            "updated_at",
            "confirmed_warnings",
            "warnings_confirmed_by",
        ],
        UPDATE_BATCH,
        default_user=user,
        default_date=now,
    )
    return len(changed)


def after_reports_changed(periods: Mapping[tuple[int, int], Model]) -> None:
    """Announces changed reports (`projects.signals.reports_changed`, as the services do for
    each report) when the import's transaction commits. `periods` maps (year, month) to one
    project of it; the receiver coalesces them (one recompute per year, from the earliest
    month), so an import of twelve months does not set off twelve recomputes."""
    send_reports_changed(
        MonthlyReport, [(project.pk, year, month) for (year, month), project in periods.items()]
    )
