"""The monthly reporting cycle's services and completeness (DOMAIN.md "The monthly reporting
cycle"): a district submits its month, the city accepts it or returns it (退回修改), and may
reopen it with a reason. The state is `projects.models.ReportingMonth` (the ledger, so that the
measures can read it); the rules of an entry are `projects.cycle`'s; the window is
`supervision.workdays.reporting_window`.

Who may: a district's editors (`can_edit`, scope covering the district) submit; a reviewer
(`can_review`) of a region *above* the district (the city's 重点项目办) accepts, returns and
reopens. A superuser may do everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from core.services import acting_user, set_history_user
from projects import access, cycle
from projects.choices import RegionLevel
from projects.models import (
    MonthlyReport,
    MonthStatus,
    Project,
    Region,
    ReportingGap,
    ReportingMonth,
    ReportingRule,
)

from . import events
from .workdays import WorkCalendar, reporting_window


def _may_submit(actor: access.Viewer | None, district: Region) -> bool:
    if actor is None:
        return True
    return bool(getattr(actor, "can_edit", False)) and access.covers(actor, district.code)


def may_review(actor: access.Viewer | None, district: Region) -> bool:
    """A reviewer of a region above the district (or a superuser, or the system)."""
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    region = getattr(actor, "region", None)
    return (
        bool(getattr(actor, "can_review", False))
        and region is not None
        and region.code != district.code
        and access.covers(actor, district.code)
    )


def _month_for_update(district: Region, period: Period) -> ReportingMonth:
    if district.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("只有县市区按月报送。")})
    row, _created = ReportingMonth.objects.select_for_update().get_or_create(
        region=district, year=period.year, month=period.month
    )
    return row


def _save(row: ReportingMonth, actor: access.Viewer | None) -> ReportingMonth:
    row.full_clean()
    row.version += 1
    set_history_user(row, actor)
    row.save()
    return row


@transaction.atomic
def month_submit(
    *,
    district: Region,
    period: Period,
    actor: access.Viewer | None,
    gaps: dict[int, str] | None = None,
    note: str = "",
) -> ReportingMonth:
    """报送: every project due for the month has a report, or a reason in `gaps`
    (project id → reason). Refused if already submitted or accepted."""
    if not _may_submit(actor, district):
        raise PermissionDenied(_("无权报送该县市区的月报。"))
    row = _month_for_update(district, period)
    if row.status in (MonthStatus.SUBMITTED, MonthStatus.ACCEPTED):
        raise ValidationError({"status": _("本月已报送，不能重复报送。")})
    gaps = {pid: reason.strip() for pid, reason in (gaps or {}).items() if reason.strip()}
    missing = list(
        Project.objects.active()
        .filter(region=district)
        .filter(cycle.due_q(period.year, period.month))
        .exclude(Exists(cycle.reported_in(period.year, period.month)))
        .order_by("code")
        .values_list("pk", "code")
    )
    unexplained = [code for pk, code in missing if pk not in gaps]
    if unexplained:
        raise ValidationError(
            {
                "gaps": _("以下项目本月未填报，请填报或说明原因：%(codes)s")
                % {"codes": "、".join(unexplained)}
            }
        )
    for pk, _code in missing:
        gap = ReportingGap.objects.filter(reporting_month=row, project_id=pk).first()
        gap = gap or ReportingGap(reporting_month=row, project_id=pk)
        gap.reason = gaps[pk]
        gap.full_clean()
        set_history_user(gap, actor)
        gap.save()
    row.status = MonthStatus.SUBMITTED
    row.note = note
    row.submitted_at = timezone.now()
    row.submitted_by = acting_user(actor)
    return _save(row, actor)


@transaction.atomic
def month_accept(
    *, district: Region, period: Period, actor: access.Viewer | None, note: str = ""
) -> ReportingMonth:
    """审核通过: the month is locked (a change is then a correction with a reason)."""
    if not may_review(actor, district):
        raise PermissionDenied(_("只有市重点项目办的审核人可以审核月报。"))
    row = _month_for_update(district, period)
    if row.status != MonthStatus.SUBMITTED:
        raise ValidationError({"status": _("只有已报送的月报可以审核通过。")})
    row.status = MonthStatus.ACCEPTED
    row.note = note
    row.reviewed_at = timezone.now()
    row.reviewed_by = acting_user(actor)
    row = _save(row, actor)
    events.notify_month_reviewed(row, district, period)
    return row


@transaction.atomic
def month_return(
    *, district: Region, period: Period, actor: access.Viewer | None, note: str
) -> ReportingMonth:
    """退回修改, with the city's note: the district may enter again, then submit again."""
    if not may_review(actor, district):
        raise PermissionDenied(_("只有市重点项目办的审核人可以退回月报。"))
    if not note.strip():
        raise ValidationError({"note": _("退回须填写修改意见。")})
    row = _month_for_update(district, period)
    if row.status != MonthStatus.SUBMITTED:
        raise ValidationError({"status": _("只有已报送的月报可以退回。")})
    row.status = MonthStatus.RETURNED
    row.note = note.strip()
    row.reviewed_at = timezone.now()
    row.reviewed_by = acting_user(actor)
    row = _save(row, actor)
    events.notify_month_reviewed(row, district, period)
    return row


