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

    Like simple_history.utils.bulk_create_with_history, without building the history rows as
    Python objects (which was about 40% of the CPU time of a 10,000-row ledger import): on
    PostgreSQL both the rows and their history rows are sent with COPY (`copy_create`); on
    SQLite the rows go through `bulk_create` and the database copies the history rows from the
    rows just inserted (one INSERT … SELECT per 900 ids). The columns come from simple_history's
    own field list (`tracked_fields`); a history model with any other extra field falls back to
    the library's `bulk_history_create`.
    """
    if not objs:
        return
    history = get_history_model_for_model(model)
    tracked = [field.name for field in history.tracked_fields]
    extra = {field.name for field in history._meta.fields} - set(tracked) - {"history_id"}
    connection = connections[router.db_for_write(model)]
    if extra == set(HISTORY_COLUMNS) and connection.vendor == "postgresql":
        user_id = getattr(default_user, "pk", None)
        rows = copy_create(objs, model)
        names = [field.name for field in model._meta.concrete_fields]
        at = [names.index(name) for name in tracked]
        history_rows = [(*(row[i] for i in at), default_date, None, "+", user_id) for row in rows]
        _copy(connection, history, [*tracked, *HISTORY_COLUMNS], history_rows)
        return
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    if extra != set(HISTORY_COLUMNS) or objs[0].pk is None:
        get_history_manager_for_model(model).bulk_history_create(
            objs, batch_size=BATCH, default_user=default_user, default_date=default_date
        )
        return
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


# Fields whose Python value psycopg sends as it is (their get_db_prep_save returns it unchanged
# on PostgreSQL); any other field's value goes through get_db_prep_save.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def copy_create(objs: list, model) -> list[tuple]:
    """`model.objects.bulk_create(objs)` on PostgreSQL by COPY: the primary keys are taken from
    the table's sequence first (one query), as bulk_create would return them, so the objects
    have their pk afterwards; foreign keys to objects saved meanwhile are taken up and
    `pre_save` (auto_now_add …) runs, as in bulk_create. No signals (bulk_create sends none).
    Returns the rows sent, one value per concrete field, in `_meta.concrete_fields` order."""
    if not objs:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (pk,) in zip(missing, sorted(cursor.fetchall()), strict=True):
                obj.pk = pk
    fields = list(meta.concrete_fields)
    plain = [field.get_internal_type() in _PLAIN for field in fields]
    rows = []
    for obj in objs:
        rows.append(
            tuple(
                field.pre_save(obj, True)
                if is_plain
                else field.get_db_prep_save(field.pre_save(obj, True), connection)
                for field, is_plain in zip(fields, plain, strict=True)
            )
        )
        obj._state.adding = False
        obj._state.db = connection.alias
    _copy(connection, model, [field.name for field in fields], rows)
    return rows


def bulk_insert(objs: list, model) -> None:
    """bulk_create in batches; by COPY on PostgreSQL (`copy_create`)."""
    if connections[router.db_for_write(model)].vendor == "postgresql":
        copy_create(objs, model)
    else:
        model._default_manager.bulk_create(objs, batch_size=BATCH)


def _copy(connection, model, names: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    # psycopg 3's COPY (not counted by Django's query wrappers: it is not execute())
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


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
