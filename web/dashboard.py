"""The figures and charts of the web UI's overview, meeting screen, bulletin and project page.

Every measure comes from `projects.measures` and every ranking from `projects.rankings` (one home
per rule); this module only picks what a page shows, shapes it for the templates and ECharts,
and attaches to each number the link to the list of projects behind it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from assessment.choices import Colour
from assessment.models import ProjectStatus
from core.formatting import wan
from core.periods import Period
from projects import access
from projects.choices import RegionLevel, Stage
from projects.models import MonthlyReport, Project, Region

MONTHS = range(1, 13)


def projects_in(user, region: Region):
    """The active projects of `region` (and below) that `user` may see."""
    return access.scope(user, _measures().projects_under(region).active())


def list_url(region: Region | str | None = None, period: Period | None = None, **filters) -> str:
    """The project list behind a number: the same filters the API takes. `region` is a
    Region or a region code."""
    params = {}
    if region is not None:
        params["region"] = getattr(region, "code", region)
    if period is not None:
        params["period"] = str(period)
    params.update({k: v for k, v in filters.items() if v not in (None, "")})
    return f"{reverse('projects:project_list')}?{urlencode(params, doseq=True)}"


def overview_url(region_code: str, period: Period) -> str:
    return f"{reverse('web:home')}?{urlencode({'region': region_code, 'period': str(period)})}"


# --- Project page ---------------------------------------------------------------------------


def project_plan_chart(*, project, year, plan_year, reports, monthly_plans) -> dict:
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
            "itemStyle": {"color": "#8fb4e3"},
        },
        {
            "name": _("累计完成"),
            "type": "line",
            "data": cumulative,
            "itemStyle": {"color": "#1f5fa8"},
            "connectNulls": False,
        },
    ]
    plan_lines = (
        (_("累计计划"), plan_line, "dashed", "#b71c1c"),
        (_("年初计划"), original_line, "dotted", "#999999"),
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
        "xAxis": {"type": "category", "data": [_("%(m)s月") % {"m": m} for m in MONTHS]},
        "yAxis": {"type": "value", "name": _("万元"), "axisLabel": {"formatter": "fmt:wan"}},
        "series": series,
        "aria": {"enabled": True},
    }


def project_changes(*, project, reports, limit: int = 60) -> list[dict]:
    """The history of changes of a project and its monthly reports, newest first: who, when,
    and each field's old and new value (from django-simple-history)."""
    entries = []
    records = list(
        project.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries += _diffs(records, Project, title=_("项目信息"))
    report_records = list(
        MonthlyReport.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    grouped = defaultdict(list)
    for record in report_records:
        grouped[record.id].append(record)
    for rows in grouped.values():
        first = rows[0]
        entries += _diffs(
            rows, MonthlyReport, title=_("%(y)s年%(m)s月月报") % {"y": first.year, "m": first.month}
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


SKIP_FIELDS = {"id", "version", "updated_at", "created_at", "project", "year", "month"}


def _diffs(records, model, *, title: str) -> list[dict]:
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIP_FIELDS]
    out, previous = [], None
    for record in records:
        if record.history_type == "+":
            changes = [(str(_("新建")), "", "")]
            if model is MonthlyReport:
                changes = [(str(_("填报本月完成投资")), "", wan(record.completed_investment))]
        else:
            changes = []
            for f in fields:
                old = getattr(previous, f.attname, None) if previous else None
                new = getattr(record, f.attname, None)
                if previous is not None and old != new:
                    changes.append((str(f.verbose_name), _shown(f, old), _shown(f, new)))
        if changes:
            user = record.history_user
            out.append(
                {
                    "when": record.history_date,
                    "who": (user.get_full_name() or user.username) if user else _("系统"),
                    "what": title,
                    "changes": changes,
                    "reason": getattr(record, "history_change_reason", "") or "",
                }
            )
        previous = record
    return out


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return wan(value)
    return str(value)


def project_supervision(*, user, project) -> dict:
    """The project's issues (overdue first) and inspections, scoped."""
    from django.utils import timezone

    from supervision import selectors as sv

    today = timezone.localdate()
    issues = list(
        sv.issue_list(user=user, today=today)
        .filter(project=project)
        .order_by("-is_overdue", "-raised_at")
    )
    inspections = list(sv.inspection_list(user=user).filter(project=project).order_by("-date"))
    return {"issues": issues, "inspections": inspections}


# --- Pipeline (四个一批) ------------------------------------------------------------------------

PIPELINE = [
    (_("谋划一批"), [Stage.CONCEIVED]),
    (_("储备一批"), [Stage.RESERVE, Stage.NEGOTIATING, Stage.SIGNED]),
    (_("在建一批"), [Stage.CONSTRUCTION]),
    (_("竣工一批"), [Stage.COMPLETED, Stage.OPERATING]),
]


def pipeline(projects, *, region, period) -> list[dict]:
    """四个一批: count and total investment of the projects in each pool. One query."""
    rows = dict(
        (r["stage"], (r["n"], r["money"]))
        for r in projects.order_by()
        .values("stage")
        .annotate(n=Count("pk"), money=Sum("total_investment"))
    )
    result = []
    for label, stages in PIPELINE:
        count = sum(rows.get(s, (0, 0))[0] for s in stages)
        money = sum(
            (rows.get(s, (0, Decimal("0")))[1] or Decimal("0") for s in stages), Decimal("0")
        )
        result.append(
            {
                "label": label,
                "stages": "、".join(str(Stage(s).label) for s in stages),
                "count": count,
                "money": money,
                "url": list_url(region, period, stage=list(stages)),
            }
        )
    return result


def colour_counts(row: dict, *, region, period) -> list[dict]:
    total = sum(row.get(c, 0) or 0 for c in Colour.values)
    return [
        {
            "colour": c.value,
            "label": c.label,
            "meaning": c.meaning,
            "hex": c.hex,
            "count": row.get(c.value, 0) or 0,
            "share": (Decimal(row.get(c.value, 0) or 0) / total) if total else None,
            "url": list_url(region, period, colour=c.value),
        }
        for c in Colour
    ]


# --- Overview -------------------------------------------------------------------------------


def _measures():
    from assessment import measures  # the measures issue's module; imported where used

    return measures


def ensure_fresh(period: Period) -> None:
    """Readers bring a period changed since its last computation up to date (in the embedded,
    eager default; with a broker the queued job does it) — the measures' debounce contract."""
    from assessment import tasks
    from core.periods import Period as MeasuresPeriod

    tasks.ensure_fresh(MeasuresPeriod(period.year, period.month))


def _ranking(region: Region, period: Period) -> dict | None:
    """The ranking shown for a region: its districts for a city or province, the leaders of
    its projects for a district. None until the rankings module is installed."""
    try:
        from assessment.rankings import ranking
    except ImportError:  # pragma: no cover - rankings not installed yet
        return None
    scope = "leader" if region.level in (RegionLevel.COUNTY, RegionLevel.TOWN) else "district"
    result = ranking(scope=scope, parent=region, year=period.year, month=period.month)
    result["scope"] = scope
    return result


def figures(totals: dict, *, region, period) -> list[dict]:
    """The figures that open every bulletin, each with the list behind it."""
    year = period.year
    behind = (
        totals["investment_rate"] is not None
        and totals["time_progress"] is not None
        and totals["investment_rate"] < totals["time_progress"]
    )
    return [
        {
            "label": _("重点项目"),
            "value": totals["projects"],
            "kind": "count",
            "unit": _("个"),
            "url": list_url(region, period),
        },
        {
            "label": _("年度计划投资"),
            "value": totals["annual_plan"],
            "kind": "money",
            "url": list_url(region, period, year=year, ordering="-total_investment"),
        },
        {
            "label": _("累计完成投资"),
            "value": totals["completed_ytd"],
            "kind": "money",
            "sub": period,
            "url": list_url(region, period, ordering="-investment_rate"),
        },
        {
            "label": _("投资完成率"),
            "value": totals["investment_rate"],
            "kind": "rate",
            "compare": totals["time_progress"],
            "compare_label": _("时间进度"),
            "state": "behind" if behind else ("ahead" if totals["investment_rate"] else ""),
            "url": list_url(region, period, ordering="investment_rate"),
        },
        {
            "label": _("开工率"),
            "value": totals["start_rate"],
            "kind": "rate",
            "detail": (totals["new_start_started"], totals["new_start_planned"]),
            "url": list_url(region, period, new_start="true", year=year),
        },
        {
            "label": _("竣工率"),
            "value": totals["finish_rate"],
            "kind": "rate",
            "detail": (totals["finished"], totals["finish_planned"]),
            "url": list_url(region, period, stage=[Stage.COMPLETED, Stage.OPERATING]),
        },
        {
            "label": _("纳统率"),
            "value": totals["statistics_rate"],
            "kind": "rate",
            "detail": (totals["in_statistics"], totals.get("started")),
            "url": list_url(region, period, in_statistics="true"),
        },
        {
            "label": _("问题办结率"),
            "value": totals["resolution_rate"],
            "kind": "rate",
            "detail": (totals["issues_resolved"], totals["issues"]),
            "url": f"{reverse('supervision:issue_board')}?{urlencode({'region': region.code})}",
        },
    ]


def cumulative_curve(projects, *, region, period) -> dict:
    """Cumulative investment of the year against plan, month by month: completed (Σ completed
    year-to-date of each month's computed figures) and planned (the group's time progress ×
    annual plan, i.e. Σ expected year-to-date). Months not computed are gaps; after the
    period, the plan line goes on at m/12 of the annual plan. One query: `measures.total`'s
    aggregates grouped by month."""
    measures = _measures()
    grouped = (
        ProjectStatus.objects.filter(
            year=period.year,
            month__lte=period.month,
            project__in=projects.order_by().values("pk"),
        )
        .order_by()
        .values("month")
        .annotate(**measures._aggregates())
    )
    totals = {}
    for row in grouped:
        month = row.pop("month")
        sums = measures._unprefixed(row)
        totals[month] = measures._with_rates(sums, measures.Period(period.year, month))
    done, plan, annual = [], [], None
    for month in MONTHS:
        if month <= period.month:
            row = totals.get(month)
            if row and row["projects"]:
                annual = row["annual_plan"]
                done.append(float(row["completed_ytd"]))
                plan.append(float(row["time_progress"] * row["annual_plan"]))
                continue
            done.append(None)
            plan.append(None)
        else:
            done.append(None)
            plan.append(float(annual * month / 12) if annual is not None else None)
    return {
        "tooltip": {"trigger": "axis", "valueFormatter": "fmt:yi"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [_("%(m)s月") % {"m": m} for m in MONTHS]},
        "yAxis": {"type": "value", "name": _("亿元"), "axisLabel": {"formatter": "fmt:yi"}},
        "series": [
            {
                "name": _("累计完成"),
                "type": "line",
                "data": done,
                "areaStyle": {"opacity": 0.15},
                "itemStyle": {"color": "#1f5fa8"},
            },
            {
                "name": _("累计计划（按时间进度）"),
                "type": "line",
                "data": plan,
                "lineStyle": {"type": "dashed"},
                "itemStyle": {"color": "#b71c1c"},
                "symbol": "none",
            },
        ],
        "aria": {"enabled": True},
    }


def ranking_chart(ranking: dict, *, period, dark: bool = False, large: bool = False) -> dict:
    """The ranking as horizontal bars (score), best at the top, labelled with the rank and the
    movement against the previous period; clicking a district opens its overview. `large`:
    type readable from the back of a meeting room."""
    rows = ranking["rows"]
    names, data = [], []
    for row in reversed(rows):
        step = row.get("movement")
        arrow = "—" if step in (None, 0) else (f"▲{step}" if step > 0 else f"▼{-step}")
        names.append(f"{row['rank']}. {row['name']}")
        colour = (
            "#2e9d4f" if row.get("praised") else ("#d9342b" if row.get("called_in") else "#1f5fa8")
        )
        url = None
        if ranking.get("scope") == "district":
            url = overview_url(row["key"], period)
        elif ranking.get("scope") == "leader":
            url = list_url(None, period, leader=row["key"])
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
    text = "#e8e8e8" if dark else "#1f2329"
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
                            "borderColor": "#fff",
                        },
                    }
                    for c in colours
                ],
            }
        ],
        "aria": {"enabled": True},
    }


