"""A run of the recompute of one period: the locks, the one transaction around `statement`'s
DELETE and INSERT … SELECT (or `parallel`'s), the period's bookkeeping row and the "changed"
mark of `queue` — `recompute_period`, and `run_if_dirty` / `run` for the debounced jobs.

- **Atomic**: a run deletes the period's rows (of its region) and writes the new ones inside one
  transaction, so readers see the old complete result or the new complete result.
- **Idempotent and safe to run twice at once**: a run takes, for the whole transaction, a
  PostgreSQL advisory lock on the period (`pg_advisory_xact_lock`) and the period's lock row
  (`PeriodComputation`, locked by an UPDATE as the transaction's first statement, which on
  SQLite takes the database's write lock). A second run waits for the first, then redoes the
  same work on the same data: same rows.
- **History**: only the given period is written; figures are taken as of the period's end, so
  earlier periods keep their colours when later data arrives.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from projects.models import Region

from .. import aggregates, colour_events, forecast, measures
from ..choices import Colour
from ..models import (
    ColourRules,
    PeriodComputation,
    ProjectForecast,
    ProjectStatus,
    RegionPeriodAggregate,
)
from . import parallel, queue, statement

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


def recompute_period(
    *,
    year: int,
    month: int,
    region_code: str | None = None,
    progress=None,
    today: dt.date | None = None,
    only_if_changed: bool = False,
) -> RecomputeResult | None:
    """Computes and stores every project's figures and colour for period year-month (all
    regions, or the subtree of `region_code`). `progress` (e.g. a tqdm bar) gets `total` set to
    the number of steps and `update(1)` after each. Raises ValueError for a bad period or an
    unknown region, before anything is written. A run of all regions clears the period's
    "changed" mark for the changes made before it began, in its own transaction: a run that
    fails or is killed leaves the mark. With `only_if_changed`, a period found unchanged once
    the run holds the period's lock is left alone (None): of several queued runs, one works."""
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
    result = _recompute(period, region, as_of, rules, started, now, step, only_if_changed)
    if result is not None and region is None:
        reclaim_replaced()
    return result


# The tables a whole run rewrites one period of (DELETE then INSERT): their replaced rows.
REWRITTEN = (ProjectStatus, ProjectForecast, RegionPeriodAggregate)


def reclaim_replaced() -> bool:
    """After a whole run has committed, on PostgreSQL: `VACUUM (ANALYZE)` of the tables it
    rewrote one period of, so the next replace of a period reuses the space of the rows this
    one deleted (no growth however often a period is replaced — `benchmarks/replaces.py`) and
    the planner knows the new period's rows at once (autovacuum would wait for a fifth of the
    table to be dead: ten replaces at 100,000 projects). VACUUM visits only the pages that
    changed (the visibility map) and takes no lock that blocks readers or writers; it needs
    autocommit, so a run inside an outer transaction (a test, a caller's atomic block) leaves it
    to autovacuum. Off with `RECOMPUTE_VACUUM=false`. Returns whether it ran."""
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not settings.RECOMPUTE_VACUUM
    ):
        return False
    qn = connection.ops.quote_name
    tables = ", ".join(qn(model._meta.db_table) for model in REWRITTEN)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    return True


def _recompute(
    period, region, as_of, rules, started, now, step, only_if_changed=False
) -> RecomputeResult | None:
    layers = statement.compiled_layers(rules, period)
    workers = parallel.workers_for(region)
    stage = None
    if workers >= 2:  # the parallel engine writes through a staging table of the run's own
        stage = parallel.Stage(statement.written_columns(layers, statement.run_constants(rules)))
        parallel.Stage.sweep()
        stage.create()
    try:
        return _recompute_in(
            period,
            region,
            as_of,
            rules,
            layers,
            started,
            now,
            step,
            only_if_changed,
            stage=stage,
            workers=workers,
        )
    finally:
        if stage is not None:
            stage.drop()


