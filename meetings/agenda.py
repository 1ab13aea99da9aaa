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
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from assessment.choices import Colour
from assessment.models import ProjectStatus
from assessment.rankings import ranking
from projects import access
from projects.choices import RegionLevel, Stage
from projects.models import Project, Region
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


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def latest_period(region: Region, on: dt.date) -> tuple[int, int] | None:
    """The period (year, month) of a meeting on `on`: the latest month with colours in
    `region` whose reporting window closed before `on` — never the meeting's own month, nor a
    month still being reported."""
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
        if reporting_closes(year, month, calendar) < on:
            return year, month
    return None


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
        "meeting": issue.meeting_id,
        "meeting_date": issue.meeting.date.isoformat() if issue.meeting else None,
    }


def _issues(user: access.Viewer | None, region: Region) -> IssueQuerySet:
    return _scoped(
        user,
        Issue.objects.filter(_in_region(region, "project__region__code", "project__town__code")),
    ).select_related("project", "assigned_unit", "meeting")


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


def meeting_agenda(meeting: Meeting, *, user=None) -> dict:
    """The frozen agenda of a meeting (定稿) if there is one, else the live one. A frozen copy
    is served whole to those who may see the meeting (it covers the meeting's region); only
    the decisions taken at the meeting, records of their own, are read live."""
    if meeting.agenda is not None:
        assert meeting.agenda_frozen_at is not None  # frozen together (meeting_freeze_agenda)
        decided = _issues(None, meeting.region).filter(meeting=meeting).order_by("pk")
        return {
            **meeting.agenda,
            "decisions": [issue_row(i, meeting.date) for i in decided],
            "frozen_at": meeting.agenda_frozen_at.isoformat(),
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
        colour_projects = [
            {
                "project": s.project.code,
                "name": s.project.name,
                "region": s.project.region_id,
                "region_name": s.project.region.name,
                "colour": s.colour,
                "colour_label": str(Colour(s.colour).label),
                "reason": s.reason,
                "investment_rate": float(s.investment_rate)
                if s.investment_rate is not None
                else None,
                "time_progress": float(s.time_progress) if s.time_progress is not None else None,
            }
            for s in statuses
        ]

    issues = _issues(user, region)
    overdue = issues.overdue(on).filter(raised_at__lt=_end_of(on)).order_by("deadline", "pk")

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
        "carried_decisions": [issue_row(i, on) for i in carried],
        "decisions": [issue_row(i, on) for i in decided_here],
    }
