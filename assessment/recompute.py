"""Recompute a period: every project's figures (projects.measures) and colour (projects.colours),
stored as ProjectStatus rows — the code the Celery jobs and `manage.py recompute` run.

- **Set-wise**: one DELETE and one INSERT … SELECT compute and write the figures, rates,
  numbers, verdicts and colours of every project of the period (or of a region); nothing loops
  over projects in Python. (One statement for a whole province is faster than one per
  district: each source table is aggregated once, with hash joins.)
- **In parallel** on PostgreSQL, for a run of all regions (`RECOMPUTE_WORKERS`, default 2):
  PostgreSQL runs the SELECT of an INSERT … SELECT on one core, so the run's connection
  exports its snapshot and N worker connections, each importing that snapshot (so all of them
  read the very same data), compute a range of project ids into an unlogged staging table;
  the run then copies the staging rows into ProjectStatus with one INSERT … SELECT.
- **Atomic**: a run deletes the period's rows (of its region) and writes the new ones inside one
  transaction, so readers see the old complete result or the new complete result (the
  workers' staging rows are in a table of the run's own, which nobody else reads).
- **Idempotent and safe to run twice at once**: a run takes, for the whole transaction, a
  PostgreSQL advisory lock on the period (`pg_advisory_xact_lock`) and the period's lock row
  (`PeriodComputation`, locked by an UPDATE as the transaction's first statement, which on
  SQLite takes the database's write lock). A second run waits for the first, then redoes the
  same work on the same data: same rows.
- **History**: only the given period is written; figures are taken as of the period's end, so
  earlier periods keep their colours when later data arrives.

Debounce state (which periods changed since they were computed, whether a run is queued) lives
in `RecomputeRequest`, claimed with conditional updates; `projects.tasks` drives it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from projects.models import Project, Region

from . import colours, measures
from .choices import Colour
from .models import ColourRules, PeriodComputation, ProjectStatus, RecomputeRequest

ADVISORY_LOCK_NAMESPACE = 0x4B50  # "KP": key projects; second key is the period's index


@dataclass
class RecomputeResult:
    period: Period
    region_code: str | None
    projects: int = 0
    colours: dict = field(default_factory=dict)
    seconds: float = 0.0
    run: int = 0

    def __str__(self) -> str:
        where = self.region_code or _("全部区域")
        counts = "、".join(
            f"{Colour(c).label} {self.colours.get(c, 0)}"
            for c in (Colour.RED, Colour.YELLOW, Colour.WHITE, Colour.GREEN)
        )
        return _("%(p)s %(where)s：%(n)s 个项目（%(counts)s），用时 %(s).1f 秒") % {
            "p": self.period,
            "where": where,
            "n": self.projects,
            "counts": counts,
            "s": self.seconds,
        }


def _lock(period: Period, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, period.index]
            )
    # First statement of the transaction: row lock on PostgreSQL, write lock on SQLite.
    PeriodComputation.objects.filter(year=period.year, month=period.month).update(started_at=now)
    PeriodComputation.objects.select_for_update().get(year=period.year, month=period.month)


def _compiled_layers(rules: ColourRules, period: Period) -> list[tuple[list, list, list]]:
    """projects.colours' layers compiled to SQL against ProjectStatus: per layer, the column
    names, their SQL and the params. Compiled once per run (compiling the colour expressions
    costs more than running them on a district)."""
    query = Query(ProjectStatus)
    compiler = query.get_compiler(connection=connection)
    compiled = []
    for layer in colours.layers(rules, period):
        sqls, params = [], []
        for expression in layer.values():
            sql, expression_params = compiler.compile(
                expression.resolve_expression(query, allow_joins=False)
            )
            sqls.append(sql)
            params.extend(expression_params)
        compiled.append((list(layer), sqls, params))
    return compiled


def _insert_sql(
    figures: tuple[str, tuple], layers, constants: dict, now, *, into: str | None = None
) -> tuple[str, list]:
    """INSERT INTO projectstatus … SELECT … FROM (layer 2 FROM (layer 1 FROM (figures))): each
    layer a derived table aliased like ProjectStatus's table, so the compiled expressions find
    the figures and the earlier layers' columns by name; every layer's columns are stored. On
    PostgreSQL `OFFSET 0` keeps the planner from merging the layers (which would compute shared
    expressions again). `constants`: columns with one value for the run; `into`: another
    table with those columns (a staging table). The columns are `_columns`'s."""
    qn = connection.ops.quote_name
    table = qn(ProjectStatus._meta.db_table)
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    # Ordered by region: a district's rows sit together on disk, which is how they are read.
    # Each layer keeps the order (its ORDER BY is satisfied by its input), so the final ORDER
    # BY adds no sort on PostgreSQL.
    order = f"{table}.{qn('region_id')}, {table}.{qn('project_id')}"
    sql = f"SELECT * FROM ({figures[0]}) {table} ORDER BY {order}"
    params = list(figures[1])
    for names, sqls, layer_params in layers[:-1]:
        items = ", ".join(f"{item} AS {qn(name)}" for name, item in zip(names, sqls, strict=True))
        sql = f"SELECT {table}.*, {items} FROM ({sql}{fence}) {table} ORDER BY {order}"
        params = [*layer_params, *params]
    names, sqls, final_params = layers[-1]
    columns = _columns(layers, constants)
    written_here = {*names, *constants, "computed_at"}
    kept = [c for c in columns if c not in written_here]  # read from the layers below
    select = ", ".join(
        [*(f"{table}.{qn(c)}" for c in kept), *sqls, *(["%s"] * len(constants)), "%s"]
    )
    target = qn(into) if into else table
    sql = (
        f"INSERT INTO {target} ({', '.join(qn(c) for c in columns)}) SELECT {select} "
        f"FROM ({sql}{fence}) {table} ORDER BY {order}"
    )
    return sql, [*final_params, *constants.values(), now, *params]


