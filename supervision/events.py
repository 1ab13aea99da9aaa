"""The events of the monthly reporting cycle and the helpers other apps use to address theirs.

Every message goes through `notifications.notify()` (one mechanism, whatever the channel) with a
stable event key, so a job run twice, or a service retried, notifies each recipient once:

- ``reporting.open:{period}:{district}`` — on the window's open day, to the district's officials;
- ``reporting.closing:{period}:{district}`` — the working day before the close, to the officials
  of a district that has not submitted;
- ``reporting.missing:{period}:{district}`` — 催报, after the close, to the officials of a district
  with projects not reported (and not submitted with reasons) and to each missing project's chain
  工作人员 (chain role ``staff``), with the count and a link to the sheet filtered to the missing
  projects;
- ``reporting.returned|accepted:{district}:{period}:{version}`` — the city's review of a month;
- ``issue.due_soon:{issue}:{deadline}`` — an issue due by the next working day, to its assignee
  and the project's chain (`notify_issues_due_soon`, daily with the reminders).

"The district's officials" are the active logins whose region is the district and whose role is
经办人 or 审核人 (`district_officials`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from projects import cycle
from projects.choices import RegionLevel, Role
from projects.models import (
    MonthStatus,
    Person,
    Project,
    Region,
    ReportingMonth,
    User,
)

from .choices import IssueStatus
from .models import Issue
from .notifications import Pending, chain_of, chain_people_of, notify, notify_many
from .workdays import WorkCalendar, reporting_window

OFFICIAL_ROLES = (Role.OFFICIAL, Role.REVIEWER)
STAFF_ROLE = "staff"  # the chain's 工作人员 (projects/migrations/0002_reference_data.py)
DONE = (MonthStatus.SUBMITTED, MonthStatus.ACCEPTED)


def district_officials(codes: Iterable[str]) -> dict[str, list[User]]:
    """The officials (经办人, 审核人) of each district, in one query: code → users."""
    result: dict[str, list[User]] = defaultdict(list)
    users = User.objects.filter(
        region_id__in=list(codes), role__in=OFFICIAL_ROLES, is_active=True
    ).order_by("pk")
    for user in users:
        if user.region_id:
            result[user.region_id].append(user)
    return result


def sheet_link(district_code: str, period: Period, *, missing: bool = False) -> str:
    url = reverse(
        "projects:reporting_form", kwargs={"region": district_code, "period": str(period)}
    )
    return f"{url}?missing=1" if missing else url


def completeness_link(period: Period) -> str:
    return f"{reverse('supervision:reporting_completeness')}?period={period}"


# --- The city's review ----------------------------------------------------------------------


def notify_month_reviewed(row: ReportingMonth, district: Region, period: Period) -> None:
    """`reporting.accepted` / `reporting.returned` to the district's officials (on the
    service's transaction: the rows exist exactly when the review does)."""
    accepted = row.status == MonthStatus.ACCEPTED
    kind = "reporting.accepted" if accepted else "reporting.returned"
    if accepted:
        text = _("【月报已通过】%(d)s %(p)s 月报已审核通过。") % {
            "d": district.name,
            "p": period.month_label,
        }
        link = completeness_link(period)
    else:
        text = _("【月报退回】%(d)s %(p)s 月报被退回修改：%(note)s") % {
            "d": district.name,
            "p": period.month_label,
            "note": row.note,
        }
        link = sheet_link(district.code, period)
    notify(
        event=f"{kind}:{district.code}:{period}:{row.version}",
        text=text,
        region=district,
        link=link,
        users=district_officials([district.code]).get(district.code, []),
    )


# --- The daily reminder job -----------------------------------------------------------------


@dataclass
class ReminderResult:
    opened: int = 0
    closing: int = 0
    missing: int = 0

    @property
    def notifications(self) -> int:
        return self.opened + self.closing + self.missing


def _missing_by_district(period: Period) -> dict[str, list[Project]]:
    """The active projects due for the month without a report, per district (one query)."""
    result: dict[str, list[Project]] = defaultdict(list)
    missing = (
        Project.objects.active()
        .filter(region__level=RegionLevel.COUNTY)
        .filter(cycle.due_q(period.year, period.month))
        .exclude(Exists(cycle.reported_in(period.year, period.month)))
        .order_by("region_id", "code")
        .only("pk", "code", "name", "region_id")
    )
    for project in missing:
        result[project.region_id].append(project)
    return result


def _periods(today: dt.date) -> list[Period]:
    """The months whose window may concern `today`: last month, and the one before (a window
    moved by the admin may run late)."""
    latest = Period.latest_complete(today)
    return [latest.previous(), latest]