def pipeline_chart(stages: list[dict]) -> dict:
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
                "itemStyle": {"color": "#1f5fa8"},
                "label": {"show": True, "position": "top"},
            },
            {
                "name": _("总投资"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [{"value": float(s["money"]), "url": s["url"]} for s in stages],
                "itemStyle": {"color": "#b71c1c"},
                "tooltip": {"valueFormatter": "fmt:yi"},
            },
        ],
        "aria": {"enabled": True},
    }


def overview(*, user, region: Region, period: Period) -> dict:
    """Everything the overview page shows for a region and period."""
    measures = _measures()
    ensure_fresh(period)
    projects = projects_in(user, region)
    totals = measures.total(projects_qs=projects, year=period.year, month=period.month)
    by_level = measures.summary(
        projects_qs=projects, year=period.year, month=period.month, group_by="level"
    )
    children = []
    if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY):
        children = measures.summary(
            projects_qs=projects,
            year=period.year,
            month=period.month,
            group_by="region",
            parent=region,
        )
    for row in children:
        row["url"] = (
            f"{reverse('web:home')}?{urlencode({'region': row['key'], 'period': str(period)})}"
        )
        row["list_url"] = list_url(row["key"], period)
    for row in by_level:
        row["list_url"] = list_url(region, period, level=row["key"])
    colours = colour_counts(totals, region=region, period=period)
    stages = pipeline(projects, region=region, period=period)
    ranking = _ranking(region, period)
    return {
        "totals": totals,
        "figures": figures(totals, region=region, period=period),
        "by_level": by_level,
        "children": children,
        "colours": colours,
        "colour_chart": colour_chart(colours),
        "pipeline": stages,
        "pipeline_chart": pipeline_chart(stages),
        "ranking": ranking,
        "ranking_chart": ranking_chart(ranking, period=period)
        if ranking and ranking["rows"]
        else None,
        "curve": cumulative_curve(projects, region=region, period=period),
        "computed": totals["projects"] > 0,
    }


