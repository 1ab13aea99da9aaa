"""Year-end forecast methods (issue #17) — pure, vectorisable building blocks.

Only the arithmetic of the methods lives here so far; storing forecasts in the recompute, the
backtest command, early-warning pages and the API are NOT built yet (see the branch report).

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

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
