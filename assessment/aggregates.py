"""Per-period, per-district, per-level sums of the stored statuses (`RegionPeriodAggregate`):
written set-wise at the end of a period's recompute, read by the overview so that a province's
figures, curve and breakdowns cost what a district's do.

The sums are exactly `measures._aggregates()` grouped by (district, level); every figure is
then made from sums by `measures` (`_with_rates`: ratios of sums, None on a zero denominator),
so a figure read from here equals the one `measures.summary` / `measures.total` compute from
the status rows with `within=` the region (the API's summary).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from core.periods import Period
from projects.choices import Level, RegionLevel
from projects.models import Region

from . import measures
from .models import PeriodComputation, ProjectStatus, RegionPeriodAggregate

# The sums stored per row: the names of measures._aggregates() (without their prefix).
SUMS = tuple(measures._unprefixed(measures._aggregates()))


def write(period: Period, *, region_ids: list[str] | None = None) -> int:
    """Replaces `period`'s aggregate rows (of the districts `region_ids` only, for an
    incremental run; None: all) by the sums of its ProjectStatus rows, grouped by the district
    and level stored with each row: one DELETE and one INSERT … SELECT (no loop over
    projects). Called inside the recompute's transaction, after the statuses are written
    (`recompute.period_written_hook`). Returns the number of rows written."""
    old = RegionPeriodAggregate.objects.filter(year=period.year, month=period.month)
    statuses = ProjectStatus.objects.filter(year=period.year, month=period.month)
    if region_ids is not None:
        old = old.filter(region_id__in=region_ids)
        statuses = statuses.filter(region_id__in=region_ids)
    old.delete()
    grouped = statuses.order_by().values("region_id", "level").annotate(**measures._aggregates())
    select, params = measures._compiled(grouped)
    qn = connection.ops.quote_name
    columns = ["region_id", "level", *SUMS]
    sql = (
        f"INSERT INTO {qn(RegionPeriodAggregate._meta.db_table)} "
        f"({qn('year')}, {qn('month')}, {', '.join(qn(c) for c in columns)}) "
        f"SELECT %s, %s, * FROM ({select}) grouped"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.year, period.month, *params])
        return cursor.rowcount


def covers_whole(user: Any, region: Region) -> bool:
    """Whether `user` sees every project of `region` (a superuser, or an official of the
    region or a region above it, not of a town): then the region's aggregates are the user's
    figures. Otherwise the figures come from the status rows the user may see."""
    if region.level == RegionLevel.TOWN or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    own = getattr(user, "region", None)
    if own is None or own.level == RegionLevel.TOWN:
        return False
    return region.code.startswith(own.prefix)


def _rows(period: Period, region: Region, *, months: bool = False) -> list[dict[str, Any]]:
    """The aggregate rows of `region`'s districts for `period` (with `months`: for every month
    of the year up to it). One query."""
    qs = RegionPeriodAggregate.objects.filter(year=period.year)
    qs = qs.filter(month__lte=period.month) if months else qs.filter(month=period.month)
    qs = qs.filter(region__code__startswith=region.prefix)
    return list(qs.order_by().values("month", "region_id", "level", *SUMS))


def _add(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    sums = measures._empty_sums()
    for row in rows:
        for name in SUMS:
            sums[name] += row[name]
    return sums


def available(period: Period) -> bool:
    """Whether the recompute wrote the aggregates of `period` and of every month of its year
    before it that was computed (periods computed before the aggregates existed are read from
    the status rows until they are recomputed). Two small indexed queries."""
    computed = set(
        PeriodComputation.objects.filter(
            year=period.year, month__lte=period.month, finished_at__isnull=False
        ).values_list("month", flat=True)
    )
    stored = set(
        RegionPeriodAggregate.objects.filter(year=period.year, month__lte=period.month)
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return period.month in stored and computed <= stored


def overview_figures(
    *, region: Region, period: Period, children: list[Region] | None
) -> dict[str, Any]:
    """The overview's numbers of `region` for `period` from the aggregates, in two queries
    (the year's rows up to the period, and nothing else): the total row, the rows by level,
    the rows by child region (`children`: the region's children, or None for none) and, per
    month, the total row (for the cumulative curve)."""
    rows = _rows(period, region, months=True)
    current = [row for row in rows if row["month"] == period.month]
    total = measures._total_row(_add(current), period)
    by_level = [
        measures._with_rates(
            {
                "key": value,
                "name": str(label),
                **_add(row for row in current if row["level"] == value),
            },
            period,
        )
        for value, label in Level.choices
    ]
    by_child = []
    for child in children or []:
        mine = [row for row in current if (row["region_id"] or "").startswith(child.prefix)]
        by_child.append(
            measures._with_rates({"key": child.code, "name": child.name, **_add(mine)}, period)
        )
    by_month = {}
    for month in sorted({row["month"] for row in rows}):
        sums = _add(row for row in rows if row["month"] == month)
        by_month[month] = measures._total_row(sums, Period(period.year, month))
    return {"total": total, "by_level": by_level, "children": by_child, "by_month": by_month}
