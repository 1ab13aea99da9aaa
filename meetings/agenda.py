"""The agenda of a dispatch meeting, generated from the data for the meeting's region and date
(DOMAIN.md "Meetings"):

- red and yellow projects with their colour reasons, from the latest computed month that was
  fully reported before the meeting (its reporting window, `supervision.workdays
  .reporting_closes`, closed before the meeting's day), of the projects entered by the end of
  the meeting's day;
- overdue issues (as of the meeting date);
- issues raised since the previous meeting of the region (or in the 30 days before);
- projects that should have started by the meeting date and have not (应开未开);
- the district ranking (projects.rankings) for that period;
- reminder letters still open (unanswered past their deadline, or found unsatisfactory:
  `selectors.open_letters`);
- decisions of earlier meetings still open (carried forward until closed — 会后跟踪盯办),
  and the decisions taken at this meeting.

`build_agenda(meeting, user=…)` returns plain JSON-ready data (money as decimal strings, rates
as numbers), with when it was generated and the month its data is of; every queryset goes
through `projects.access.scope` when a user is given. `meeting_agenda` serves the frozen copy
(定稿) once there is one: a record that never changes, whatever data arrives later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from assessment import forecast_reads, measures
from assessment.choices import Colour
from assessment.models import ProjectForecast, ProjectStatus
from assessment.rankings import ranking
from core.periods import Period
from projects import access
from projects.choices import RegionLevel, Stage
from projects.models import MonthStatus, Project, Region, ReportingMonth
from supervision.choices import IssueStatus
from supervision.models import Issue, IssueQuerySet
from supervision.workdays import WorkCalendar, reporting_closes

from .models import Meeting
from .selectors import letter_agenda_row, open_letters

_QS = TypeVar("_QS", bound=QuerySet[Any])

NEW_ISSUE_WINDOW_DAYS = 30
AGENDA_COLOURS = [Colour.RED, Colour.YELLOW]


def _in_region(region: Region, region_path: str, town_path: str | None) -> Q:
    if region.level == RegionLevel.TOWN and town_path:
        return Q(**{f"{town_path}__startswith": region.prefix})
    return Q(**{f"{region_path}__startswith": region.prefix})


def _scoped(user: access.Viewer | None, qs: _QS) -> _QS:
    return qs if user is None else access.scope(user, qs)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def latest_period(region: Region, on: dt.date) -> tuple[int, int] | None:
    """The period (year, month) of a meeting on `on`: the last *fully reported* month before
    the meeting's month that has colours in `region`. A month is fully reported for the
    meeting when, before the meeting's day, either

    - its reporting window closed (`supervision.workdays.reporting_closes`: from the day after,
      an entry is late and the month's figures stand), or
    - every district of the region had its month accepted by the city
      (`projects.models.ReportingMonth`, status 已审核, reviewed before the meeting's day) —
      the cycle's own "this month is complete", which may come before the window closes.

    Never the meeting's own month, nor a month still being reported."""
    calendar = WorkCalendar.load()
    candidates = (
        ProjectStatus.objects.filter(
            _in_region(region, "project__region__code", "project__town__code"),
            Q(year__lt=on.year) | Q(year=on.year, month__lt=on.month),
        )
        .order_by("-year", "-month")
        .values_list("year", "month")
        .distinct()
    )
    for year, month in candidates[:3]:  # at most the two months before are still open
        if reporting_closes(year, month, calendar) < on or _all_accepted(region, year, month, on):
            return year, month
    return None


def _all_accepted(region: Region, year: int, month: int, on: dt.date) -> bool:
    """Every district of `region` had its month accepted (已审核) before the day `on`."""
    districts = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=region.prefix)
    if region.level == RegionLevel.TOWN and region.parent_id:
        districts = Region.objects.filter(pk=region.parent_id)
    accepted = ReportingMonth.objects.filter(
        region__in=districts,
        year=year,
        month=month,
        status=MonthStatus.ACCEPTED,
        reviewed_at__lt=_start_of(on),
    )
    total = districts.count()
    return total > 0 and accepted.count() == total


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(region_id=meeting.region_id)
        .filter(Q(date__lt=meeting.date) | Q(date=meeting.date, pk__lt=meeting.pk))
        .order_by("-date", "-pk")
        .first()
    )


