"""The reporting cycle's rules at entry (called by `report_create` / `report_update`).

- A month a district has **submitted** (awaiting review) is closed to its entries until the city
  returns or accepts it.
- A month the city has **accepted** is locked: a change is a *correction* and needs a reason
  (stored on the report, kept in its history, shown on the project page and the bulletin).
- A report first entered after the month's window closed is marked **late** — unless the city
  reopened the month and the entry is on or before the reopened date.

The window's close date needs the working-day calendar (`supervision.workdays`), which lies
above the ledger: the supervision app registers it here when it is ready
(`projects.windows.set_window_closes`), the way the apps register their scoping paths;
`projects.E002` refuses to start without it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Stage
from .models import MonthlyReport, MonthStatus, Project, ProjectYear, ReportingMonth
from .windows import closes


@dataclass(frozen=True)
class Entry:
    late: bool
    correction: bool


def district_month(project: Project, year: int, month: int) -> ReportingMonth | None:
    rows = ReportingMonth.objects.filter(region_id=project.region_id, year=year, month=month)
    return rows.first()


def check_entry(
    *,
    project: Project,
    year: int,
    month: int,
    correction_reason: str = "",
    today: dt.date | None = None,
) -> Entry:
    """What an entry (a new report or a change) for the month is: refused (ValidationError),
    late, a correction. Called inside the saving transaction."""
    today = today or timezone.localdate()
    state = district_month(project, year, month)
    if state is not None and state.status == MonthStatus.SUBMITTED:
        raise ValidationError(
            {
                "completed_investment": _(
                    "本月已报送，等待市重点项目办审核，暂不能修改；如需修改请联系退回。"
                )
            }
        )
    correction = state is not None and state.status == MonthStatus.ACCEPTED
    if correction and not correction_reason.strip():
        raise ValidationError({"correction_reason": _("本月已审核通过，更正须填写更正原因。")})
    if state is not None and state.reopened_until is not None and today <= state.reopened_until:
        late = False
    else:
        late = today > closes(year, month)
    return Entry(late=late, correction=correction)


def due_q(year: int, month: int) -> Q:
    """The projects due to report for the month (with `Project.objects.active()`): under
    construction, planned for the year, or already reported — the monthly sheet's rows, the
    completeness page's denominator and the project list's `?reported=` filter alike."""
    planned = ProjectYear.objects.filter(project_id=OuterRef("pk"), year=year, annual_plan__gt=0)
    return Q(stage=Stage.CONSTRUCTION) | Exists(planned) | Exists(reported_in(year, month))


def reported_in(year: int, month: int) -> QuerySet[MonthlyReport]:
    """The month's report of the outer project (`Exists(...)`)."""
    return MonthlyReport.objects.filter(project_id=OuterRef("pk"), year=year, month=month)