def _clear(period: Period, region: Region | None) -> None:
    """Deletes the period's rows (of `region`'s projects, where they are now or were then)."""
    stale = ProjectStatus.objects.filter(year=period.year, month=period.month)
    if region is not None:
        stale = stale.filter(
            Q(project_id__in=measures.projects_under(region).values("pk"))
            | Q(region__code__startswith=region.prefix)
        )
    stale.order_by().delete()


def _figures(period: Period, as_of: dt.date, region: Region | None, rules, id_range=None):
    return measures.figures_sql(
        period=period,
        as_of=as_of,
        projects_qs=None if region is None else measures.projects_under(region),
        report_window=rules.reporting_red_months,
        id_range=id_range,
    )


def _constants(rules: ColourRules) -> dict:
    return {"reporting_window": rules.reporting_red_months}


def _columns(layers, constants: dict) -> list[str]:
    """The ProjectStatus columns a run writes, in order: the figures, each compiled layer's
    columns (`_compiled_layers`), the run's constants, computed_at."""
    layered = [name for names, _sqls, _params in layers for name in names]
    return [*measures.FIGURE_COLUMNS, *layered, *constants, "computed_at"]


def _tune(cursor) -> None:
    """Settings for the transaction of a computing statement, on PostgreSQL."""
    if connection.vendor == "postgresql":
        # Hash aggregates of a province fit in memory instead of spilling to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # JIT compiles the statement's ~190 functions for 0.2-0.3 s and gains nothing back.
        cursor.execute("SET LOCAL jit = off")


def _write(period: Period, as_of: dt.date, region: Region | None, rules, layers, now) -> int:
    """Computes and inserts the period's rows (of `region`'s projects) in one statement."""
    figures = _figures(period, as_of, region, rules)
    sql, params = _insert_sql(figures, layers, _constants(rules), now)
    with connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(sql, params)
        return cursor.rowcount


# --- Parallel runs (PostgreSQL) ----------------------------------------------------------------

STAGE_PREFIX = "projects_recompute_stage_"
STAGE_NAME = re.compile(rf"^{STAGE_PREFIX}(\d+)_[0-9a-f]+$")
SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")
STAGE_MAX_AGE = dt.timedelta(days=1)  # a staging table older than any run: left by a crash


