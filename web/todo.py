"""我的待办: what is due from the signed-in user, with deadlines in working days
(`supervision.workdays`), gathered from every app in a fixed number of queries:

- reports to enter and submit: this month's reporting (the latest complete month) of the user's
  district while it is neither submitted nor accepted — the window's close and the working days
  left, the projects not yet reported;
- months to review (a reviewer above the districts): the districts' months submitted;
- issues assigned to the user's unit or to the user (not meeting decisions), overdue first;
- meeting decisions due from the user's unit (or the user);
- reminder letters to answer (the district's, not yet replied: for its editors), and, for the
  city's reviewers, replies to verify.

Everything is scoped by `projects.access` like the pages it links to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Q
from django.utils import timezone

from core.periods import Period
from meetings.models import ReminderLetter
from projects import access, cycle
from projects.choices import RegionLevel
from projects.models import MonthStatus, Person, Project, Region, ReportingMonth
from supervision.choices import IssueSource, IssueStatus
from supervision.models import Issue
from supervision.workdays import WorkCalendar, reporting_window

LIMIT = 50  # per section: a longer list is a board, linked from the section


@dataclass
class Due:
    """A deadline in working days: `days` left (0: today), negative when overdue."""

    date: dt.date | None
    days: int | None = None

    @property
    def overdue(self) -> bool:
        return self.days is not None and self.days < 0

    @property
    def late_by(self) -> int:
        return -(self.days or 0)


@dataclass
class Item:
    """An issue, a decision or a letter (`obj`) and its deadline in working days."""

    obj: Any
    due: Due


@dataclass
class ReportTask:
    district: Region
    period: Period
    status: str
    due: Due
    projects: int
    missing: int

    @property
    def status_choice(self) -> MonthStatus:
        return MonthStatus(self.status)


@dataclass
class Tasks:
    today: dt.date
    reports: list[ReportTask] = field(default_factory=list)
    reviews: list[ReportingMonth] = field(default_factory=list)
    issues: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)
    letters: list[Item] = field(default_factory=list)
    to_verify: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.reports)
            + len(self.reviews)
            + len(self.issues)
            + len(self.decisions)
            + len(self.letters)
            + len(self.to_verify)
        )


def _due(calendar: WorkCalendar, today: dt.date, day: dt.date | None) -> Due:
    if day is None:
        return Due(None)
    if day >= today:
        return Due(day, calendar.workdays_between(today, day))
    return Due(day, -calendar.workdays_between(day, today))


def my_tasks(user, *, today: dt.date | None = None) -> Tasks:
    """The user's tasks (see the module). About a dozen queries whatever the data."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    tasks = Tasks(today=today)
    region: Region | None = getattr(user, "region", None)
    period = Period.latest_complete(today)
    if region is not None and region.level == RegionLevel.COUNTY and user.can_edit:
        tasks.reports = _reports(user, region, period, today, calendar)
    if getattr(user, "can_review", False) and (
        user.is_superuser or (region is not None and region.level != RegionLevel.COUNTY)
    ):
        tasks.reviews = list(
            access.scope(user, ReportingMonth.objects.filter(status=MonthStatus.SUBMITTED))
            .exclude(region_id=getattr(region, "code", None))
            .select_related("region")
            .order_by("year", "month", "region__order", "region_id")[:LIMIT]
        )
    person = (
        Person.objects.filter(pk=user.person_id).only("pk", "unit_id").first()
        if getattr(user, "person_id", None)
        else None
    )
    if person is not None:
        mine = Q(assignee_id=person.pk)
        if person.unit_id:
            mine |= Q(assigned_unit_id=person.unit_id)
        running = (
            access.scope(user, Issue.objects.filter(status__in=IssueStatus.running()))
            .filter(mine)
            .select_related("project", "assigned_unit", "meeting")
            .order_by("deadline", "plan_due", "pk")
        )
        for issue in running.exclude(source=IssueSource.MEETING)[:LIMIT]:
            due = _due(calendar, today, issue.deadline or issue.plan_due)
            tasks.issues.append(Item(issue, due))
        for issue in running.filter(source=IssueSource.MEETING)[:LIMIT]:
            due = _due(calendar, today, issue.deadline or issue.plan_due)
            tasks.decisions.append(Item(issue, due))
        # overdue first (most overdue first), then by the working days left; no deadline last
        for items in (tasks.issues, tasks.decisions):
            items.sort(key=lambda i: (i.due.days is None, i.due.days if i.due.days else 0))
    if region is not None and region.level == RegionLevel.COUNTY and user.can_edit:
        for letter in (
            access.scope(user, ReminderLetter.objects.filter(region=region))
            .filter(replied_at__isnull=True)
            .order_by("reply_deadline", "pk")[:LIMIT]
        ):
            tasks.letters.append(Item(letter, _due(calendar, today, letter.reply_deadline)))
    elif getattr(user, "can_review", False):
        tasks.to_verify = list(
            access.scope(user, ReminderLetter.objects.all())
            .filter(replied_at__isnull=False, verified_at__isnull=True)
            .select_related("region")
            .order_by("replied_at", "pk")[:LIMIT]
        )
    return tasks


def _reports(user, district: Region, period: Period, today, calendar) -> list[ReportTask]:
    state = (
        ReportingMonth.objects.filter(region=district, year=period.year, month=period.month)
        .values_list("status", "reopened_until")
        .first()
    )
    status, reopened_until = state or (MonthStatus.OPEN, None)
    if status in (MonthStatus.SUBMITTED, MonthStatus.ACCEPTED):
        return []
    window = reporting_window(period.year, period.month, calendar)
    closes = max(window.closes, reopened_until) if reopened_until else window.closes
    counts = (
        access.scope(user, Project.objects.active())
        .filter(region=district)
        .filter(cycle.due_q(period.year, period.month))
        .annotate(has=Exists(cycle.reported_in(period.year, period.month)))
        .aggregate(
            n=Count("pk"),
            missing=Count("pk", filter=Q(has=False)),
        )
    )
    return [
        ReportTask(
            district=district,
            period=period,
            status=status,
            due=_due(calendar, today, closes),
            projects=counts["n"] or 0,
            missing=counts["missing"] or 0,
        )
    ]
