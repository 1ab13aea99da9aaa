"""Year-end forecast methods (issue #17) — pure, vectorisable building blocks.

The arithmetic of the methods (pure functions, below), the learned seasonal shares
(`learn_shares`: from the monthly reports of the years before the period's year only) and the
stored forecast (`write`: one INSERT … SELECT over the period's ProjectStatus rows, called by
`recompute.period_written_hook` in the recompute's transaction). The groups, the early
warnings and the API's rows are `assessment.forecast_reads`; the backtest is
`manage.py backtest_forecast` (`assessment.backtest`).

Methods (all in 万元, Decimal):
- naive: completed_ytd × 12 / m.
- seasonal: completed_ytd / share(m), where share(m) is the share of the year's completed
  investment usually done by the end of month m, learned from earlier years of a cell
  (level/category/district) and shrunk towards the installation-wide share:
  share = (n·cell + k·all) / (n + k), n = number of projects-years in the cell.
- monthly_plan: completed_ytd + Σ monthly plan of months m+1..12.
A project with no usable history (share unknown or 0) falls back to naive and says so.
Group rate = Σ forecasts / Σ plans; None on a zero denominator.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.periods import Period
from projects.models import MonthlyReport, Project

from .models import ColourRules, ForecastShare, ProjectForecast, ProjectStatus

NAIVE = "naive"
SEASONAL = "seasonal"
MONTHLY_PLAN = "monthly_plan"
FALLBACK_NAIVE = "naive_fallback"


@dataclass(frozen=True)
class Forecast:
    value: Decimal | None
    method: str


def naive(completed_ytd: Decimal, month: int) -> Decimal:
    if not 1 <= month <= 12:
        raise ValueError("month must be 1..12")
    return completed_ytd * 12 / month


def shrunk_share(
    cell_share: Decimal | None, cell_n: int, all_share: Decimal | None, k: int = 20
) -> Decimal | None:
    """Share of the year done by month m for a cell, shrunk towards the whole installation."""
    if all_share is None and cell_share is None:
        return None
    if cell_share is None or cell_n <= 0:
        return all_share
    if all_share is None:
        return cell_share
    return (cell_share * cell_n + all_share * k) / (cell_n + k)


def seasonal(completed_ytd: Decimal, month: int, share: Decimal | None) -> Forecast:
    if share is None or share <= 0:
        return Forecast(naive(completed_ytd, month), FALLBACK_NAIVE)
    return Forecast(completed_ytd / share, SEASONAL)


def from_monthly_plan(
    completed_ytd: Decimal, month: int, monthly_plan: Sequence[Decimal | None] | None
) -> Forecast | None:
    if not monthly_plan or len(monthly_plan) != 12 or any(c is None for c in monthly_plan):
        return None
    rest = sum((c for c in monthly_plan[month:] if c is not None), Decimal(0))
    return Forecast(completed_ytd + rest, MONTHLY_PLAN)


def learn_share(history: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Ratio of sums over earlier years: Σ completed by month m / Σ completed in the year."""
    done = total = Decimal(0)
    for by_m, year in history:
        done += by_m
        total += year
    return None if total == 0 else done / total


def interval(
    value: Decimal, relative_errors: Sequence[Decimal], level: Decimal = Decimal("0.8")
) -> tuple[Decimal, Decimal]:
    """Empirical interval from earlier years' relative errors (actual/forecast - 1)."""
    if not relative_errors:
        return value, value
    errs = sorted(relative_errors)
    tail = (1 - level) / 2
    lo = errs[int(tail * (len(errs) - 1))]
    hi = errs[int((1 - tail) * (len(errs) - 1))]
    return value * (1 + lo), value * (1 + hi)


def group_rate(forecasts: Iterable[Decimal], plans: Iterable[Decimal]) -> Decimal | None:
    f = sum(forecasts, Decimal(0))
    p = sum(plans, Decimal(0))
    return None if p == 0 else f / p


def required_monthly(annual_plan: Decimal, completed_ytd: Decimal, month: int) -> Decimal | None:
    """需月均完成 X 万元才能完成年度计划: the remaining plan spread over the months left."""
    left = 12 - month
    if left <= 0:
        return None
    return max(annual_plan - completed_ytd, Decimal(0)) / left


def cannot_reach(
    annual_plan: Decimal, completed_ytd: Decimal, month: int, best_month: Decimal
) -> bool:
    req = required_monthly(annual_plan, completed_ytd, month)
    return req is not None and req > best_month