# --- Meeting screen -------------------------------------------------------------------------

SLIDE_ROWS = 8  # rows per page, readable from the back of the room


def _chunks(items: list, size: int = SLIDE_ROWS) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def attention_projects(user, region: Region, period: Period) -> list:
    """Red and yellow projects of the period in `region`, red first, with their reasons."""
    from assessment.models import ProjectStatus

    statuses = (
        access.scope(user, ProjectStatus.objects.all())
        .filter(
            project__in=projects_in(user, region).values("pk"),
            year=period.year,
            month=period.month,
            colour__in=[Colour.RED, Colour.YELLOW],
        )
        .select_related("project", "project__region")
        .order_by("colour", "project__region_id", "project__code")  # "red" < "yellow"
    )
    return list(statuses)


def screen(*, user, region: Region, period: Period) -> dict:
    """The meeting screen's pages: key figures, the ranking, red and yellow projects with
    reasons, overdue issues, decisions due. Each list is cut into pages of SLIDE_ROWS rows."""
    import datetime as dt

    from django.utils import timezone

    from supervision import selectors as sv
    from supervision.choices import IssueStatus

    measures = _measures()
    ensure_fresh(period)
    projects = projects_in(user, region)
    totals = measures.total(projects_qs=projects, year=period.year, month=period.month)
    ranking = _ranking(region, period)
    today = timezone.localdate()
    issues = sv.issue_list(user=user, today=today).filter(project__in=projects.values("pk"))
    overdue = list(issues.filter(is_overdue=True).order_by("deadline", "pk"))
    decisions = list(
        issues.filter(meeting__isnull=False, deadline__lte=today + dt.timedelta(days=7))
        .exclude(status__in=[*IssueStatus.done()])
        .order_by("deadline", "pk")
    )
    attention = attention_projects(user, region, period)
    slides = [{"kind": "figures", "title": _("主要指标")}]
    if ranking and ranking["rows"]:
        slides.append({"kind": "ranking", "title": _("排名")})
    for kind, title, rows in (
        ("attention", _("红色、黄色项目"), attention),
        ("overdue", _("逾期问题"), overdue),
        ("decisions", _("议定事项到期提醒"), decisions),
    ):
        pages = _chunks(rows)
        for number, page in enumerate(pages, start=1):
            slides.append(
                {
                    "kind": kind,
                    "title": title,
                    "rows": page,
                    "count": len(rows),
                    "part": f"{number}/{len(pages)}" if len(pages) > 1 else "",
                    "offset": (number - 1) * SLIDE_ROWS,
                }
            )
    return {
        "totals": totals,
        "colours": colour_counts(totals, region=region, period=period),
        "ranking": ranking,
        "ranking_chart": ranking_chart(ranking, period=period, dark=True, large=True)
        if ranking and ranking["rows"]
        else None,
        "ranking_chart_light": ranking_chart(ranking, period=period, large=True)
        if ranking and ranking["rows"]
        else None,
        "slides": slides,
        "today": today,
    }