def workers_for(region: Region | None) -> int:
    """How many connections compute the run: `RECOMPUTE_WORKERS` for a run of all regions on
    PostgreSQL started outside a transaction (workers read committed data only, so a caller's
    uncommitted changes — a test's, say — would be invisible to them); otherwise 1."""
    workers = int(getattr(settings, "RECOMPUTE_WORKERS", 1))
    if (
        workers < 2
        or region is not None
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return 1
    return workers


class Stage:
    """The unlogged table a parallel run's workers write into: the run's own (its name is
    unique), created before the run's transaction and dropped after it, whatever happens.
    Tables left by a crashed process are dropped by a later run once they are a day old."""

    def __init__(self, columns: list[str]):
        self.name = f"{STAGE_PREFIX}{int(time.time())}_{secrets.token_hex(6)}"
        self.columns = columns  # the ProjectStatus columns a run writes (`_columns`)

    def create(self) -> None:
        qn = connection.ops.quote_name
        source = qn(ProjectStatus._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {qn(self.name)} AS SELECT "
                f"{', '.join(qn(c) for c in self.columns)} FROM {source} WITH NO DATA"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(self.name)}")

    @classmethod
    def sweep(cls) -> None:
        """Drops staging tables a crashed run left behind (older than STAGE_MAX_AGE)."""
        oldest = time.time() - STAGE_MAX_AGE.total_seconds()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND starts_with(tablename, %s)",
                [STAGE_PREFIX],
            )
            for (name,) in cursor.fetchall():
                match = STAGE_NAME.match(name)
                if match and int(match.group(1)) < oldest:
                    cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def _id_ranges(workers: int) -> list[tuple[int, int]]:
    """Ranges [low, high) of project ids holding about as many projects each."""
    fractions = [k / workers for k in range(1, workers)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY id) "
            f"FROM {connection.ops.quote_name(Project._meta.db_table)}",
            [fractions],
        )
        cuts = [c for c in (cursor.fetchone()[0] or []) if c is not None]
    bounds = [0, *sorted(set(cuts)), 2**63 - 1]
    return list(itertools.pairwise(bounds))


def _compute_into_stage(snapshot: str, sql: str, params: list, errors: list, index: int) -> None:
    """A worker thread: on its own connection, in a transaction reading the run's snapshot."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked: SNAPSHOT_ID
            _tune(cursor)
            cursor.execute(sql, params)
    except BaseException as exc:  # handed to the run, which re-raises it
        errors[index] = exc
    finally:
        connection.close()


def _write_parallel(
    stage: Stage, period: Period, as_of: dt.date, rules, layers, now, workers: int, step
) -> int:
    """Computes the period's rows of all regions on `workers` connections into `stage`, while
    this connection deletes the period's old rows; then copies them into ProjectStatus."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    if not SNAPSHOT_ID.match(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    statements = [
        _insert_sql(
            _figures(period, as_of, None, rules, id_range=id_range),
            layers,
            _constants(rules),
            now,
            into=stage.name,
        )
        for id_range in _id_ranges(workers)
    ]
    errors: list[BaseException | None] = [None] * len(statements)
    threads = [
        threading.Thread(
            target=_compute_into_stage,
            args=(snapshot, sql, params, errors, index),
            name=f"recompute-{period}-{index}",
        )
        for index, (sql, params) in enumerate(statements)
    ]
    for thread in threads:
        thread.start()
    try:
        _clear(period, None)
        step()
    finally:
        for thread in threads:  # the snapshot lives until this transaction ends: wait first
            thread.join()
    for error in errors:
        if error is not None:
            raise error
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in stage.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(ProjectStatus._meta.db_table)} ({columns}) SELECT {columns} "
            f"FROM {qn(stage.name)} ORDER BY {qn('region_id')}, {qn('project_id')}"
        )
        return cursor.rowcount