# --- Learned shares and the stored forecast (set-wise) -----------------------------------------

SHRINK_K = 20  # pseudo project-years of the installation's share in a cell's (shrinkage)
Z80 = 1.2816  # a two-sided 80 % interval of a normal spread
SHARE_PLACES = 10
# The spread of a few earlier years' shares understates the year-end error (the shape drifts,
# the portfolio changes): the band is widened by this factor, chosen by the backtest's
# coverage of the district rates (`backtest_forecast`, docs/benchmarks.md).
BAND_SCALE = 3.0
# Weight of a year against the one after it (the shape drifts: the latest years say most).
RECENCY = 0.5


@dataclass
class Share:
    """The share of the year usually done by the end of month m (and m+1) in one cell, with the
    band of the earlier years (mean ± Z80·sd of the yearly shares); None where unknown."""

    share: Decimal | None
    share_next: Decimal | None
    low: Decimal | None  # the lower share: the higher forecast
    high: Decimal | None
    n: int = 0


@dataclass
class Shares:
    period: Period
    overall: Share
    cells: dict[tuple[str | None, str], Share] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)


def _q(x: float | Decimal | None) -> Decimal | None:
    if x is None:
        return None
    return Decimal(x).quantize(Decimal(1).scaleb(-SHARE_PLACES))


