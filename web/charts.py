"""The ECharts options of the web UI: plain dicts the templates hand to ECharts as JSON
(`json_script`; `static/js/charts.js` resolves the `fmt:…` formatters and follows each item's
`url` on a click). Each builder takes the figures and links a page already has
(`web.dashboard`); none queries the database or computes a measure.

The four colours come from the palette's one home, `assessment.choices.Colour`; the other
colours of the charts are the constants below.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from assessment.choices import Colour

MONTHS = range(1, 13)

BRAND = "#1f5fa8"  # completed investment, project counts, an unremarkable ranking bar
BRAND_LIGHT = "#8fb4e3"  # the month's completed investment (bars under the cumulative line)
PLAN = "#b71c1c"  # plan lines and total investment: a deep red, apart from the colour red
ORIGINAL_PLAN = "#999999"  # the plan as it was at the start of the year
TEXT = "#1f2329"
TEXT_ON_DARK = "#e8e8e8"
SLICE_BORDER = "#fff"


def _month_axis() -> dict:
    return {"type": "category", "data": [_("%(m)s月") % {"m": m} for m in MONTHS]}


def project_plan_chart(*, plan_year, reports, monthly_plans) -> dict:
    """Plan against actual for one project and year: monthly completed investment (bars),
    cumulative completed, cumulative plan (the monthly plan where there is one, else the annual
    plan spread by time progress m/12) and, if the plan was revised, the original plan."""
    by_month = {r.month: r.completed_investment for r in reports}
    last = max(by_month) if by_month else 0
    cumulative, running = [], Decimal("0")
    for month in MONTHS:
        running += by_month.get(month, Decimal("0"))
        cumulative.append(float(running) if month <= last else None)
    plan_line = original_line = None
    if plan_year is not None and plan_year.annual_plan is not None:
        if monthly_plans:
            planned = {p.month: p.amount for p in monthly_plans}
            acc, plan_line = Decimal("0"), []
            for month in MONTHS:
                acc += planned.get(month, Decimal("0"))
                plan_line.append(float(acc))
        else:
            plan_line = [float(plan_year.annual_plan * month / 12) for month in MONTHS]
        if plan_year.is_revised:
            original_line = [float(plan_year.original_plan * month / 12) for month in MONTHS]
    series = [
        {
            "name": _("当月完成"),
            "type": "bar",
            "data": [float(by_month[m]) if m in by_month else None for m in MONTHS],
            "itemStyle": {"color": BRAND_LIGHT},
        },
        {
            "name": _("累计完成"),
            "type": "line",
            "data": cumulative,
            "itemStyle": {"color": BRAND},
            "connectNulls": False,
        },
    ]
    plan_lines = (
        (_("累计计划"), plan_line, "dashed", PLAN),
        (_("年初计划"), original_line, "dotted", ORIGINAL_PLAN),
    )
    for name, data, style, colour in plan_lines:
        if data:
            series.append(
                {
                    "name": name,
                    "type": "line",
                    "data": data,
                    "lineStyle": {"type": style},
                    "itemStyle": {"color": colour},
                    "symbol": "none",
                }
            )
    return {
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:wan"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 20, "top": 40, "bottom": 30},
        "xAxis": _month_axis(),
        "yAxis": {"type": "value", "name": _("万元"), "axisLabel": {"formatter": "fmt:wan"}},
        "series": series,
        "aria": {"enabled": True},
    }


def curve_chart(*, done: list, plan: list) -> dict:
    """The year's cumulative investment month by month: completed (an area) against the plan
    by time progress (dashed); None where a month has no figure."""
    return {
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:yi"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 30},
        "xAxis": _month_axis(),
        "yAxis": {"type": "value", "name": _("亿元"), "axisLabel": {"formatter": "fmt:yi"}},
        "series": [
            {
                "name": _("累计完成"),
                "type": "line",
                "data": done,
                "areaStyle": {"opacity": 0.15},
                "itemStyle": {"color": BRAND},
            },
            {
                "name": _("累计计划（按时间进度）"),
                "type": "line",
                "data": plan,
                "lineStyle": {"type": "dashed"},
                "itemStyle": {"color": PLAN},
                "symbol": "none",
            },
        ],
        "aria": {"enabled": True},
    }


def ranking_chart(
    ranking: dict, *, urls: list[str | None], dark: bool = False, large: bool = False
) -> dict:
    """The ranking as horizontal bars (score), best at the top, labelled with the rank and the
    movement against the previous period; the praised green and the called-in red. `urls`:
    the link behind each row, in the rows' order. `large`: type readable from the back of a
    meeting room."""
    names, data = [], []
    for row, url in reversed(list(zip(ranking["rows"], urls, strict=True))):
        step = row.get("movement")
        arrow = "—" if step in (None, 0) else (f"▲{step}" if step > 0 else f"▼{-step}")
        names.append(f"{row['rank']}. {row['name']}")
        colour = (
            Colour.GREEN.hex
            if row.get("praised")
            else (Colour.RED.hex if row.get("called_in") else BRAND)
        )
        data.append(
            {
                "value": round(float(row["score"]), 2) if row.get("score") is not None else None,
                "url": url,
                "itemStyle": {"color": colour},
                "label": {
                    "show": True,
                    "position": "right",
                    "formatter": f"{float(row['score'] or 0):.1f}  {arrow}",
                },
            }
        )
    text = TEXT_ON_DARK if dark else TEXT
    size = 22 if large else 12
    return {
        "tooltip": {"trigger": "item"},
        "grid": {
            "left": 10,
            "right": 130 if large else 70,
            "top": 10,
            "bottom": 10,
            "containLabel": True,
        },
        "xAxis": {"type": "value", "show": False},
        "yAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"color": text, "fontSize": size},
        },
        "series": [
            {
                "type": "bar",
                "data": data,
                "barMaxWidth": 56 if large else 28,
                "label": {"color": text, "fontSize": size},
            }
        ],
        "textStyle": {"color": text},
        "animationDuration": 400,
        "aria": {"enabled": True},
    }


def colour_chart(colours: list[dict]) -> dict:
    """The four colours' counts as a ring (`dashboard.colour_counts`: label, meaning, hex from
    the palette, count, url)."""
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["45%", "72%"],
                "avoidLabelOverlap": True,
                "label": {"formatter": "{c}"},
                "data": [
                    {
                        "name": f"{c['label']}（{c['meaning']}）",
                        "value": c["count"],
                        "url": c["url"],
                        "itemStyle": {
                            "color": c["hex"],
                            "borderColor": SLICE_BORDER,
                        },
                    }
                    for c in colours
                ],
            }
        ],
        "aria": {"enabled": True},
    }


def pipeline_chart(stages: list[dict]) -> dict:
    """四个一批: the pools' project counts (bars) and total investment (a line on a second
    axis), from `dashboard.pipeline`."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 60, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [s["label"] for s in stages]},
        "yAxis": [
            {"type": "value", "name": _("个")},
            {"type": "value", "name": _("亿元"), "axisLabel": {"formatter": "fmt:yi"}},
        ],
        "series": [
            {
                "name": _("项目数"),
                "type": "bar",
                "data": [{"value": s["count"], "url": s["url"]} for s in stages],
                "itemStyle": {"color": BRAND},
                "label": {"show": True, "position": "top"},
            },
            {
                "name": _("总投资"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [{"value": float(s["money"]), "url": s["url"]} for s in stages],
                "itemStyle": {"color": PLAN},
                "tooltip": {"valueFormatter": "fmt:yi"},
            },
        ],
        "aria": {"enabled": True},
    }