def issue_row(issue: Issue, on: dt.date) -> dict:
    return {
        "id": issue.pk,
        "project": issue.project.code,
        "project_name": issue.project.name,
        "region": issue.project.region_id,
        "region_name": issue.project.region.name,
        "title": issue.title,
        "category": issue.category,
        "category_label": issue.get_category_display(),
        "status": issue.status,
        "status_label": issue.get_status_display(),
        "raised_at": issue.raised_at.isoformat(),
        "assigned_unit": issue.assigned_unit.name if issue.assigned_unit else None,
        "deadline": issue.deadline.isoformat() if issue.deadline else None,
        "deadline_provisional": issue.deadline_provisional,
        "overdue": issue.overdue_on(on),
        "days_overdue": _days_overdue(issue, on),
        "meeting": issue.meeting_id,
        "meeting_date": issue.meeting.date.isoformat() if issue.meeting else None,
    }


def _days_overdue(issue: Issue, on: dt.date) -> int | None:
    """Calendar days past the deadline (or the plan's due date) on `on`; None if not overdue."""
    if not issue.overdue_on(on):
        return None
    due = issue.deadline or issue.plan_due
    return (on - due).days if due is not None else None


def _issues(user: access.Viewer | None, region: Region) -> IssueQuerySet:
    return _scoped(
        user,
        Issue.objects.filter(_in_region(region, "project__region__code", "project__town__code")),
    ).select_related("project__region", "assigned_unit", "meeting")


def _json_number(key: str, value):
    if isinstance(value, Decimal):
        if key.endswith("rate") or key in ("score", "time_progress"):
            return float(value)
        return str(value)
    return value


def district_ranking(region: Region, year: int, month: int) -> dict | None:
    """The district ranking around the meeting's region: the region's own districts for a city
    (or province) meeting, the sibling districts for a district meeting."""
    if region.level in (RegionLevel.CITY, RegionLevel.PROVINCE):
        parent = region
    elif region.level == RegionLevel.COUNTY and region.parent is not None:
        parent = region.parent
    else:
        return None
    result = ranking(scope="district", parent=parent, year=year, month=month)
    rows = [{key: _json_number(key, value) for key, value in row.items()} for row in result["rows"]]
    published: Any = result.get("published_at")
    return {
        "period": str(result.get("period")),
        "version": result.get("version"),
        "published_at": published.isoformat() if hasattr(published, "isoformat") else published,
        "parent": parent.code,
        "highlight": region.code if region.level == RegionLevel.COUNTY else None,
        "rows": rows,
    }


def _totals(user, region: Region, period: tuple[int, int]) -> dict[str, Any]:
    """The region's key figures of the agenda's month (the meeting screen's first slide), as
    JSON values (`measures.row_json`)."""
    projects = _scoped(user, measures.projects_under(region))
    return measures.row_json(measures.total(projects_qs=projects, year=period[0], month=period[1]))


FORECAST_ROWS = 10  # projects listed under "cannot make the year even at their best month"


def _forecast(user, region: Region, period: tuple[int, int]) -> dict[str, Any] | None:
    """The year-end forecast of the agenda's month (issue #17), kept with the agenda so a
    frozen agenda keeps the forecast it was presented with: the region's forecast rate with
    its interval and method, the districts forecast below their plan (furthest first) and the
    projects that cannot reach their plan even at their best month so far (largest required
    monthly amount first). Three queries; None where the month has no forecasts."""
    month = Period(*period)
    forecasts = _scoped(
        user,
        ProjectForecast.objects.filter(
            year=month.year, month=month.month, region__code__startswith=region.prefix
        ),
    )
    rows, total = forecast_reads.groups_of(forecasts, region=region, group_by="region")
    if not total["projects"]:
        return None
    cannot = (
        forecasts.filter(cannot_reach=True)
        .select_related("project__region")
        .order_by("-required_monthly", "project_id")[:FORECAST_ROWS]
    )

    def plain(row: dict[str, Any]) -> dict[str, Any]:
        return {**forecast_reads.json_row(row), "method_label": str(row["method_label"])}

    return {
        "total": plain(total),
        "behind": [plain(r) for r in forecast_reads.districts_behind(rows)],
        "cannot_reach": [
            {
                "project": f.project.code,
                "name": f.project.name,
                "region_name": f.project.region.name,
                "annual_plan": str(f.annual_plan),
                "completed_ytd": str(f.completed_ytd),
                "required_monthly": str(f.required_monthly),
                "best_month": str(f.best_month),
            }
            for f in cannot
        ],
    }


def _not_started_row(p: Project, on: dt.date) -> dict[str, Any]:
    planned_start = p.planned_start
    assert planned_start is not None  # selected by planned_start__lte
    return {
        "project": p.code,
        "name": p.name,
        "region": p.region_id,
        "region_name": p.region.name,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "planned_start": planned_start.isoformat(),
        "days_late": (on - planned_start).days,
    }


