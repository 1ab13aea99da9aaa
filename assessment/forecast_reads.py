"""The reads of the stored forecasts (`ProjectForecast`, written by `assessment.forecast.write`):
a group's year-end forecast (Σ forecast ÷ Σ plan, with Σ low and Σ high over the same plan), the
early warnings, and one project's forecast. Every read goes through `projects.access.scope`,
so a figure counts exactly the projects its list shows; constant query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from core.periods import Period
from projects import access
from projects.models import Region

from . import forecast, measures
from .choices import Colour
from .models import ProjectForecast

GROUPINGS = ("region", "level")
WARNING_ROWS = 10
MONEY = Decimal("0.01")


def _ratio(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or not b:
        return None
    return a / b


def method_of(counts: dict[str, int]) -> str:
    """A group's method: the one its projects used, or "mixed" (e.g. "seasonal" with some
    "naive_fallback") — "" for a group with no forecast."""
    used = [m for m, n in counts.items() if n]
    if not used:
        return ""
    return used[0] if len(used) == 1 else "mixed"


def method_label(method: str) -> str:
    return {
        forecast.SEASONAL: _("季节规律（往年同期占比）"),
        forecast.FALLBACK_NAIVE: _("无往年数据，按时间外推"),
        forecast.NAIVE: _("按时间外推"),
        "mixed": _("季节规律，部分项目按时间外推"),
    }.get(method, "")


def visible(user, period: Period, region: Region | None = None):
    qs = access.scope(user, ProjectForecast.objects.filter(year=period.year, month=period.month))
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs


SUMS = {
    "annual_plan": Sum("annual_plan"),
    "completed_ytd": Sum("completed_ytd"),
    "forecast_completed": Sum("forecast_completed"),
    "forecast_low": Sum("forecast_low"),
    "forecast_high": Sum("forecast_high"),
    "projects": Count("id"),
    "seasonal": Count("id", filter=Q(method=forecast.SEASONAL)),
    "naive_fallback": Count("id", filter=Q(method=forecast.FALLBACK_NAIVE)),
    "cannot_reach": Count("id", filter=Q(cannot_reach=True)),
    "next_yellow": Count("id", filter=Q(next_verdict=Colour.YELLOW)),
    "next_red": Count("id", filter=Q(next_verdict=Colour.RED)),
}


def _row(key: str, name: str, sums: dict[str, Any] | None) -> dict[str, Any]:
    sums = sums or {}
    money = {
        k: (sums.get(k) or Decimal(0)).quantize(MONEY) if sums.get(k) is not None else None
        for k in (
            "annual_plan",
            "completed_ytd",
            "forecast_completed",
            "forecast_low",
            "forecast_high",
        )
    }
    plan = money["annual_plan"]
    method = method_of(
        {
            forecast.SEASONAL: sums.get("seasonal", 0),
            forecast.FALLBACK_NAIVE: sums.get("naive_fallback", 0),
        }
    )
    return {
        "key": key,
        "name": name,
        **money,
        "forecast_rate": _ratio(money["forecast_completed"], plan),
        "forecast_rate_low": _ratio(money["forecast_low"], plan),
        "forecast_rate_high": _ratio(money["forecast_high"], plan),
        "method": method,
        "method_label": method_label(method),
        "projects": sums.get("projects", 0),
        "cannot_reach": sums.get("cannot_reach", 0),
        "next_yellow": sums.get("next_yellow", 0),
        "next_red": sums.get("next_red", 0),
    }


def groups(
    user, *, region: Region, period: Period, group_by: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows (one per child region or level, all listed) and the total of `region`'s
    visible projects for `period`: Σ forecast ÷ Σ plan (None on a zero plan). Two queries (the
    children, then one grouped aggregate with the total added up from its rows)."""
    return groups_of(visible(user, period, region), region=region, group_by=group_by)


def groups_of(
    forecasts: QuerySet[ProjectForecast], *, region: Region, group_by: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`groups` over given forecasts (of one period, already scoped)."""
    if group_by not in GROUPINGS:
        raise ValueError(group_by)
    children = measures.children_of(region) if group_by == "region" else []
    key_expr, names = measures._group_key(group_by, region, children)
    assert names is not None
    sums: Any = forecasts.values(group_key=key_expr).annotate(**SUMS)  # plain dicts
    grouped = {row.pop("group_key"): row for row in sums}
    rows = [_row(code, name, grouped.get(key)) for key, (code, name) in names.items()]
    total: dict[str, Any] = {}
    for group in grouped.values():
        for k, v in group.items():
            if v is not None:
                total[k] = total.get(k, 0) + v
    return rows, _row("total", region.name, total)


def districts_behind(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose forecast falls below the year's time progress (100 % at year end): the
    districts that will not make the year at their pace, the furthest behind first."""
    behind = [r for r in rows if r["forecast_rate"] is not None and r["forecast_rate"] < 1]
    return sorted(behind, key=lambda r: r["forecast_rate"])


def warnings(user, *, region: Region, period: Period) -> dict[str, list[ProjectForecast]]:
    """The projects that cannot reach their plan even at their best month so far (the largest
    required monthly amounts first) and those likely red or yellow next month: two queries."""
    base = visible(user, period, region).select_related("project")
    cannot = list(base.filter(cannot_reach=True).order_by("-required_monthly")[:WARNING_ROWS])
    turning = list(
        base.filter(next_verdict__in=[Colour.RED, Colour.YELLOW]).order_by(
            "next_verdict",
            "project_id",  # red before yellow
        )[:WARNING_ROWS]
    )
    return {"cannot_reach": cannot, "turning": turning}


def for_project(project_id: int, period: Period) -> ProjectForecast | None:
    """One project's forecast for `period` (the caller has checked access to the project)."""
    return ProjectForecast.objects.filter(
        project_id=project_id, year=period.year, month=period.month
    ).first()


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        out[k] = (
            str(v.quantize(MONEY))
            if isinstance(v, Decimal) and not k.startswith("forecast_rate")
            else str(v)
            if isinstance(v, Decimal)
            else v
        )
    return out