def _history_year(year: int, first_year: int | None) -> list[dict]:
    """Σ reported by the end of each month 1–12 (`cum`), the number of projects and the months
    reported, per (district, level, year) of the years before `year` (from `first_year`), of the
    project-years reported from January: one grouped statement over the monthly reports, which
    serves the twelve months of `year` (`learn_year`)."""
    qn = connection.ops.quote_name
    report = qn(MonthlyReport._meta.db_table)
    project = qn(Project._meta.db_table)
    amount = f"r.{qn('completed_investment')}"
    month = f"r.{qn('month')}"
    yr = f"r.{qn('year')}"
    pid = qn("project_id")
    inner = ", ".join(
        f"SUM(CASE WHEN {month} <= {k} THEN {amount} ELSE 0 END) AS c{k}" for k in range(1, 13)
    )
    outer = ", ".join(f"SUM(y.c{k})" for k in range(1, 13))
    # a project-year teaches the shape only if it was under way from January (one that
    # starts later in the year has no first months to learn from)
    sql = (
        f"SELECT p.{qn('region_id')}, p.{qn('level')}, y.yr, {outer}, "
        f"COUNT(*), MIN(y.lo), MAX(y.hi) FROM ("
        f"SELECT r.{pid} AS pid, {yr} AS yr, {inner}, MIN({month}) AS lo, MAX({month}) AS hi "
        f"FROM {report} r WHERE {yr} < %s AND {yr} >= %s GROUP BY r.{pid}, {yr} "
        f"HAVING MIN({month}) = 1) y "
        f"JOIN {project} p ON p.{qn('id')} = y.pid GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, first_year or 0])
        return [
            {
                "region_id": row[0],
                "level": row[1],
                "year": row[2],
                "cum": list(row[3:15]),
                "n": row[15],
                "lo": row[16],
                "hi": row[17],
            }
            for row in cursor.fetchall()
        ]


def _rows_for_month(rows: list[dict], month: int) -> list[dict]:
    """`_history_year`'s rows as `shares_from_history` reads them for `month`: Σ by m, by m+1
    (December: the year) and in the whole year."""
    nxt = min(month + 1, 12)
    return [
        {
            **{k: row[k] for k in ("region_id", "level", "year", "n", "lo", "hi")},
            "done": row["cum"][month - 1],
            "done_next": row["cum"][nxt - 1],
            "total": row["cum"][11],
        }
        for row in rows
    ]


def _history(period: Period, first_year: int | None) -> list[dict]:
    """Σ reported by month m, by m+1 and in the whole year, the number of projects and the
    months reported, per (district, level, year) of the years before the period's (from
    `first_year`), of the project-years reported from January."""
    return _rows_for_month(_history_year(period.year, first_year), period.month)


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def _shrink(cell: float | None, n: int, overall: float | None) -> float | None:
    if overall is None:
        return cell
    if cell is None or n <= 0:
        return overall
    return (cell * n + overall * SHRINK_K) / (n + SHRINK_K)


def _band(
    mean: float | None, yearly: list[float], scale: float | None = None
) -> tuple[float | None, float | None]:
    if mean is None or len(yearly) < 2:
        return None, None
    avg = sum(yearly) / len(yearly)
    sd = math.sqrt(sum((v - avg) ** 2 for v in yearly) / (len(yearly) - 1))
    half = Z80 * sd * (BAND_SCALE if scale is None else scale)
    low, high = mean - half, mean + half
    return (low if low > 0 else None), high


def learn_year(year: int) -> list[Shares]:
    """`learn_shares` for the twelve months of `year` from one reading of the earlier years'
    reports (they are the same for every month of the year)."""
    rows = _history_year(year, None)
    return [shares_from_history(Period(year, m), _rows_for_month(rows, m)) for m in range(1, 13)]


def learn_shares(period: Period, *, first_year: int | None = None) -> Shares:
    """What the installation's earlier years say about month m of `period`: per cell (district
    and level, as the projects are now) the share of the year's reported investment done by the
    end of month m — a ratio of sums over the years before the period's year (never its own or a
    later one), shrunk towards the installation's share (`SHRINK_K`) — and the band of the
    yearly shares. `first_year` limits the history (the backtest's windows)."""
    return shares_from_history(period, _history(period, first_year))


def shares_from_history(period: Period, rows: list[dict], *, decay: float | None = None) -> Shares:
    """`learn_shares` on given rows of sums per (district, level, year) — `_history`'s, or the
    backtest's, which replays the years from memory with the same learning."""
    rows = [row for row in rows if row["year"] < period.year]  # never the year itself, or later
    # Only whole years teach the shape: a year the installation reported from January to
    # December (the first year of a new installation often starts late).
    span: dict[int, list[int]] = {}
    for row in rows:
        lo_hi = span.setdefault(row["year"], [13, 0])
        lo_hi[0], lo_hi[1] = min(lo_hi[0], row["lo"]), max(lo_hi[1], row["hi"])
    whole = {year for year, (lo, hi) in span.items() if lo == 1 and hi == 12}
    rows = [row for row in rows if row["year"] in whole]
    by_year: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    cells: dict[tuple, dict[int, tuple[float, float, float, int]]] = defaultdict(dict)
    decay = RECENCY if decay is None else decay
    for row in rows:
        w = decay ** (period.year - 1 - row["year"])  # the latest year weighs most
        done, done_next, total = (w * float(row[k]) for k in ("done", "done_next", "total"))
        sums = by_year[row["year"]]
        sums[0] += done
        sums[1] += done_next
        sums[2] += total
        key = (row["region_id"], row["level"] or "")
        cells[key][row["year"]] = (done, done_next, total, row["n"])
    all_done = sum(v[0] for v in by_year.values())
    all_next = sum(v[1] for v in by_year.values())
    all_total = sum(v[2] for v in by_year.values())
    g = _ratio(all_done, all_total)
    g_next = _ratio(all_next, all_total)
    g_yearly = {y: _ratio(v[0], v[2]) for y, v in by_year.items()}
    g_low, g_high = _band(g, [v for v in g_yearly.values() if v is not None])
    overall = Share(_q(g), _q(g_next), _q(g_low), _q(g_high), n=len(by_year))
    result = Shares(period=period, overall=overall, years=sorted(by_year))
    for key, years in cells.items():
        done = sum(v[0] for v in years.values())
        done_next = sum(v[1] for v in years.values())
        total = sum(v[2] for v in years.values())
        n = sum(v[3] for v in years.values())
        share = _shrink(_ratio(done, total), n, g)
        share_next = _shrink(_ratio(done_next, total), n, g_next)
        yearly = []
        for d, _dn, t, _ny in years.values():
            value = _ratio(d, t)  # the cell's own years, unshrunk: their spread is the band
            if value is not None:
                yearly.append(value)
        low, high = _band(share, yearly)
        result.cells[key] = Share(_q(share), _q(share_next), _q(low), _q(high), n=n)
    return result


OVERALL = "*"  # the level of the installation's own row in ForecastShare


def store_shares(*learned: Shares) -> None:
    """Replaces the learned shares (`ForecastShare`) of the periods of `learned`."""
    now = timezone.now()
    for shares in learned:
        period = shares.period
        ForecastShare.objects.filter(year=period.year, month=period.month).delete()
        rows = [
            (None, OVERALL, shares.overall),
            *((r, lv, c) for (r, lv), c in shares.cells.items()),
        ]
        ForecastShare.objects.bulk_create(
            ForecastShare(
                year=period.year,
                month=period.month,
                region_id=region_id,
                level=level,
                share=cell.share,
                share_next=cell.share_next,
                share_low=cell.low,
                share_high=cell.high,
                n=cell.n,
                learned_at=now,
            )
            for region_id, level, cell in rows
        )


def relearn_days() -> int:
    return int(getattr(settings, "FORECAST_RELEARN_DAYS", 7))


def forget_learned(*, after_year: int | None = None, older: bool = False) -> int:
    """Drops kept shares so the next run learns them again: those of the years after
    `after_year` (a report of that year changed: their learning read it), and with `older`
    those learned more than FORECAST_RELEARN_DAYS ago (projects moved to another district or
    level since). Returns the number of rows dropped."""
    rows = ForecastShare.objects.none()
    if after_year is not None:
        rows = rows | ForecastShare.objects.filter(year__gt=after_year)
    if older:
        cutoff = timezone.now() - dt.timedelta(days=relearn_days())
        rows = rows | ForecastShare.objects.filter(learned_at__lt=cutoff)
    return rows.delete()[0]


def stored_shares(period: Period) -> Shares | None:
    """The shares kept for the period (learned with its year's, `learn_year`), or None (one
    query)."""
    rows = list(ForecastShare.objects.filter(year=period.year, month=period.month))
    overall = next((r for r in rows if r.level == OVERALL and r.region_id is None), None)
    if overall is None:
        return None

    def share(r: ForecastShare) -> Share:
        return Share(r.share, r.share_next, r.share_low, r.share_high, n=r.n)

    result = Shares(period=period, overall=share(overall))
    for r in rows:
        if r is not overall:
            result.cells[(r.region_id, r.level)] = share(r)
    return result


def _cells_sql(shares: Shares, numeric: str) -> tuple[str, list]:
    """The learned cells as a CTE (VALUES; an empty SELECT where there are none)."""
    columns = "region_id, level, share, share_next, share_low, share_high"
    if not shares.cells:
        return (
            f"cells({columns}) AS (SELECT CAST(NULL AS VARCHAR(12)), CAST(NULL AS VARCHAR(20)), "
            f"CAST(NULL AS {numeric}), CAST(NULL AS {numeric}), CAST(NULL AS {numeric}), "
            f"CAST(NULL AS {numeric}) WHERE 1 = 0)",
            [],
        )
    row = (
        f"(CAST(%s AS VARCHAR(12)), CAST(%s AS VARCHAR(20)), CAST(%s AS {numeric}), "
        f"CAST(%s AS {numeric}), CAST(%s AS {numeric}), CAST(%s AS {numeric}))"
    )
    params: list = []
    for (region_id, level), cell in sorted(shares.cells.items(), key=lambda kv: str(kv[0])):
        params += [region_id, level, cell.share, cell.share_next, cell.low, cell.high]
    return f"cells({columns}) AS (VALUES {', '.join([row] * len(shares.cells))})", params


def write(
    period: Period, *, project_ids: list[int] | None = None, shares: Shares | None = None
) -> int:
    """Replaces `period`'s forecasts (of `project_ids` only, for an incremental run) by those
    made from its ProjectStatus rows and the learned shares: one DELETE and one INSERT … SELECT
    (no loop over projects). Called inside the recompute's transaction, after the statuses
    (`recompute.period_written_hook`). Returns the number of rows written."""
    if shares is None:
        shares = stored_shares(period)
        if shares is None:  # the year's first run (or its shares were dropped): learn them
            year = learn_year(period.year)
            store_shares(*year)
            shares = year[period.month - 1]
    old = ProjectForecast.objects.filter(year=period.year, month=period.month)
    if project_ids is not None:
        old = old.filter(project_id__in=project_ids)
    old.order_by().delete()
    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    numeric = "NUMERIC" if pg else "REAL"
    y, m = period.year, period.month
    rules = ColourRules.current()
    cells, cell_params = _cells_sql(shares, numeric)
    g = shares.overall
    where = ""
    ids_params: list = []
    if project_ids is not None:
        if not project_ids:
            return 0
        marks = ", ".join(["%s"] * len(project_ids))
        where = f" AND s.{qn('project_id')} IN ({marks})"
        ids_params = list(project_ids)
    status = qn(ProjectStatus._meta.db_table)
    g_cast = f"CAST(%s AS {numeric})"
    base = (
        f"SELECT s.{qn('project_id')} AS project_id, s.{qn('region_id')} AS region_id, "
        f"s.{qn('level')} AS level, s.{qn('annual_plan')} AS annual_plan, "
        f"CAST(s.{qn('completed_ytd')} AS {numeric}) AS ytd, "
        f"s.{qn('under_construction')} AS under_construction, "
        f"COALESCE(c.share, {g_cast}) AS share, COALESCE(c.share_next, {g_cast}) AS share_next, "
        f"CASE WHEN c.share IS NULL THEN {g_cast} ELSE c.share_low END AS share_low, "
        f"CASE WHEN c.share IS NULL THEN {g_cast} ELSE c.share_high END AS share_high, "
        f"s.{qn('best_month')} AS best "  # the best month so far, from the statuses' figures
        f"FROM {status} s LEFT JOIN cells c ON c.region_id = s.{qn('region_id')} "
        f"AND c.level = s.{qn('level')} "
        f"WHERE s.{qn('year')} = %s AND s.{qn('month')} = %s{where}"
    )
    base_params = [g.share, g.share_next, g.low, g.high, y, m, *ids_params]
    seasonal_ok = "x.share > 0"
    fc = f"CASE WHEN {seasonal_ok} THEN x.ytd / x.share ELSE x.ytd * 12.0 / {m} END"
    if m < 12:
        nxt = (
            f"CASE WHEN {seasonal_ok} AND x.share_next IS NOT NULL "
            f"THEN x.ytd * x.share_next / x.share ELSE x.ytd * {m + 1}.0 / {m} END"
        )
    else:
        nxt = "NULL"
    layer = (
        f"SELECT x.*, {fc} AS fc, {nxt} AS nxt, "
        f"CASE WHEN {seasonal_ok} AND x.share_high > 0 THEN x.ytd / x.share_high END AS lo, "
        f"CASE WHEN {seasonal_ok} AND x.share_low > 0 THEN x.ytd / x.share_low END AS hi "
        f"FROM ({base}) x"
    )
    if m < 12:
        required = (
            f"CASE WHEN z.annual_plan > z.ytd THEN (z.annual_plan - z.ytd) / {12 - m}.0 ELSE 0 END"
        )
        cannot = (
            f"CASE WHEN z.annual_plan > z.ytd AND (z.annual_plan - z.ytd) / {12 - m}.0 > z.best "
            f"THEN TRUE ELSE FALSE END"
        )
        tp = Decimal(m + 1) / 12
        gap = f"((z.nxt / z.annual_plan - {tp:.10f}) * 100)"
        verdict = (
            f"CASE WHEN z.under_construction AND z.annual_plan > 0 THEN CASE "
            f"WHEN {gap} >= %s THEN 'green' WHEN {gap} > %s THEN 'white' "
            f"WHEN {gap} >= %s THEN 'yellow' ELSE 'red' END ELSE '' END"
        )
        verdict_params = [
            rules.green_min_points,
            -rules.yellow_max_points,
            -rules.red_over_points,
        ]
    else:
        required, cannot, verdict, verdict_params = "NULL", "FALSE", "''", []
    columns = [
        "project_id",
        "year",
        "month",
        "region_id",
        "level",
        "annual_plan",
        "completed_ytd",
        "share",
        "forecast_completed",
        "forecast_low",
        "forecast_high",
        "method",
        "best_month",
        "required_monthly",
        "cannot_reach",
        "next_verdict",
    ]
    select = (
        f"SELECT z.project_id, {y}, {m}, z.region_id, z.level, z.annual_plan, "
        f"ROUND(z.ytd, 2), CASE WHEN z.share > 0 THEN ROUND(z.share, {SHARE_PLACES}) END, "
        f"ROUND(z.fc, 2), ROUND(z.lo, 2), ROUND(z.hi, 2), "
        f"CASE WHEN z.share > 0 THEN '{SEASONAL}' ELSE '{FALLBACK_NAIVE}' END, "
        f"z.best, ROUND({required}, 2), {cannot}, {verdict} FROM ({layer}) z"
    )
    sql = (
        f"WITH {cells} INSERT INTO {qn(ProjectForecast._meta.db_table)} "
        f"({', '.join(qn(c) for c in columns)}) {select}"
    )
    with connection.cursor() as cursor:
        if pg:
            # Inside the recompute's transaction the planner has not seen the period's new
            # status rows (it estimates one) and would join the learned cells to them in a
            # nested loop: hash joins instead, for this statement only.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(sql, [*cell_params, *verdict_params, *base_params])
        written = cursor.rowcount
        if pg:
            cursor.execute("RESET enable_nestloop")
        return written