# --- Ranking the agenda's items (issue #14, item 2) --------------------------------------------

RED_HISTORY_MONTHS = 12  # how far back "red for N months running" looks


def _months_back(period: tuple[int, int], n: int) -> list[tuple[int, int]]:
    year, month = period
    out = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((year, month))
    return out


def _red_history(project_ids: list[int], period: tuple[int, int]) -> dict[int, int]:
    """For each red project of `period`: in how many months before it, running back without a
    gap, it was red too (0: newly red). One query."""
    if not project_ids:
        return {}
    earlier = _months_back(period, RED_HISTORY_MONTHS)
    in_months = Q()
    for year, month in earlier:
        in_months |= Q(year=year, month=month)
    red = set(
        ProjectStatus.objects.filter(in_months, project_id__in=project_ids, colour=Colour.RED)
        .values_list("project_id", "year", "month")
        .order_by()
    )
    runs = {}
    for pid in project_ids:
        n = 0
        for year, month in earlier:
            if (pid, year, month) not in red:
                break
            n += 1
        runs[pid] = n
    return runs


def _colour_row(s: ProjectStatus, red_before: int) -> dict[str, Any]:
    """An agenda row of a red or yellow project with what ranks it: the investment at risk
    (万元: what the time progress asks for by now and is not done, `annual_plan × time_progress
    − completed_ytd`, never below 0) and the months behind (`(time_progress − investment_rate)
    × 12`: a month's time progress is 1/12 of the year), their product the risk score."""
    rate, progress, plan = s.investment_rate, s.time_progress, s.annual_plan
    at_risk = Decimal("0")
    if plan is not None and progress is not None:
        at_risk = max(Decimal("0"), plan * progress - (s.completed_ytd or Decimal("0")))
    behind = Decimal("0")
    if rate is not None and progress is not None:
        behind = max(Decimal("0"), (progress - rate) * 12)
    red = s.colour == Colour.RED
    return {
        "project": s.project.code,
        "name": s.project.name,
        "region": s.project.region_id,
        "region_name": s.project.region.name,
        "colour": s.colour,
        "colour_label": str(Colour(s.colour).label),
        "reason": s.reason,
        "investment_rate": float(rate) if rate is not None else None,
        "time_progress": float(progress) if progress is not None else None,
        "section": ("red_running" if red_before else "newly_red") if red else "yellow",
        "red_months": red_before + 1 if red else 0,
        "at_risk": str(at_risk.quantize(Decimal("0.01"))),
        "months_behind": float(behind.quantize(Decimal("0.1"))),
        "risk_score": float((at_risk * behind).quantize(Decimal("0.01"))),
    }


SECTION_ORDER = {"newly_red": 0, "red_running": 1, "yellow": 2}