@transaction.atomic
def send_reporting_reminders(*, today: dt.date | None = None) -> ReminderResult:
    """The daily job (08:30): for each month whose window concerns `today`, the open, closing
    and missing (催报) messages. Idempotent: every message has its event key."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    result = ReminderResult()
    districts = {d.code: d for d in Region.objects.filter(level=RegionLevel.COUNTY)}
    officials = district_officials(districts)
    for period in _periods(today):
        window = reporting_window(period.year, period.month, calendar)
        closing_day = calendar.is_workday(today) and (
            calendar.add_workdays(today, 1).date == window.closes
        )
        is_missing_day = today > window.closes and period == Period.latest_complete(today)
        if today != window.opens and not closing_day and not is_missing_day:
            continue
        states = dict(
            ReportingMonth.objects.filter(year=period.year, month=period.month).values_list(
                "region_id", "status"
            )
        )
        if today == window.opens:
            result.opened += _send_open(period, window.closes, districts, officials)
        pending = [code for code in districts if states.get(code) not in DONE]
        if closing_day:
            result.closing += _send_closing(period, window.closes, districts, officials, pending)
        if is_missing_day:
            result.missing += _send_missing(period, window.closes, districts, officials, pending)
    return result


def _send_open(period, closes, districts, officials) -> int:
    sent = 0
    for code, district in districts.items():
        sent += len(
            notify(
                event=f"reporting.open:{period}:{code}",
                text=_("【月报开始填报】%(p)s 月报今日开始填报，截止 %(c)s。")
                % {"p": period.month_label, "c": f"{closes:%Y-%m-%d}"},
                region=district,
                link=sheet_link(code, period),
                users=officials.get(code, []),
            )
        )
    return sent


def _send_closing(period, closes, districts, officials, pending) -> int:
    missing = _missing_by_district(period)
    sent = 0
    for code in pending:
        count = len(missing.get(code, []))
        sent += len(
            notify(
                event=f"reporting.closing:{period}:{code}",
                text=_(
                    "【月报明日截止】%(d)s %(p)s 月报将于 %(c)s 截止，尚有 %(n)s 个项目未填报，"
                    "填报完成后请报送。"
                )
                % {
                    "d": districts[code].name,
                    "p": period.month_label,
                    "c": f"{closes:%Y-%m-%d}",
                    "n": count,
                },
                region=districts[code],
                link=sheet_link(code, period, missing=bool(count)),
                users=officials.get(code, []),
            )
        )
    return sent


def _send_missing(period, closes, districts, officials, pending) -> int:
    missing = _missing_by_district(period)
    late = [code for code in pending if missing.get(code)]
    staff = chain_of([p.pk for code in late for p in missing[code]], role=STAFF_ROLE)
    sent = 0
    for code in late:
        projects = missing[code]
        link = sheet_link(code, period, missing=True)
        event = f"reporting.missing:{period}:{code}"
        sent += len(
            notify(
                event=event,
                text=_(
                    "【催报】%(d)s %(p)s 月报已于 %(c)s 截止，仍有 %(n)s 个项目未填报，请尽快填报。"
                )
                % {
                    "d": districts[code].name,
                    "p": period.month_label,
                    "c": f"{closes:%Y-%m-%d}",
                    "n": len(projects),
                },
                region=districts[code],
                link=link,
                users=officials.get(code, []),
            )
        )
        mine: dict[int, list[Project]] = defaultdict(list)
        people: dict[int, Person] = {}
        for project in projects:
            for person in staff.get(project.pk, []):
                people[person.pk] = person
                mine[person.pk].append(project)
        for person_id, own in mine.items():
            sent += len(
                notify(
                    event=f"{event}:staff",
                    text=_("【催报】%(p)s 月报已截止，您负责的 %(n)s 个项目未填报：%(codes)s。")
                    % {
                        "p": period.month_label,
                        "n": len(own),
                        "codes": "、".join(p.code for p in own[:10])
                        + ("…" if len(own) > 10 else ""),
                    },
                    region=districts[code],
                    link=link,
                    people=[people[person_id]],
                )
            )
    return sent


# --- Issues due in one working day ----------------------------------------------------------


@transaction.atomic
def notify_issues_due_soon(*, today: dt.date | None = None) -> int:
    """`issue.due_soon`: the running issues whose deadline (or, before a plan is in, whose plan's
    deadline) falls after today and no later than the next working day — told to the assignee and
    the project's chain (as the overdue job does), once per issue and deadline. Returns the
    number of notifications created. A few queries whatever the number of issues."""
    today = today or timezone.localdate()
    next_workday = WorkCalendar.load().add_workdays(today, 1).date
    due = (
        Issue.objects.filter(status__in=IssueStatus.running())
        .filter(
            Q(deadline__gt=today, deadline__lte=next_workday)
            | Q(
                deadline__isnull=True,
                plan_submitted_at__isnull=True,
                plan_due__gt=today,
                plan_due__lte=next_workday,
            )
        )
        .select_related("project", "assignee")
        .order_by("pk")
    )
    issues = list(due)
    chains = chain_people_of(issues)
    pending = []
    for issue in issues:
        day = issue.deadline or issue.plan_due
        assert day is not None
        pending.append(
            Pending(
                event=f"issue.due_soon:{issue.pk}:{day.isoformat()}",
                text=_("【即将到期】%(code)s %(name)s：问题“%(title)s”的%(what)s为 %(d)s。")
                % {
                    "code": issue.project.code,
                    "name": issue.project.name,
                    "title": issue.title,
                    "what": _("办结时限") if issue.deadline else _("办理方案报送时限"),
                    "d": f"{day:%Y-%m-%d}",
                },
                issue=issue,
                people=chains[issue.pk],
            )
        )
    return notify_many(pending)