def _recompute_in(
    period,
    region,
    as_of,
    rules,
    layers,
    started,
    now,
    step,
    only_if_changed=False,
    *,
    stage=None,
    workers=1,
) -> RecomputeResult | None:
    with transaction.atomic():
        _lock(period, now)
        if only_if_changed and not queue.is_dirty(period):
            return None  # another run took this change while this one waited for the lock
        step()
        if stage is None:
            statement.clear(period, region)
            step()
            written = statement.write(period, as_of, region, rules, layers, now)
        else:
            written = parallel.write_parallel(
                stage, period, as_of, rules, layers, now, workers, step
            )
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
        if region is None:
            period_written_hook(period)
        else:  # a region's run: its districts' sums (cheap: one grouped statement)
            aggregates.write(period)
            forecast.write(period)  # and the forecasts, from the statuses as they now are
        if region is None:
            queue.clear_changed_before(period, now)  # goes only if this transaction commits
        step()
    return RecomputeResult(
        period=period,
        region_code=region.code if region else None,
        projects=written,
        colours=counts,
        seconds=seconds,
        run=run,
    )


def run_if_dirty(
    period: Period, *, force: bool = False, today: dt.date | None = None
) -> RecomputeResult | None:
    """Recomputes `period` if it changed since its last run (or always, with `force`). Runs of
    one period take its lock one after the other; a run that finds the change already taken
    does nothing."""
    if not force and not queue.is_dirty(period):
        return None
    return recompute_period(
        year=period.year, month=period.month, today=today, only_if_changed=not force
    )


def run(period: Period, *, today: dt.date | None = None) -> RecomputeResult:
    """Recomputes `period` now, whether or not it changed."""
    result = run_if_dirty(period, force=True, today=today)
    assert result is not None  # forced: never skipped
    return result


def _districts_of(period: Period, project_ids: list[int]) -> set[str]:
    return set(
        ProjectStatus.objects.filter(
            year=period.year, month=period.month, project_id__in=project_ids
        ).values_list("region_id", flat=True)
    )


def period_written_hook(
    period: Period,
    *,
    project_ids: list[int] | None = None,
    districts_before: Iterable[str] = (),
) -> None:
    """The hook point at the end of a period's transaction, after its ProjectStatus rows are
    written: `project_ids` None for a whole run, the changed projects for an incremental one (and
    `districts_before`, the districts they were in before it: their sums are refreshed too).
    Calls that keep derived per-period tables in step with the statuses (per-region aggregates,
    forecasts) go here, once, so that both kinds of run keep them correct."""
    from ..api import cache as api_cache  # noqa: PLC0415  (the API's answers of the period)

    transaction.on_commit(lambda: api_cache.invalidate(period))
    if project_ids is None:
        aggregates.write(period)  # the period's per-district sums, in the same transaction
    else:
        districts = _districts_of(period, project_ids) | set(districts_before)
        aggregates.write(period, region_ids=sorted(districts))
    # the year-end forecasts of the period's projects, from these statuses and earlier years
    forecast.write(period, project_ids=project_ids)
    # projects that turned yellow or red (the latest period only): their chain and district
    colour_events.notify_colour_changes(period, project_ids=project_ids)


def recompute_projects(
    *, project_ids: list[int], year: int, month: int, today: dt.date | None = None
) -> RecomputeResult | None:
    """Recomputes the statuses of `project_ids` only, for year-month and for the later computed
    periods of its year (whose year-to-date figures include the month): the same statement as a
    whole run, restricted to those ids, under the same period locks, one transaction per
    period. A period never computed is left to the whole run; no ids, nothing to do (None).
    Returns the result of year-month (or of the first period computed)."""
    first = Period(year, month)
    periods = [p for p in queue.computed_periods(year) if p >= first]
    ids = sorted(set(project_ids))
    if not periods or not ids:
        return None
    rules = ColourRules.current()
    results = []
    for period in periods:
        started = time.monotonic()
        now = timezone.now()
        layers = statement.compiled_layers(rules, period)
        with transaction.atomic():
            _lock(period, now)
            before = _districts_of(period, ids)  # a project that moved leaves its old district
            statement.clear_projects(period, ids)
            written = statement.write_projects(period, period.as_of(today), ids, rules, layers, now)
            period_written_hook(period, project_ids=ids, districts_before=before)
            # The period's statuses are current as of now (its `runs` counts whole runs only):
            # what the sheet's "四色和排名已于 … 更新" and the API's computed_at read.
            PeriodComputation.objects.filter(year=period.year, month=period.month).update(
                finished_at=timezone.now()
            )
        counts = dict(
            ProjectStatus.objects.filter(year=period.year, month=period.month, project_id__in=ids)
            .exclude(colour="")
            .order_by()
            .values_list("colour")
            .annotate(n=Count("id"))
        )
        results.append(
            RecomputeResult(
                period=period,
                region_code=None,
                projects=written,
                colours=counts,
                seconds=time.monotonic() - started,
            )
        )
    return results[0]