def rank_colour_projects(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newly red first, then red for most months running, then yellow; within each, the
    largest risk score (investment at risk × months behind) first; ties by district and code."""
    return sorted(
        rows,
        key=lambda r: (
            SECTION_ORDER[r["section"]],
            -r["red_months"],
            -r["risk_score"],
            r["region"],
            r["project"],
        ),
    )


def meeting_agenda(meeting: Meeting, *, user=None) -> dict:
    """The stored agenda of a meeting: its draft (generated when the meeting was made or last
    refreshed, `meetings.services.meeting_refresh_agenda`) or, once frozen, the record (定稿);
    a meeting without one (made before drafts were kept) gets the live one. The stored copy is
    served whole to those who may see the meeting (it covers the meeting's region); only the
    decisions taken at the meeting, records of their own, are read live."""
    if meeting.agenda is not None:
        frozen = meeting.agenda_frozen_at
        decided = _issues(None, meeting.region).filter(meeting=meeting).order_by("pk")
        return {
            **meeting.agenda,
            "decisions": [issue_row(i, meeting.date) for i in decided],
            "frozen_at": frozen.isoformat() if frozen is not None else None,
        }
    return {**build_agenda(meeting, user=user), "frozen_at": None}


def build_agenda(meeting: Meeting, *, user=None) -> dict:
    region = meeting.region
    on = meeting.date
    period = latest_period(region, on)

    colour_projects = []
    if period is not None:
        statuses = (
            _scoped(
                user,
                ProjectStatus.objects.filter(
                    _in_region(region, "project__region__code", "project__town__code"),
                    year=period[0],
                    month=period[1],
                    colour__in=AGENDA_COLOURS,
                    project__created_at__lt=_end_of(on),
                ).exclude(project__stage=Stage.WITHDRAWN),
            )
            .select_related("project__region")
            .order_by(
                Case(
                    When(colour=Colour.RED, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
                "project__region_id",
                "project__code",
            )
        )
        rows = list(statuses)
        history = _red_history([s.project_id for s in rows if s.colour == Colour.RED], period)
        colour_projects = rank_colour_projects(
            [_colour_row(s, history.get(s.project_id, 0)) for s in rows]
        )

    issues = _issues(user, region)
    overdue = sorted(  # the longest overdue first
        issues.overdue(on).filter(raised_at__lt=_end_of(on)).order_by("deadline", "pk"),
        key=lambda i: -(_days_overdue(i, on) or 0),
    )

    previous = previous_meeting(meeting)
    since = previous.date if previous else on - dt.timedelta(days=NEW_ISSUE_WINDOW_DAYS)
    new_issues = issues.filter(
        raised_at__gte=_end_of(since), raised_at__lt=_end_of(on), meeting__isnull=True
    ).order_by("raised_at", "pk")

    carried = (
        issues.filter(meeting__isnull=False, meeting__date__lt=on)
        .exclude(meeting=meeting)
        .exclude(status=IssueStatus.CLOSED)
        .order_by("meeting__date", "pk")
    )
    decided_here = issues.filter(meeting=meeting).order_by("pk")

    not_started = (
        _scoped(
            user,
            Project.objects.filter(
                _in_region(region, "region__code", "town__code"),
                planned_start__lte=on,
                actual_start__isnull=True,
                created_at__lt=_end_of(on),
            ).exclude(stage__in=[*Stage.started(), Stage.WITHDRAWN]),
        )
        .select_related("region")
        .order_by("planned_start", "code")
    )

    return {
        "meeting": {
            "id": meeting.pk,
            "title": str(meeting),
            "kind": meeting.kind,
            "kind_label": meeting.get_kind_display(),
            "date": on.isoformat(),
            "region": region.code,
            "region_name": region.name,
        },
        "period": f"{period[0]}-{period[1]:02d}" if period else None,
        "generated_at": timezone.now().isoformat(),
        "previous_meeting": (
            {"id": previous.pk, "date": previous.date.isoformat(), "title": str(previous)}
            if previous
            else None
        ),
        "colour_projects": colour_projects,
        "overdue_issues": [issue_row(i, on) for i in overdue],
        "new_issues": [issue_row(i, on) for i in new_issues],
        "not_started": [_not_started_row(p, on) for p in not_started],
        "ranking": district_ranking(region, *period) if period else None,
        "open_letters": [
            letter_agenda_row(letter, on)
            for letter in open_letters(region=region, on=on, user=user)
        ],
        "totals": _totals(user, region, period) if period else None,
        "forecast": _forecast(user, region, period) if period else None,
        "carried_decisions": [issue_row(i, on) for i in carried],
        "decisions": [issue_row(i, on) for i in decided_here],
    }


# --- The agenda as the meeting reads it: sections, top N, appendix, chair's views ------------

TOP_N = 10  # rows of a section in the agenda's body; the full list goes to the appendix
MEETING_MINUTES = {  # how long a meeting of each kind runs (the time budget's total)
    "weekly": 60,
    "biweekly": 90,
    "monthly": 120,
    "quarterly": 150,
    "observation": 180,
}
FIXED_MINUTES = {"ranking": 5, "decisions": 10}  # sections with a time of their own
MIN_MINUTES = 2  # a section that has items gets at least this


@dataclass
class Section:
    """One section of an agenda as shown: its ranked items (whole, for the appendix), the top
    N for the body, its counts per district and its minutes."""

    key: str
    title: str
    kind: str  # "projects", "issues", "not_started", "ranking"
    items: list[dict[str, Any]] = field(default_factory=list)
    minutes: int = 0
    number: str = ""  # 一、二、… (its place among the sections shown)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def top(self) -> list[dict[str, Any]]:
        return self.items[:TOP_N]

    @property
    def more(self) -> int:
        return max(0, self.count - TOP_N)

    @property
    def by_district(self) -> list[dict[str, Any]]:
        """The items grouped by district, in the order districts first appear (the ranking's
        order), each with its count."""
        groups: dict[str, dict[str, Any]] = {}
        for item in self.items:
            code = item.get("region") or ""
            group = groups.setdefault(
                code,
                {"region": code, "region_name": item.get("region_name") or code, "items": []},
            )
            group["items"].append(item)
        return [{**g, "count": len(g["items"])} for g in groups.values()]


SECTIONS: list[tuple[str, Any, str, str]] = [  # key, title, kind, the agenda's list
    ("newly_red", _lazy("新增红色项目"), "projects", "colour_projects"),
    ("red_running", _lazy("连续红色项目"), "projects", "colour_projects"),
    ("yellow", _lazy("黄色项目"), "projects", "colour_projects"),
    ("overdue_issues", _lazy("逾期问题"), "issues", "overdue_issues"),
    ("new_issues", _lazy("新增问题"), "issues", "new_issues"),
    ("not_started", _lazy("应开未开项目"), "not_started", "not_started"),
    ("ranking", _lazy("县市区排名"), "ranking", "ranking"),
    ("carried_decisions", _lazy("前次会议议定事项跟踪"), "issues", "carried_decisions"),
    ("decisions", _lazy("本次会议议定事项"), "issues", "decisions"),
]
RED_SECTIONS = {"newly_red", "red_running", "overdue_issues", "ranking", "decisions"}


def _project_section(row: dict[str, Any]) -> str:
    # An agenda frozen before the ranking existed has no "section": red rows count as newly red.
    if "section" in row:
        return row["section"]
    return "newly_red" if row.get("colour") == Colour.RED else "yellow"


def sections(
    agenda: dict[str, Any], *, only_red: bool = False, district: str | None = None
) -> list[Section]:
    """The agenda's sections in order, each ranked (the lists are stored ranked), with the
    chair's views applied to what is *shown* (the record itself never changes): `only_red` —
    red projects, the overdue issues of red projects, the ranking and this meeting's
    decisions; `district` — the items of one district only. Minutes: `time_budget`."""
    red_codes = {
        p["project"] for p in agenda.get("colour_projects", []) if p.get("colour") == Colour.RED
    }
    out = []
    for key, title, kind, source in SECTIONS:
        if only_red and key not in RED_SECTIONS:
            continue
        if kind == "ranking":
            out.append(Section(key, str(title), kind, []))
            continue
        items = list(agenda.get(source) or [])
        if source == "colour_projects":
            items = [p for p in items if _project_section(p) == key]
        if only_red and kind == "issues" and key != "decisions":
            items = [i for i in items if i.get("project") in red_codes]
        if district:
            items = [i for i in items if (i.get("region") or "").startswith(district)]
        out.append(Section(key, str(title), kind, items))
    time_budget(out, MEETING_MINUTES.get(agenda.get("meeting", {}).get("kind", ""), 60))
    for place, section in enumerate(out):
        section.number = CN_NUMBERS[place] if place < len(CN_NUMBERS) else str(place + 1)
    return out


CN_NUMBERS = "一二三四五六七八九十"


def time_budget(parts: list[Section], total: int) -> None:
    """Shares the meeting's `total` minutes: the ranking and this meeting's decisions their
    fixed minutes, the rest among the other sections by the rows they show in the body (at
    least MIN_MINUTES for a section with items, none for an empty one); whole minutes that
    add up to the total (largest remainders)."""
    rest = total
    for part in parts:
        if part.key in FIXED_MINUTES:
            part.minutes = min(FIXED_MINUTES[part.key], rest)
            rest -= part.minutes
    shared = [p for p in parts if p.key not in FIXED_MINUTES and p.count]
    if not shared:
        return
    floor_total = MIN_MINUTES * len(shared)
    if floor_total >= rest:
        for part in shared:
            part.minutes = rest // len(shared)
        return
    weights = [len(p.top) for p in shared]
    spare = rest - floor_total
    exact = [spare * w / sum(weights) for w in weights]
    whole = [int(x) for x in exact]
    left = spare - sum(whole)
    for i in sorted(range(len(shared)), key=lambda i: exact[i] - whole[i], reverse=True)[:left]:
        whole[i] += 1
    for part, extra in zip(shared, whole, strict=True):
        part.minutes = MIN_MINUTES + extra


def agenda_districts(agenda: dict[str, Any]) -> list[tuple[str, str]]:
    """The districts the agenda's items lie in (code, name), in the ranking's order when the
    agenda has one (轮流汇报: districts report in turn, the ranking's order), else by code."""
    names: dict[str, str] = {}
    for source in ("colour_projects", "not_started"):
        for item in agenda.get(source) or []:
            if item.get("region"):
                names.setdefault(item["region"], item.get("region_name") or item["region"])
    ranking_rows = (agenda.get("ranking") or {}).get("rows") or []
    ordered = [(r["key"], r.get("name") or r["key"]) for r in ranking_rows if r.get("key")]
    seen = {code for code, _ in ordered}
    return ordered + sorted((c, n) for c, n in names.items() if c not in seen)