# --- Ranking bulletin -----------------------------------------------------------------------


def bulletin(*, user, region: Region, period: Period) -> dict:
    """The monthly ranking bulletin (排名通报) of `region`'s districts (a district's own
    bulletin ranks its leaders): the ranking rows, the praised and the called-in, and the
    indicators and weights the score used."""
    from django.utils import timezone

    from .exports import bulletin_columns

    ensure_fresh(period)
    ranking = _ranking(region, period) or {"rows": [], "version": None}
    rows = ranking["rows"]
    praised = [r["name"] for r in rows if r.get("praised")]
    called_in = [r["name"] for r in rows if r.get("called_in")]
    scope_label = _("包联领导") if ranking.get("scope") == "leader" else _("县市区")
    notes = []
    if praised:
        notes.append(
            _("通报表扬（前 %(n)s 名）：%(names)s。")
            % {"n": len(praised), "names": "、".join(praised)}
        )
    if called_in:
        notes.append(
            _("约谈（后 %(n)s 名）：%(names)s。")
            % {"n": len(called_in), "names": "、".join(called_in)}
        )
    weights = "、".join(f"{i['name']} {i['weight']:g}" for i in ranking.get("indicators") or [])
    if weights:
        notes.append(
            _("综合得分按以下指标加权计算（权重）：%(w)s；无分母的指标不计入。") % {"w": weights}
        )
    if ranking.get("reason"):
        notes.append(_("更正说明：%(r)s") % {"r": ranking["reason"]})
    if ranking.get("version"):
        status = _("第 %(v)s 版，发布于 %(when)s") % {
            "v": ranking["version"],
            "when": str(ranking.get("published_at") or "")[:10],
        }
    else:
        status = _("实时计算（尚未发布，数据可能变动）")
    title = _("%(region)s重点项目建设%(scope)s排名通报") % {
        "region": region.name,
        "scope": scope_label,
    }
    from core.formatting import cndate, cnperiod

    return {
        "ranking": ranking,
        "rows": rows,
        "columns": bulletin_columns(),
        "title": title,
        "subtitle": f"{cnperiod(period)} · {status}",
        "notes": notes,
        "issued": _("制表日期：%(d)s") % {"d": cndate(timezone.localdate())},
        "scope_label": scope_label,
    }
