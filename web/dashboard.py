"""The view-models of the web UI's overview, meeting screen, bulletin and project page.

Every measure comes from `assessment.measures` and every ranking from `assessment.rankings` (one
home per rule); this module only picks what a page shows, shapes it for the templates and
attaches to each number the link to the list of projects behind it. The ECharts options are
`web.charts`'s.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assessment import aggregates, forecast_reads, funnel, measures, rankings, tasks
from assessment.choices import UNRATED_HEX, Colour, ProjectSet, RankingScope
from assessment.models import ProjectStatus, RankingSnapshot, RegionPeriodAggregate
from core.formatting import cndate, cnperiod, pct, wan
from core.periods import Period
from meetings.agenda import agenda_districts
from meetings.agenda import sections as agenda_sections
from projects import access, stoppages
from projects.choices import RegionLevel, Stage, StoppageReason
from projects.models import (
    ChainAssignment,
    MonthlyReport,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    Stoppage,
    TaskForce,
    TaskForceMember,
    Withdrawal,
)
from projects.models.regions import region_prefix
from supervision import reporting
from supervision import selectors as supervision
from supervision.choices import IssueStatus
from supervision.issue_sets import IssueSet

from . import charts
from .exports import bulletin_columns


def projects_in(user, region: Region):
    """The projects of `region` (and below) that `user` may see — withdrawn ones too: a
    period's figures count the projects the period had (its status rows leave out those
    withdrawn by its end; one withdrawn later still counts in the months before), as the
    rankings and the bulletin do and as the lists behind the figures (`?set=`) do."""
    return access.scope(user, measures.projects_under(region))


def list_url(region: Region | str | None = None, period: Period | None = None, **filters) -> str:
    """The project list behind a number: the same filters the API takes. `region` is a
    Region or a region code."""
    params: dict[str, Any] = {}
    if region is not None:
        params["region"] = getattr(region, "code", region)
    if period is not None:
        params["period"] = str(period)
    params.update({k: v for k, v in filters.items() if v not in (None, "")})
    return f"{reverse('projects:project_list')}?{urlencode(params, doseq=True)}"


def set_urls(region: Region | str | None, period: Period, **filters) -> dict[str, str]:
    """The lists behind a summary row's figures, by ProjectSet value: the portfolio (its
    projects, money and investment rate) and each rate's numerator (whose page switches to the
    denominator)."""
    sets = (
        ProjectSet.PORTFOLIO,
        ProjectSet.NEW_START_STARTED,
        ProjectSet.FINISHED,
        ProjectSet.IN_STATISTICS,
        ProjectSet.UNRATED,
    )
    urls = {s.value: list_url(region, period, set=s, **filters) for s in sets}
    if not filters:  # the issue board has no level filter
        urls.update(issue_urls(region, period))
    return urls


def issue_url(region: Region | str | None, period: Period, issue_set: str) -> str:
    """The issue board behind 办结率 / 按期办结率: the period's issues of `issue_set`
    (`supervision.issue_sets`: the measure's own definition), switchable to the others."""
    params = {"period": str(period), "set": issue_set}
    if region is not None:
        params["region"] = region if isinstance(region, str) else region.code
    return f"{reverse('supervision:issue_board')}?{urlencode(params)}"


def issue_urls(region: Region | str | None, period: Period) -> dict[str, str]:
    return {s.value: issue_url(region, period, s) for s in IssueSet}


def overview_url(region_code: str, period: Period) -> str:
    return f"{reverse('web:home')}?{urlencode({'region': region_code, 'period': str(period)})}"


# --- Project page ---------------------------------------------------------------------------


def project_changes(*, project, limit: int = 60) -> list[dict]:
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
    plan_records = defaultdict(list)
    for record in (
        ProjectYear.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    ):
        plan_records[record.id].append(record)
    for rows in plan_records.values():
        entries += _diffs(rows, ProjectYear, title=_("%(y)s年度计划") % {"y": rows[0].year})
    entries += _plan_revisions(project)
    entries += _chain_changes(project)
    entries += _withdrawal_changes(project)
    entries += _stoppage_and_task_force_changes(project)
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else _("系统")


def _plan_revisions(project) -> list[dict]:
    """计划调整: each revision of an annual plan with its reason."""
    revisions = PlanRevision.objects.filter(project_year__project_id=project.pk).select_related(
        "project_year", "revised_by"
    )
    return [
        {
            "when": r.revised_at,
            "who": _who(r.revised_by),
            "what": _("%(y)s年度计划调整") % {"y": r.project_year.year},
            "changes": [(r.reason, wan(r.previous_plan), wan(r.new_plan))],
            "reason": r.reason,
        }
        for r in revisions
    ]


def _chain_changes(project) -> list[dict]:
    """Each chain assignment as it was recorded (the history row of its creation)."""
    out = []
    records = (
        ChainAssignment.history.filter(project_id=project.pk, history_type="+")
        .select_related("history_user", "role", "person")
        .order_by("history_date")
    )
    for record in records:
        out.append(
            {
                "when": record.history_date,
                "who": _who(record.history_user),
                "what": _("责任链"),
                "changes": [
                    (
                        str(record.role.name),
                        "",
                        _("%(name)s，自 %(on)s 起")
                        % {"name": record.person.name, "on": cndate(record.start_date)},
                    )
                ],
                "reason": "",
            }
        )
    return out


def _withdrawal_changes(project) -> list[dict]:
    """退库: each request and each decision."""
    out = []
    for w in Withdrawal.objects.filter(project_id=project.pk).select_related(
        "requested_by", "reviewer"
    ):
        out.append(
            {
                "when": w.requested_at,
                "who": _who(w.requested_by),
                "what": _("退库申请"),
                "changes": [(str(_("退库原因")), "", w.reason)],
                "reason": w.reason,
            }
        )
        if w.reviewed_at:
            out.append(
                {
                    "when": w.reviewed_at,
                    "who": _who(w.reviewer),
                    "what": _("退库审核"),
                    "changes": [(w.get_status_display(), "", w.review_note or "—")],
                    "reason": w.review_note,
                }
            )
    return out


def _stoppage_and_task_force_changes(project) -> list[dict]:
    """停工/复工 and 专班 (set up, members joining and leaving, dissolved), from their history
    rows. Three queries."""
    out = []
    for record in (
        Stoppage.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("history_date")
    ):
        reason = str(dict(StoppageReason.choices).get(record.reason, record.reason))
        if record.history_type == "+":
            changes = [(str(_("停工")), "", f"{cndate(record.stopped_on)} {reason}")]
        elif record.resumed_on:
            changes = [(str(_("复工")), "", cndate(record.resumed_on))]
        else:
            continue
        out.append(
            {
                "when": record.history_date,
                "who": _who(record.history_user),
                "what": _("停工/复工"),
                "changes": changes,
                "reason": record.note if record.history_type == "+" else record.resume_note,
            }
        )
    for tf in (
        TaskForce.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("history_date")
    ):
        if tf.history_type == "+":
            change = (str(_("成立专班")), "", tf.name)
        elif tf.dissolved_on:
            change = (str(_("撤销专班")), "", f"{tf.name} {cndate(tf.dissolved_on)}")
        else:
            continue
        out.append(
            {
                "when": tf.history_date,
                "who": _who(tf.history_user),
                "what": _("专班"),
                "changes": [change],
                "reason": "",
            }
        )
    for m in (
        TaskForceMember.history.filter(task_force__project_id=project.pk)
        .select_related("history_user", "person", "task_force")
        .order_by("history_date")
    ):
        name = f"{m.task_force.name}：{m.person.name}"
        if m.history_type == "+":
            change = (str(_("加入专班")), "", f"{name}（{m.duty or '—'}）")
        elif m.left_on:
            change = (str(_("退出专班")), "", name)
        else:
            continue
        out.append(
            {
                "when": m.history_date,
                "who": _who(m.history_user),
                "what": _("专班"),
                "changes": [change],
                "reason": "",
            }
        )
    return out


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
                old: object = getattr(previous, f.attname, None) if previous else None
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


LATEST_INSPECTIONS = 5


def project_supervision(*, user, project) -> dict:
    """The project's issues (overdue first) and its latest inspections (the list page
    `supervision:inspection_list` has them all), scoped."""
    today = timezone.localdate()
    issues = list(
        supervision.issue_list(user=user, today=today)
        .filter(project=project)
        .order_by("-is_overdue", "-raised_at")  # type: ignore[misc]  # see screen()
    )
    inspections = list(
        supervision.inspection_list(user=user)
        .filter(project=project)
        .order_by("-date", "-id")[:LATEST_INSPECTIONS]
    )
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
    """The four colours' counts of a summary row, then the projects of the period's portfolio
    given no colour (未评价, ProjectSet.UNRATED) as a fifth segment: the five add up to the
    portfolio's projects. Each with the list behind it."""
    total = row.get("projects") or 0
    counted = [(c.value, c.label, c.meaning, c.hex, row.get(c.value, 0) or 0) for c in Colour]
    unrated = total - sum(entry[4] for entry in counted)
    entries = [
        {
            "colour": value,
            "label": label,
            "meaning": meaning,
            "hex": hex_,
            "count": count,
            "share": (Decimal(count) / total) if total else None,
            "url": list_url(region, period, colour=value),
        }
        for value, label, meaning, hex_, count in counted
    ]
    entries.append(
        {
            "colour": "unrated",
            "label": _("未评价"),
            "meaning": _("不参与四色评价"),
            "hex": UNRATED_HEX,
            "count": unrated,
            "share": (Decimal(unrated) / total) if total else None,
            "url": list_url(region, period, set=ProjectSet.UNRATED),
        }
    )
    return entries


# --- Overview -------------------------------------------------------------------------------


def ranking_scopes(region: Region) -> list[str]:
    """The rankings a region has, the default first: a city's or province's districts, then
    the leaders and units carrying its projects; a district's (or town's) leaders and units."""
    if region.level in (RegionLevel.COUNTY, RegionLevel.TOWN):
        return [RankingScope.LEADER, RankingScope.UNIT]
    return [RankingScope.DISTRICT, RankingScope.LEADER, RankingScope.UNIT]


def region_ranking(
    region: Region, period: Period, *, scope: str | None = None, version: int | None = None
) -> dict:
    """The ranking shown for a region (`scope`, default its first of `ranking_scopes`): the
    published `version` (else the latest published, else live — `rankings.ranking`)."""
    scope = scope or ranking_scopes(region)[0]
    result = rankings.ranking(
        scope=scope, parent=region, year=period.year, month=period.month, version=version
    )
    result["scope"] = scope
    return result


# The names of the figures a difference between two versions lists (`rankings.DIFF_FIELDS`).
DIFF_LABELS: dict[str, Any] = {
    "rank": _lazy("排名"),
    "score": _lazy("综合得分"),
    "praised": _lazy("通报表扬"),
    "called_in": _lazy("约谈"),
    "projects": _lazy("项目数"),
    "annual_plan": _lazy("年度计划（万元）"),
    "completed_ytd": _lazy("累计完成（万元）"),
    "investment_rate": _lazy("投资完成率"),
    "time_progress": _lazy("时间进度"),
    "new_start_planned": _lazy("计划新开工"),
    "new_start_started": _lazy("已新开工"),
    "start_rate": _lazy("开工率"),
    "finish_planned": _lazy("计划竣工"),
    "finished": _lazy("已竣工"),
    "finish_rate": _lazy("竣工率"),
    "in_statistics": _lazy("已纳统"),
    "statistics_rate": _lazy("纳统率"),
    "issues": _lazy("问题数"),
    "issues_resolved": _lazy("已办结问题"),
    "resolution_rate": _lazy("办结率"),
    "green": _lazy("绿色"),
    "white": _lazy("白色"),
    "yellow": _lazy("黄色"),
    "red": _lazy("红色"),
    "original_plan": _lazy("原计划（万元）"),
    "investment_rate_original": _lazy("按原计划完成率"),
    "under_construction": _lazy("在建项目"),
    "started": _lazy("已开工"),
    "issues_on_time": _lazy("按期办结"),
    "on_time_rate": _lazy("按期办结率"),
    "four_new_completed": _lazy("四新投资"),
    "four_new_share": _lazy("四新占比"),
    "pool_at_start": _lazy("谋划储备项目"),
    "converted": _lazy("已转化"),
    "conversion_rate": _lazy("落地转化率"),
}
RATE_FIELDS = frozenset(f for f in DIFF_LABELS if f.endswith(("_rate", "_share", "_original")))
MONEY_FIELDS = frozenset({"annual_plan", "completed_ytd", "original_plan", "four_new_completed"})


def _diff_value(field: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field in RATE_FIELDS or field == "time_progress":
        return pct(value)
    if field in MONEY_FIELDS:
        return wan(value)
    return str(value)


def ranking_difference(old: dict, new: dict) -> dict:
    """`rankings.difference` of two versions with each changed figure named and written as
    the bulletin writes it."""
    diff = rankings.difference(old, new)
    for row in diff["rows"]:
        row["fields"] = [
            {
                **item,
                "label": DIFF_LABELS.get(item["field"], item["field"]),
                "old_text": _diff_value(item["field"], item["old"]),
                "new_text": _diff_value(item["field"], item["new"]),
            }
            for item in row["fields"]
        ]
    return diff


def ranking_urls(ranking: dict, period: Period) -> list[str | None]:
    """The link behind each row of a ranking, in its order: a district's overview, or the list
    of a leader's projects."""
    urls = []
    for row in ranking["rows"]:
        url = None
        if ranking.get("scope") == "district":
            url = overview_url(row["key"], period)
        elif ranking.get("scope") == "leader":
            # the projects the leader held on the period's last day, within the ranked region
            # (`ProjectFilterSet.leader` with a period), as many as the row counts
            parent = (ranking.get("parent") or {}).get("code")
            url = list_url(parent, period, leader=row["key"])
        urls.append(url)
    return urls


def ranking_chart(
    ranking: dict, period: Period, *, dark: bool = False, large: bool = False
) -> dict | None:
    """The ranking's chart (`charts.ranking_chart`) with the links behind its rows, or None
    for a ranking without rows."""
    if not ranking["rows"]:
        return None
    return charts.ranking_chart(ranking, urls=ranking_urls(ranking, period), dark=dark, large=large)


def figures(totals: dict, *, region, period) -> list[dict]:
    """The figures that open every bulletin, each with the list behind it: the list of the
    same set of projects the figure counts (ProjectSet) — for a rate, its numerator's, whose
    page switches to the denominator's."""
    behind = (
        totals["investment_rate"] is not None
        and totals["time_progress"] is not None
        and totals["investment_rate"] < totals["time_progress"]
    )
    items = [
        {
            "key": "projects",
            "label": _("重点项目"),
            "value": totals["projects"],
            "kind": "count",
            "unit": _("个"),
            "url": list_url(region, period, set=ProjectSet.PORTFOLIO),
        },
        {
            "key": "annual_plan",
            "label": _("年度计划投资"),
            "value": totals["annual_plan"],
            "kind": "money",
            "url": list_url(region, period, set=ProjectSet.PORTFOLIO, ordering="-total_investment"),
        },
        {
            "key": "completed_ytd",
            "label": _("累计完成投资"),
            "value": totals["completed_ytd"],
            "kind": "money",
            "sub": period,
            "url": list_url(region, period, set=ProjectSet.PORTFOLIO, ordering="-investment_rate"),
        },
        {
            "key": "investment_rate",
            "label": _("投资完成率"),
            "value": totals["investment_rate"],
            "kind": "rate",
            "compare": totals["time_progress"],
            "compare_label": _("时间进度"),
            "state": "behind" if behind else ("ahead" if totals["investment_rate"] else ""),
            "url": list_url(region, period, set=ProjectSet.PORTFOLIO, ordering="investment_rate"),
        },
        {
            "key": "start_rate",
            "label": _("开工率"),
            "value": totals["start_rate"],
            "kind": "rate",
            "detail": (totals["new_start_started"], totals["new_start_planned"]),
            "url": list_url(region, period, set=ProjectSet.NEW_START_STARTED),
        },
        {
            "key": "finish_rate",
            "label": _("竣工率"),
            "value": totals["finish_rate"],
            "kind": "rate",
            "detail": (totals["finished"], totals["finish_planned"]),
            "url": list_url(region, period, set=ProjectSet.FINISHED),
        },
        {
            "key": "statistics_rate",
            "label": _("纳统率"),
            "value": totals["statistics_rate"],
            "kind": "rate",
            "detail": (totals["in_statistics"], totals.get("started")),
            "url": list_url(region, period, set=ProjectSet.IN_STATISTICS),
        },
        {
            "key": "resolution_rate",
            "label": _("问题办结率"),
            "value": totals["resolution_rate"],
            "kind": "rate",
            "detail": (totals["issues_resolved"], totals["issues"]),
            "url": issue_url(region, period, IssueSet.RESOLVED),
            "issues": True,
        },
        {
            "key": "on_time_rate",
            "label": _("按期办结率"),
            "value": totals["on_time_rate"],
            "kind": "rate",
            "detail": (totals["issues_on_time"], totals["issues"]),
            "url": issue_url(region, period, IssueSet.ON_TIME),
            "issues": True,
        },
    ]
    # each figure's one-line definition, shown on hover (口径说明: measures.DEFINITIONS)
    keys: tuple[str, ...] = ("projects", "", "", "investment_rate", "start_rate")
    keys += ("finish_rate", "statistics_rate", "resolution_rate", "on_time_rate")
    for item, key in zip(items, keys, strict=True):
        item["hint"] = measures.definition(key) if key else ""
    return items


def cumulative_curve(projects, *, period) -> dict:
    """Cumulative investment of the year against plan, month by month: completed (Σ completed
    year-to-date of each month's computed figures) and planned (the group's time progress ×
    annual plan, i.e. Σ expected year-to-date). Months not computed are gaps; after the
    period, the plan line goes on at m/12 of the annual plan. One query: `measures.total`'s
    aggregates grouped by month; the chart is `charts.curve_chart`."""
    # values() rows are plain dicts (the stubs see a TypedDict of the month only)
    grouped = cast(
        "QuerySet[ProjectStatus, measures.Row]",
        ProjectStatus.objects.filter(
            year=period.year,
            month__lte=period.month,
            project__in=projects.order_by().values("pk"),
        )
        .order_by()
        .values("month")
        .annotate(**measures._aggregates()),
    )
    totals: dict[int, measures.Row] = {}
    for grouped_row in grouped:
        month = grouped_row.pop("month")
        sums = measures._unprefixed(grouped_row)
        totals[month] = measures._with_rates(sums, Period(period.year, month))
    return curve_from_months(totals, period=period)


def curve_from_months(totals: dict[int, measures.Row], *, period: Period) -> dict:
    """The cumulative curve (`cumulative_curve`) from each computed month's total row."""
    done: list[float | None] = []
    plan: list[float | None] = []
    annual = None
    for month in charts.MONTHS:
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
    return charts.curve_chart(done=done, plan=plan)


def overview(*, user, region: Region, period: Period) -> dict:
    """Everything the overview page shows for a region and period."""
    tasks.ensure_fresh(period)
    projects = projects_in(user, region)
    has_children = region.level in (RegionLevel.PROVINCE, RegionLevel.CITY)
    stored = None
    if aggregates.covers_whole(user, region) and aggregates.available(period):
        # the recompute's per-district sums: a province costs what a district costs
        stored = aggregates.overview_figures(
            region=region,
            period=period,
            children=measures.children_of(region) if has_children else None,
        )
        totals, by_level, children = stored["total"], stored["by_level"], stored["children"]
    else:
        totals = measures.total(projects_qs=projects, year=period.year, month=period.month)
        by_level = measures.summary(
            projects_qs=projects, year=period.year, month=period.month, group_by="level"
        )
        children = []
        if has_children:
            children = measures.summary(
                projects_qs=projects,
                year=period.year,
                month=period.month,
                group_by="region",
                parent=region,
            )
    for row in children:
        row["url"] = overview_url(row["key"], period)
        row["urls"] = set_urls(row["key"], period)
        row["list_url"] = row["urls"]["portfolio"]
    for row in by_level:
        row["urls"] = set_urls(region, period, level=row["key"])
        row["list_url"] = row["urls"]["portfolio"]
    colours = colour_counts(totals, region=region, period=period)
    stages = pipeline(projects, region=region, period=period)
    ranking = region_ranking(region, period)
    return {
        "totals": totals,
        "figures": figures(totals, region=region, period=period),
        "by_level": by_level,
        "children": children,
        "colours": colours,
        "colour_chart": charts.colour_chart(colours),
        "pipeline": stages,
        "pipeline_chart": charts.pipeline_chart(stages),
        "ranking": ranking,
        "ranking_chart": ranking_chart(ranking, period),
        "curve": (
            curve_from_months(stored["by_month"], period=period)
            if stored is not None
            else cumulative_curve(projects, period=period)
        ),
        "computed": totals["projects"] > 0,
        "reporting": reporting_figure(user=user, region=region, period=period),
        "stoppage": stoppage_figure(projects, region=region, period=period),
        "forecast": forecast_panel(user=user, region=region, period=period),
    }


def forecast_panel(*, user, region: Region, period: Period) -> dict:
    """ "Will we make the year?": the region's year-end forecast (Σ forecast ÷ Σ plan, with its
    interval and method), its children's (or levels') rows, the children whose forecast falls
    below the year's time progress, and the projects that cannot reach their plan at their best
    month so far or are likely yellow/red next month (`assessment.forecast_reads`). Four
    queries."""
    group_by = "region" if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY) else "level"
    rows, total = forecast_reads.groups(user, region=region, period=period, group_by=group_by)
    for row in rows:
        if group_by == "region":
            row["url"] = overview_url(row["key"], period)
    warnings = forecast_reads.warnings(user, region=region, period=period)
    return {
        "total": total,
        "rows": rows,
        "group_by": group_by,
        "behind": forecast_reads.districts_behind(rows) if group_by == "region" else [],
        "cannot_reach": warnings["cannot_reach"],
        "turning": warnings["turning"],
        "last_month": period.month == 12,
    }


def stoppage_figure(projects, *, region: Region, period: Period) -> dict:
    """停工项目数 at the end of the period, linked to the project list of the same projects
    (`?stopped=true&period=`), and 复工率 from 1 January to the end of the period
    (`projects.stoppages`, one query)."""
    figure = stoppages.resumption(projects, start=period.year_start, end=period.end)
    figure["url"] = list_url(region, period, stopped="true")
    return figure


def reporting_figure(*, user, region: Region, period: Period) -> dict:
    """填报率 of the period's month in `region` (the completeness page's figure), with the link
    to the missing projects (the project list's `?reported=no`) and to the page."""
    result = reporting.completeness(user=user, period=period, region=region, with_missing=False)
    return {
        "rate": result.reporting_rate,
        "projects": result.projects,
        "reported": result.reported,
        "missing": result.projects - result.reported,
        "missing_url": list_url(region, period, reported="no"),
        "page_url": reverse("supervision:reporting_completeness") + f"?period={period}",
    }


# --- Meeting screen -------------------------------------------------------------------------

SCREEN_MAX_ROWS = 40  # the most rows a slide asks for (a 4K screen at its type size)
SUMMARY_LEVELS = (RegionLevel.PROVINCE,)  # the screen shows districts, not projects, there
SCREEN_DECKS: dict[str, Any] = {
    "attention": _lazy("红色、黄色项目"),
    "overdue": _lazy("逾期问题"),
    "decisions": _lazy("议定事项到期提醒"),
}


def attention_projects(user, region: Region, period: Period) -> QuerySet[ProjectStatus]:
    """Red and yellow projects of the period in `region`, red first, with their reasons."""
    return (
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


def _screen_lists(user, region: Region, period: Period) -> dict[str, QuerySet]:
    """The querysets behind the screen's lists (ordered, so a slide's rows are a slice)."""
    projects = projects_in(user, region)
    today = timezone.localdate()
    issues = (
        supervision.issue_list(user=user, today=today)
        .filter(project__in=projects.values("pk"))
        .select_related("project__region")
    )
    # is_overdue: annotated by IssueQuerySet.with_overdue, which the stubs' lookup check does
    # not follow
    return {
        "attention": attention_projects(user, region, period),
        "overdue": issues.filter(is_overdue=True).order_by("deadline", "pk"),  # type: ignore[misc]
        "decisions": issues.filter(
            meeting__isnull=False, deadline__lte=today + dt.timedelta(days=7)
        )
        .exclude(status__in=[*IssueStatus.done()])
        .order_by("deadline", "pk"),
    }


def _summary_districts(user, region: Region) -> QuerySet[Region]:
    return access.scope(
        user, Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=region.prefix)
    ).order_by("order", "code")


def _district_summary(
    user, region: Region, period: Period, qs: QuerySet, deck: str
) -> list[dict[str, Any]]:
    """A province's list as its districts, every one (none left out for having nothing), the
    most red first, then the most items: the red and yellow counts from the recompute's
    per-district sums where they cover the user (`assessment.aggregates`), else one grouped
    query over the list."""
    counts: dict[str, dict[str, int]] = {}
    if (
        deck == "attention"
        and aggregates.covers_whole(user, region)
        and aggregates.available(period)
    ):
        grouped = (
            RegionPeriodAggregate.objects.filter(
                year=period.year, month=period.month, region__code__startswith=region.prefix
            )
            .order_by()
            .values("region_id")
            .annotate(red=Sum("red"), yellow=Sum("yellow"))
        )
        counts = {g["region_id"]: {"red": g["red"], "yellow": g["yellow"]} for g in grouped}
    elif deck == "attention":
        grouped = (
            qs.order_by()
            .values("project__region_id")
            .annotate(
                red=Count("pk", filter=Q(colour=Colour.RED)),
                yellow=Count("pk", filter=Q(colour=Colour.YELLOW)),
            )
        )
        counts = {
            g["project__region_id"]: {"red": g["red"], "yellow": g["yellow"]} for g in grouped
        }
    else:
        grouped = qs.order_by().values("project__region_id").annotate(n=Count("pk"))
        counts = {g["project__region_id"]: {"n": g["n"]} for g in grouped}
    rows = []
    for district in _summary_districts(user, region):
        got = counts.get(district.code, {})
        red, yellow = got.get("red"), got.get("yellow")
        count = got["n"] if "n" in got else (red or 0) + (yellow or 0)
        rows.append(
            {
                "region": district.code,
                "region_name": district.name,
                "red": (red or 0) if deck == "attention" else None,
                "yellow": (yellow or 0) if deck == "attention" else None,
                "count": count,
            }
        )
    return sorted(rows, key=lambda r: (-(r["red"] or 0), -r["count"]))


def _stored_colour_count(region: Region, period: Period) -> int:
    """How many red and yellow statuses `region` has in `period`, from the recompute's sums."""
    sums = RegionPeriodAggregate.objects.filter(
        year=period.year, month=period.month, region__code__startswith=region.prefix
    ).aggregate(red=Sum("red"), yellow=Sum("yellow"))
    return (sums["red"] or 0) + (sums["yellow"] or 0)


def screen_decks(*, user, region: Region, period: Period) -> list[dict[str, Any]]:
    """The screen's lists as decks of slides: what each shows and how many rows it has (one
    count query each); the rows come per slide (`screen_rows`). A province shows its
    districts (the top districts first), never every red project."""
    summary = region.level in SUMMARY_LEVELS
    districts = _summary_districts(user, region).count() if summary else 0
    stored = aggregates.covers_whole(user, region) and aggregates.available(period)
    decks = []
    for key, qs in _screen_lists(user, region, period).items():
        if summary:
            count = districts
        elif key == "attention" and stored:  # the same red and yellow statuses, summed
            count = _stored_colour_count(region, period)
        else:
            count = qs.count()
        decks.append(
            {
                "key": key,
                "title": SCREEN_DECKS[key],
                "kind": "districts" if summary else key,
                "count": count,
                "params": {"region": region.code, "period": str(period), "deck": key},
            }
        )
    return decks


def screen_rows(
    *, user, region: Region, period: Period, deck: str, offset: int, limit: int
) -> tuple[str, list[dict[str, Any]]]:
    """One slide's rows of the live screen (kind, rows as plain dicts for `_screen_rows.html`)."""
    qs = _screen_lists(user, region, period)[deck]
    if region.level in SUMMARY_LEVELS:
        rows = _district_summary(user, region, period, qs, deck)
        return "districts", rows[offset : offset + limit]
    page = list(qs[offset : offset + limit])
    if deck == "attention":
        return "projects", [
            {
                "colour": s.colour,
                "colour_label": s.get_colour_display(),
                "name": s.project.name,
                "region_name": s.project.region.name,
                "reason": s.reason,
            }
            for s in page
        ]
    return "issues", [
        {
            "title": i.title,
            "project_name": i.project.name,
            "region_name": i.project.region.name,
            "assigned_unit": i.assigned_unit.name if i.assigned_unit else None,
            "deadline": i.deadline.isoformat() if i.deadline else None,
            "status_label": i.get_status_display(),
            "overdue": bool(getattr(i, "is_overdue", False)),
        }
        for i in page
    ]


def screen(*, user, region: Region, period: Period) -> dict:
    """The meeting screen's pages: key figures, the ranking, then the lists (red and yellow
    projects with reasons, overdue issues, decisions due) as decks whose slides the browser
    sizes to the screen and fetches one at a time (`screen_rows`)."""
    tasks.ensure_fresh(period)
    if aggregates.covers_whole(user, region) and aggregates.available(period):
        # the recompute's per-district sums: a province costs what a district costs
        totals = aggregates.overview_figures(region=region, period=period, children=None)["total"]
    else:
        totals = measures.total(
            projects_qs=projects_in(user, region), year=period.year, month=period.month
        )
    ranking = region_ranking(region, period)
    slides: list[dict[str, Any]] = [{"kind": "figures", "title": _("主要指标")}]
    if ranking["rows"]:
        slides.append({"kind": "ranking", "title": _("排名")})
    return {
        "totals": totals,
        # the year-end forecast's total (Σ forecast ÷ Σ plan, interval, method): one query
        "forecast": forecast_reads.groups(user, region=region, period=period, group_by="level")[1],
        "colours": colour_counts(totals, region=region, period=period),
        # each figure opens (in a new tab: a click elsewhere turns the page) its own list
        "links": {f["key"]: f["url"] for f in figures(totals, region=region, period=period)},
        "ranking": ranking,
        "ranking_chart": ranking_chart(ranking, period, dark=True, large=True),
        "ranking_chart_light": ranking_chart(ranking, period, large=True),
        "slides": slides,
        "decks": screen_decks(user=user, region=region, period=period),
        "today": timezone.localdate(),
    }


def meeting_screen(*, meeting, agenda: dict, by_district: bool = False) -> dict:
    """The meeting screen driven by a meeting's agenda (its frozen record, or its draft): the
    agenda's figures and ranking, then its sections as decks (`meeting_screen_rows`). With
    `by_district`: a deck per district and section, districts in 轮流汇报 order
    (`meetings.agenda.agenda_districts`: the ranking's order)."""
    period = Period.parse(agenda["period"]) if agenda.get("period") else None
    totals = agenda.get("totals") or {}
    slides: list[dict[str, Any]] = []
    if totals:
        slides.append({"kind": "figures", "title": _("主要指标")})
    ranking = agenda.get("ranking") or {"rows": []}
    chart = ranking_chart(ranking, period, dark=True, large=True) if period else None
    if chart:
        slides.append({"kind": "ranking", "title": _("排名")})
    base = {"meeting": meeting.pk}
    decks = []
    if by_district:
        for code, name in agenda_districts(agenda):
            for section in agenda_sections(agenda, district=code):
                if section.kind != "ranking" and section.count:
                    decks.append(_meeting_deck(section, base, district=(code, name)))
    else:
        for section in agenda_sections(agenda):
            if section.kind != "ranking":
                decks.append(_meeting_deck(section, base))
    region = meeting.region
    return {
        "totals": totals,
        "colours": colour_counts(totals, region=region, period=period) if totals else [],
        "ranking": ranking,
        "ranking_chart": chart,
        "ranking_chart_light": (
            ranking_chart(ranking, period, large=True) if chart and period else None
        ),
        "slides": slides,
        "decks": decks,
        "period": period,
        "region": region,
        "forecast": agenda_forecast_total(agenda),
    }


def agenda_forecast_total(agenda: dict) -> dict[str, Any]:
    """The year-end forecast kept with an agenda (`meetings.agenda._forecast`), its rates as
    Decimals again for the screen's figure; empty where the agenda has none."""
    total = dict((agenda.get("forecast") or {}).get("total") or {})
    for key in ("forecast_rate", "forecast_rate_low", "forecast_rate_high"):
        if total.get(key) not in (None, "None"):
            total[key] = Decimal(total[key])
        else:
            total[key] = None
    return total


def _meeting_deck(section, base: dict, district: tuple[str, str] | None = None) -> dict:
    params = {**base, "deck": section.key}
    title = section.title
    if district is not None:
        params["district"] = district[0]
        title = f"{district[1]}：{section.title}"
    return {
        "key": section.key,
        "title": title,
        "kind": section.kind,
        "count": section.count,
        "params": params,
    }


def meeting_screen_rows(
    *, agenda: dict, deck: str, district: str, offset: int, limit: int
) -> tuple[str, list[dict[str, Any]]]:
    """One slide's rows of a meeting's screen: a slice of the agenda's ranked section."""
    for section in agenda_sections(agenda, district=district or None):
        if section.key == deck and section.kind != "ranking":
            return section.kind, section.items[offset : offset + limit]
    return "issues", []


# --- Ranking bulletin -----------------------------------------------------------------------


LIVE = "live"  # `?version=live`: the live computation even where a version is published

SCOPE_LABELS: dict[str, Any] = {
    RankingScope.DISTRICT: _lazy("县市区"),
    RankingScope.LEADER: _lazy("包联领导"),
    RankingScope.UNIT: _lazy("责任单位"),
}


def local_day(iso: str | None) -> str:
    """The local date (YYYY-MM-DD) of a stored ISO timestamp (a version's publication)."""
    if not iso:
        return ""
    return timezone.localtime(dt.datetime.fromisoformat(iso)).date().isoformat()


def _own_row_key(user, rows: list[dict]) -> str | None:
    """The row of a ranking that is the user's own region (or the district it lies in)."""
    region = getattr(user, "region", None)
    if region is None:
        return None
    for row in rows:
        if isinstance(row.get("key"), str) and region.code.startswith(region_prefix(row["key"])):
            return row["key"]
    return None


def bulletin(  # noqa: C901  (the page's parts in order: versions, ranking, difference, notes)
    *,
    user,
    region: Region,
    period: Period,
    scope: str | None = None,
    version: int | str | None = None,
    compare: int | str | None = None,
    published_only: bool = False,
) -> dict:
    """The monthly ranking bulletin (排名通报) of `region` — its districts, leaders or units
    (`scope`): the published `version` (default the latest; `LIVE` the live computation), the
    praised and the called-in, the indicators and weights, every published version, and the
    difference from version `compare` (a number or `LIVE`). `published_only`: the reader sees
    published versions only (a district reading its city's bulletin: `rankings.reader_access`).
    Raises RankingSnapshot.DoesNotExist for a version never published."""
    scope = scope or ranking_scopes(region)[0]
    if not published_only:
        tasks.ensure_fresh(period)
    history = rankings.versions(scope=scope, parent=region, period=period)
    if published_only and (version == LIVE or compare == LIVE):
        raise RankingSnapshot.DoesNotExist(_("只能查看已发布的排名。"))
    if published_only and not history:
        ranking = None
    elif version == LIVE:
        ranking = {**rankings.live_ranking(scope=scope, parent=region, period=period)}
        ranking["scope"] = scope
    else:
        ranking = region_ranking(region, period, scope=scope, version=cast(int | None, version))
    difference = None
    if ranking is not None and compare not in (None, ""):
        if compare == LIVE:
            other = rankings.live_ranking(scope=scope, parent=region, period=period)
        else:
            other = region_ranking(region, period, scope=scope, version=cast(int, compare))
        difference = ranking_difference(other, ranking)
    rows = ranking["rows"] if ranking is not None else []
    scope_label = SCOPE_LABELS[scope]
    common = {
        "scope": scope,
        "scopes": [(value, SCOPE_LABELS[value]) for value in ranking_scopes(region)],
        "versions": history,
        "difference": difference,
        "published_only": published_only,
        "own_key": _own_row_key(user, rows) if scope == RankingScope.DISTRICT else None,
        "live": ranking is not None and not ranking.get("version"),
    }
    if ranking is None:
        return {
            **common,
            "ranking": None,
            "rows": [],
            "total": None,
            "columns": bulletin_columns(),
            "title": _("%(region)s重点项目建设%(scope)s排名通报")
            % {"region": region.name, "scope": scope_label},
            "subtitle": _("%(period)s · 尚未发布") % {"period": cnperiod(period)},
            "notes": [],
            "issued": "",
            "scope_label": scope_label,
        }
    praised = [r["name"] for r in rows if r.get("praised")]
    called_in = [r["name"] for r in rows if r.get("called_in")]
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
        status = _("已发布 第 %(v)s 版（%(when)s 发布）") % {
            "v": ranking["version"],
            "when": local_day(ranking.get("published_at")),
        }
    else:
        status = _("实时计算（尚未发布，数据可能变动）")
    title = _("%(region)s重点项目建设%(scope)s排名通报") % {
        "region": region.name,
        "scope": scope_label,
    }
    total_names: dict[str, str] = {
        RegionLevel.CITY: _("全市合计"),
        RegionLevel.PROVINCE: _("全省合计"),
    }
    total_name = total_names.get(region.level, _("合计"))
    return {
        "ranking": ranking,
        "rows": rows,
        # Of the rows shown (a published version's are frozen): sums added, rates of the sums.
        "total": measures.rows_total(rows, name=total_name) if rows else None,
        "columns": bulletin_columns(),
        "title": title,
        "subtitle": f"{cnperiod(period)} · {status}",
        "notes": notes,
        "issued": _("制表日期：%(d)s") % {"d": cndate(timezone.localdate())},
        "scope_label": scope_label,
        "more": more_measures(
            rows,
            scope=scope,
            region=region,
            period=period,
            last_year=rankings.rows_last_year(scope=scope, parent=region, period=period),
        ),
        "hints": {key: measures.definition(key) for key, _n, _t in measures.DEFINITIONS},
        **common,
    }


def more_measures(
    rows: list[dict],
    *,
    scope: str,
    region: Region,
    period: Period,
    last_year: list[dict] | None = None,
) -> list[dict]:
    """The bulletin's second table: per row the rate against the original plan beside the
    current one (marked where the current plan reaches time progress only because it was cut),
    办结率 and on-time 办结率 (their issue boards), the "四新" share with its change against the
    same period of last year (`last_year`'s rows, in percentage points) and 落地转化率 (pool →
    converted), each with its list where the row is a district or a leader (`?set=` applies
    the measure's own definition)."""
    before = {row["key"]: row.get("four_new_share") for row in last_year or []}

    def link(key: str, **filters) -> str | None:
        if scope == RankingScope.DISTRICT:
            return list_url(key, period, **filters)
        if scope == RankingScope.LEADER:
            return list_url(region, period, leader=key, **filters)
        return None

    def issues_link(key: str, issue_set: IssueSet) -> str | None:
        # the issue board filters by district (a leader's or unit's issues have no filter)
        return issue_url(key, period, issue_set) if scope == RankingScope.DISTRICT else None

    out = []
    for row in rows:
        rate, original, progress = (
            row.get("investment_rate"),
            row.get("investment_rate_original"),
            row.get("time_progress"),
        )
        out.append(
            {
                "key": row["key"],
                "name": row["name"],
                "investment_rate": rate,
                "investment_rate_original": original,
                "plan_cut": rate is not None
                and progress is not None
                and rate >= progress
                and (original is None or original < progress),
                "on_time_rate": row.get("on_time_rate"),
                "issues_on_time": row.get("issues_on_time"),
                "issues": row.get("issues"),
                "four_new_share": row.get("four_new_share"),
                "four_new_completed": row.get("four_new_completed"),
                "four_new_share_last_year": before.get(row["key"]),
                "four_new_share_change": measures.four_new_change(
                    row.get("four_new_share"), before.get(row["key"])
                ),
                "conversion_rate": row.get("conversion_rate"),
                "converted": row.get("converted"),
                "pool_at_start": row.get("pool_at_start"),
                "portfolio_url": link(row["key"], set=ProjectSet.PORTFOLIO),
                "four_new_url": link(row["key"], set=ProjectSet.FOUR_NEW),
                "converted_url": link(row["key"], set=ProjectSet.CONVERTED),
                "pool_url": link(row["key"], set=ProjectSet.POOL),
                "resolution_rate": row.get("resolution_rate"),
                "issues_resolved": row.get("issues_resolved"),
                "issues_url": issues_link(row["key"], IssueSet.RAISED),
                "resolved_url": issues_link(row["key"], IssueSet.RESOLVED),
                "on_time_url": issues_link(row["key"], IssueSet.ON_TIME),
            }
        )
    return out


def conversion(*, user, region: Region, period: Period) -> dict:
    """The 落地转化 page: `assessment.funnel` of the region's pool, with the lists behind the
    total row's top (the pool) and bottom (the converted) — as many projects as they count.
    Four queries."""
    tasks.ensure_fresh(period)
    data = funnel.funnel(user=user, region=region, period=period)
    return {
        **data,
        "pool_url": list_url(region, period, set=ProjectSet.POOL),
        "converted_url": list_url(region, period, set=ProjectSet.CONVERTED),
        "definition": measures.definition("funnel"),
        "rate_definition": measures.definition("conversion_rate"),
    }