@transaction.atomic
def month_reopen(
    *,
    district: Region,
    period: Period,
    actor: access.Viewer | None,
    reason: str,
    until: dt.date | None = None,
) -> ReportingMonth:
    """重新开放: the district enters again, on time until `until` (default: the rule's
    `reopen_workdays` working days from today); an accepted month is unlocked."""
    if not may_review(actor, district):
        raise PermissionDenied(_("只有市重点项目办的审核人可以重新开放月报。"))
    if not reason.strip():
        raise ValidationError({"reopen_reason": _("重新开放须填写原因。")})
    row = _month_for_update(district, period)
    today = timezone.localdate()
    if until is None:
        until = (
            WorkCalendar.load().add_workdays(today, ReportingRule.current().reopen_workdays).date
        )
    if until < today:
        raise ValidationError({"reopened_until": _("重新开放的截止日期不能早于今天。")})
    row.status = MonthStatus.OPEN
    row.reopened_until = until
    row.reopen_reason = reason.strip()
    row.reopened_at = timezone.now()
    row.reopened_by = acting_user(actor)
    return _save(row, actor)


# --- Completeness (填报率) --------------------------------------------------------------------


@dataclass
class DistrictCompleteness:
    region: Region
    projects: int = 0
    reported: int = 0
    late: int = 0
    status: str = MonthStatus.OPEN
    month: ReportingMonth | None = None
    missing: list[Project] = field(default_factory=list)

    @property
    def not_reported(self) -> int:
        return self.projects - self.reported

    @property
    def reporting_rate(self) -> Decimal | None:
        if not self.projects:
            return None
        return Decimal(self.reported) / Decimal(self.projects)

    @property
    def status_choice(self) -> MonthStatus:
        return MonthStatus(self.status)


@dataclass
class Completeness:
    period: Period
    opens: dt.date
    closes: dt.date
    rows: list[DistrictCompleteness]

    def _sum(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)

    @property
    def projects(self) -> int:
        return self._sum("projects")

    @property
    def reported(self) -> int:
        return self._sum("reported")

    @property
    def late(self) -> int:
        return self._sum("late")

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def submitted(self) -> int:
        return self.count(MonthStatus.SUBMITTED)

    @property
    def returned(self) -> int:
        return self.count(MonthStatus.RETURNED)

    @property
    def accepted(self) -> int:
        return self.count(MonthStatus.ACCEPTED)

    @property
    def reporting_rate(self) -> Decimal | None:
        if not self.projects:
            return None
        return Decimal(self.reported) / Decimal(self.projects)


def completeness(
    *,
    user: access.Viewer,
    period: Period,
    region: Region | None = None,
    with_missing: bool = True,
) -> Completeness:
    """The month's completeness per district in the user's scope (within `region` if given):
    projects due, reported, late, the month's state and (`with_missing`) the projects not
    reported. Nine queries whatever the number of districts and projects (the window: its
    override row, the rule, the calendar's two; the districts, the due and the reported
    counts, the states, the missing projects); eight without the missing projects (the
    overview's figure)."""
    window = reporting_window(period.year, period.month)
    districts = access.scope(user, Region.objects.filter(level=RegionLevel.COUNTY))
    if region is not None:
        districts = districts.filter(code__startswith=region.prefix)
    rows = {d.code: DistrictCompleteness(region=d) for d in districts.order_by("order", "code")}
    due = (
        access.scope(user, Project.objects.active())
        .filter(region_id__in=list(rows))
        .filter(cycle.due_q(period.year, period.month))
    )
    report = MonthlyReport.objects.filter(
        project_id=OuterRef("pk"), year=period.year, month=period.month
    )
    for due_count in due.values("region_id").annotate(n=Count("pk")).order_by():
        rows[due_count["region_id"]].projects = due_count["n"]
    # Every active project with a report of the month is due (`cycle.due_q`): the reported and
    # late ones are the month's reports of the active projects in scope — one grouped join
    # over the month's reports instead of a lookup per project (0.9 s → 0.2 s at 100,000).
    reported = (
        MonthlyReport.objects.filter(
            year=period.year,
            month=period.month,
            project__in=access.scope(user, Project.objects.active()).filter(
                region_id__in=list(rows)
            ),
        )
        .values(region=F("project__region_id"))
        .annotate(reported=Count("pk"), late=Count("pk", filter=Q(late=True)))
        .order_by()
    )
    for c in reported:
        row = rows[c["region"]]
        row.reported, row.late = c["reported"], c["late"]
    for state in ReportingMonth.objects.filter(
        region_id__in=list(rows), year=period.year, month=period.month
    ):
        rows[state.region_id].status, rows[state.region_id].month = state.status, state
    if with_missing:
        for project in due.exclude(Exists(report)).order_by("code"):
            rows[project.region_id].missing.append(project)
    return Completeness(period, window.opens, window.closes, list(rows.values()))