def recompute_period(
    *,
    year: int,
    month: int,
    region_code: str | None = None,
    progress=None,
    today: dt.date | None = None,
) -> RecomputeResult:
    """Computes and stores every project's figures and colour for period year-month (all
    regions, or the subtree of `region_code`). `progress` (e.g. a tqdm bar) gets `total` set to
    the number of steps and `update(1)` after each. Raises ValueError for a bad period or an
    unknown region, before anything is written. A run of all regions clears the period's
    "changed" mark (before it starts, so changes committed meanwhile mark it again; put back
    if the run fails)."""
    period = Period(year, month)
    region = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ValueError(_("未知的区域代码：%(c)s") % {"c": region_code})
    as_of = period.as_of(today)
    rules = ColourRules.current()
    PeriodComputation.objects.get_or_create(year=period.year, month=period.month)
    started = time.monotonic()
    now = timezone.now()

    def step():
        if progress is not None:
            progress.update(1)

    if progress is not None:
        progress.total = 4
    cleared = region is None and _clear_dirty(period)
    try:
        result = _recompute(period, region, as_of, rules, started, now, step)
    except BaseException:
        if cleared:
            _mark_dirty(period, since=now)
        raise
    return result


def _recompute(period, region, as_of, rules, started, now, step) -> RecomputeResult:
    layers = _compiled_layers(rules, period)
    workers = workers_for(region)
    if workers < 2:
        return _recompute_in(period, region, as_of, rules, layers, started, now, step)
    stage = Stage(_columns(layers, _constants(rules)))
    Stage.sweep()
    stage.create()
    try:
        return _recompute_in(
            period, region, as_of, rules, layers, started, now, step, stage=stage, workers=workers
        )
    finally:
        stage.drop()


def _recompute_in(
    period, region, as_of, rules, layers, started, now, step, *, stage=None, workers=1
) -> RecomputeResult:
    with transaction.atomic():
        _lock(period, now)
        step()
        if stage is None:
            _clear(period, region)
            step()
            written = _write(period, as_of, region, rules, layers, now)
        else:
            written = _write_parallel(stage, period, as_of, rules, layers, now, workers, step)
        step()
        mine = ProjectStatus.objects.filter(year=period.year, month=period.month)
        if region is not None:
            mine = mine.filter(project_id__in=measures.projects_under(region).values("pk"))
        counts = dict(
            mine.exclude(colour="").order_by().values_list("colour").annotate(n=Count("id"))
        )
        seconds = time.monotonic() - started
        PeriodComputation.objects.filter(year=period.year, month=period.month).update(
            runs=F("runs") + 1,
            finished_at=timezone.now(),
            duration_ms=int(seconds * 1000),
            projects=written,
            region_code=region.code if region else "",
        )
        run = PeriodComputation.objects.get(year=period.year, month=period.month).runs
        step()
    return RecomputeResult(
        period=period,
        region_code=region.code if region else None,
        projects=written,
        colours=counts,
        seconds=seconds,
        run=run,
    )


# --- Debounce state ---------------------------------------------------------------------------


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
        _mark_dirty(p, since=now)
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


def run_if_dirty(
    period: Period, *, force: bool = False, today: dt.date | None = None
) -> RecomputeResult | None:
    """Recomputes `period` if it changed since its last run (or always, with `force`). Taking
    the mark is a conditional update, so of several callers only one runs."""
    claimed_at = timezone.now()
    cleared = _clear_dirty(period)
    if not cleared and not force:
        return None
    try:
        return recompute_period(year=period.year, month=period.month, today=today)
    except BaseException:
        if cleared:
            _mark_dirty(period, since=claimed_at)
        raise


def _clear_dirty(period: Period) -> bool:
    return bool(
        RecomputeRequest.objects.filter(
            year=period.year, month=period.month, dirty_since__isnull=False
        ).update(dirty_since=None)
    )


def _mark_dirty(period: Period, *, since: dt.datetime) -> None:
    RecomputeRequest.objects.get_or_create(year=period.year, month=period.month)
    RecomputeRequest.objects.filter(
        year=period.year, month=period.month, dirty_since__isnull=True
    ).update(dirty_since=since)


def run(period: Period, *, today: dt.date | None = None) -> RecomputeResult:
    """Recomputes `period` now, whether or not it changed."""
    return run_if_dirty(period, force=True, today=today)


def dirty_periods() -> list[Period]:
    rows = RecomputeRequest.objects.filter(dirty_since__isnull=False).values_list("year", "month")
    return sorted(Period(y, m) for y, m in rows)
