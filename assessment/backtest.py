"""The forecast's backtest (`manage.py backtest_forecast --years K`): replays the last K whole
years month by month on the installation's own data and measures each method's year-end
forecast against what happened.

For year Y and month m, every method sees only what was known at the end of m: the year's
reports of months 1..m and the whole years before Y (the seasonal shares are learned by
`forecast.shares_from_history`, the stored forecast's own learning, from those years only).
Measured per m and method: MAPE and bias of the district rates (Σ forecast ÷ Σ plan against
Σ completed ÷ Σ plan at year end), the share of projects whose outcome (reaching the plan or
not) was called right, the coverage of the district intervals, and the ratio of the MAPE to
the naive baseline's. Floats: this is a measurement, nothing here is stored.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from core.periods import Period
from projects.models import MonthlyPlan, MonthlyReport, Project, ProjectYear

from . import forecast

METHODS = (forecast.NAIVE, forecast.SEASONAL, forecast.MONTHLY_PLAN)
TARGET_MONTHS = range(3, 10)
TARGET_RATIO = 0.3


@dataclass
class ProjectYearData:
    region_id: str | None
    level: str
    plan: float
    cum: list[float]  # cum[m] = reported by the end of month m (cum[0] = 0)
    monthly_plan: list[float] | None
    lo: int
    hi: int


@dataclass
class MonthResult:
    month: int
    method: str
    mape: float | None
    bias: float | None
    called_right: float | None
    coverage: float | None
    ratio: float | None = None
    districts: int = 0


@dataclass
class Backtest:
    years: list[int]
    rows: list[MonthResult] = field(default_factory=list)
    monthly_plans: int = 0  # replayed project-years with a monthly plan

    def ratios(self, method: str) -> list[float]:
        return [
            r.ratio
            for r in self.rows
            if r.method == method and r.month in TARGET_MONTHS and r.ratio is not None
        ]

    def median_ratio(self, method: str) -> float | None:
        values = self.ratios(method)
        return statistics.median(values) if values else None


def load() -> dict[int, dict[int, ProjectYearData]]:
    """Per year, per project with a plan: plan, cumulative reports by month, monthly plan."""
    qn = connection.ops.quote_name
    report = qn(MonthlyReport._meta.db_table)
    sums = ", ".join(
        f"SUM(CASE WHEN {qn('month')} = {m} THEN {qn('completed_investment')} ELSE 0 END)"
        for m in range(1, 13)
    )
    sql = (
        f"SELECT {qn('project_id')}, {qn('year')}, {sums}, MIN({qn('month')}), "
        f"MAX({qn('month')}) FROM {report} GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        reported = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}
    projects = dict(Project.objects.values_list("pk", "region_id"))
    levels = dict(Project.objects.values_list("pk", "level"))
    monthly: dict[int, list[float]] = {}
    for py_id, month, amount in MonthlyPlan.objects.values_list(
        "project_year_id", "month", "amount"
    ):
        monthly.setdefault(py_id, [0.0] * 12)[month - 1] = float(amount)
    data: dict[int, dict[int, ProjectYearData]] = defaultdict(dict)
    for py_id, project_id, year, plan in ProjectYear.objects.filter(annual_plan__gt=0).values_list(
        "pk", "project_id", "year", "annual_plan"
    ):
        row = reported.get((project_id, year))
        amounts = [float(a) for a in row[:12]] if row else [0.0] * 12
        cum = [0.0]
        for a in amounts:
            cum.append(cum[-1] + a)
        data[year][project_id] = ProjectYearData(
            region_id=projects.get(project_id),
            level=levels.get(project_id) or "",
            plan=float(plan or 0),
            cum=cum,
            monthly_plan=monthly.get(py_id),
            lo=row[12] if row else 0,
            hi=row[13] if row else 0,
        )
    return data


def whole_years(data: dict[int, dict[int, ProjectYearData]]) -> list[int]:
    """The years the installation reported from January to December."""
    years = []
    for year, projects in data.items():
        months = [(p.lo, p.hi) for p in projects.values() if p.hi]
        if months and min(lo for lo, _ in months) == 1 and max(hi for _, hi in months) == 12:
            years.append(year)
    return sorted(years)


def history_rows(data, years: list[int], month: int) -> list[dict]:
    """The sums `forecast.shares_from_history` learns from, built from memory: per (district,
    level, year) of `years`."""
    cells: dict[tuple, dict] = {}
    for year in years:
        for p in data[year].values():
            if p.lo != 1:  # a project-year under way from January (as `forecast._history`)
                continue
            key = (p.region_id, p.level, year)
            c = cells.setdefault(
                key,
                {
                    "region_id": p.region_id,
                    "level": p.level,
                    "year": year,
                    "done": 0.0,
                    "done_next": 0.0,
                    "total": 0.0,
                    "n": 0,
                    "lo": 13,
                    "hi": 0,
                },
            )
            c["done"] += p.cum[month]
            c["done_next"] += p.cum[min(month + 1, 12)]
            c["total"] += p.cum[12]
            c["n"] += 1
            c["lo"], c["hi"] = min(c["lo"], p.lo), max(c["hi"], p.hi)
    return list(cells.values())


def _project_forecasts(p: ProjectYearData, month: int, shares: forecast.Shares):
    ytd = p.cum[month]
    naive = ytd * 12 / month
    cell = shares.cells.get((p.region_id, p.level), shares.overall)
    share = float(cell.share) if cell.share else None
    seasonal = ytd / share if share else naive
    low = ytd / float(cell.high) if share and cell.high else seasonal
    high = ytd / float(cell.low) if share and cell.low else seasonal
    plan_rest = sum(p.monthly_plan[month:]) if p.monthly_plan else None
    by_plan = ytd + plan_rest if plan_rest is not None else seasonal
    return {
        forecast.NAIVE: naive,
        forecast.SEASONAL: seasonal,
        forecast.MONTHLY_PLAN: by_plan,
    }, (low, high)


def run(years: int, *, data=None, log=None, decay: float | None = None) -> Backtest:
    data = data if data is not None else load()
    whole = whole_years(data)
    # a replayed year needs a whole year before it to learn from
    replayed = [y for y in whole if any(e < y for e in whole)][-years:]
    result = Backtest(years=replayed)
    result.monthly_plans = sum(
        1 for year in replayed for p in data[year].values() if p.monthly_plan
    )
    for month in range(1, 12):
        errors: dict[str, list[float]] = defaultdict(list)
        right: dict[str, list[int]] = defaultdict(list)
        covered: list[int] = []
        for year in replayed:
            earlier = [e for e in whole if e < year]
            shares = forecast.shares_from_history(
                Period(year, month), history_rows(data, earlier, month), decay=decay
            )
            groups: dict = defaultdict(lambda: defaultdict(float))
            for p in data[year].values():
                values, (low, high) = _project_forecasts(p, month, shares)
                g = groups[p.region_id]
                g["plan"] += p.plan
                g["actual"] += p.cum[12]
                g["low"] += low
                g["high"] += high
                for method, value in values.items():
                    g[method] += value
                    right[method].append(int((value >= p.plan) == (p.cum[12] >= p.plan)))
            for g in groups.values():
                if not g["plan"] or not g["actual"]:
                    continue
                actual = g["actual"] / g["plan"]
                for method in METHODS:
                    errors[method].append((g[method] / g["plan"] - actual) / actual)
                if shares.overall.low is not None:  # a band needs two earlier years
                    covered.append(int(g["low"] <= g["actual"] <= g["high"]))
        naive_mape = None
        for method in METHODS:
            errs = errors[method]
            mape = sum(abs(e) for e in errs) / len(errs) if errs else None
            if method == forecast.NAIVE:
                naive_mape = mape
            result.rows.append(
                MonthResult(
                    month=month,
                    method=method,
                    mape=mape,
                    bias=sum(errs) / len(errs) if errs else None,
                    called_right=sum(right[method]) / len(right[method]) if right[method] else None,
                    coverage=(sum(covered) / len(covered) if covered else None)
                    if method == forecast.SEASONAL
                    else None,
                    ratio=mape / naive_mape if mape is not None and naive_mape else None,
                    districts=len(errs),
                )
            )
        if log:
            log(month)
    return result
