"""The issue list as .xlsx (`?export=xlsx` on the issues page, same filters): the 交办单 /
时效清单 the supervision office files — every issue with its project, responsible unit and
person, the dates of its loop and its working-day deadline, how many working days it is
overdue (the calendar of `supervision.workdays`), and a 合计 row."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.formatting import cndate
from core.xlsx import DATE_FORMAT, Column, ListSheet, response

from .workdays import WorkCalendar

DUE_SOON_WORKDAYS = 3


def _date(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def issue_list_xlsx(issues, *, filters: list[str], today: dt.date | None = None) -> FileResponse:
    """`issues` comes from the issues page (scoped by `supervision.selectors.issue_list`, with
    `is_overdue`, filtered, in the page's order)."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    columns = [
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 30),
        Column(_("所属区域"), 10),
        Column(_("问题"), 36),
        Column(_("问题类别"), 10),
        Column(_("难易程度"), 8),
        Column(_("状态"), 8),
        Column(_("责任单位"), 18),
        Column(_("责任人"), 10),
        Column(_("收集日期"), 11, DATE_FORMAT),
        Column(_("交办日期"), 11, DATE_FORMAT),
        Column(_("办结时限"), 11, DATE_FORMAT),
        Column(_("超期（工作日）"), 9, "0"),
        Column(_("办结日期"), 11, DATE_FORMAT),
        Column(_("来源"), 10),
    ]
    title = " · ".join([_("问题清单（交办单）"), _("截至 %(d)s") % {"d": cndate(today)}, *filters])
    workbook = Workbook(write_only=True)
    sheet = ListSheet(workbook, name=_("问题清单"), title=title, columns=columns, frozen=3)
    overdue = 0
    for issue in issues.iterator(chunk_size=1000):
        late = None
        if issue.is_overdue and issue.deadline is not None:
            late = calendar.workdays_between(issue.deadline, today)
            overdue += 1
        sheet.append(
            [
                sheet.count + 1,
                issue.project.code,
                issue.project.name,
                issue.project.region.name,
                issue.title,
                issue.get_category_display(),
                issue.get_difficulty_display(),
                issue.get_status_display(),
                issue.assigned_unit.name if issue.assigned_unit_id else "",
                issue.assignee.name if issue.assignee_id else "",
                _date(issue.raised_at),
                issue.assigned_on,
                issue.deadline,
                late,
                _date(issue.resolved_at),
                issue.get_source_display(),
            ]
        )
    total: list = [None] * len(columns)
    total[1] = _("合计")
    total[2] = _("%(n)s 个问题，逾期 %(o)s 个") % {"n": sheet.count, "o": overdue}
    sheet.total(total)
    return response(workbook, f"{_('问题清单')}-{today:%Y%m%d}.xlsx")


def deadline_list_xlsx(
    issues, *, title: str, name: str, decisions_only: bool, today: dt.date | None = None
) -> FileResponse:
    """任务清单 (the meetings' decisions, 议定事项) and 时效清单 (every open issue and decision
    against its deadline): the task, where it came from (the meeting or the issue's source),
    the unit and person, the deadline with its working days — left (positive) or overdue
    (negative), on `supervision.workdays`' calendar — and 超期 / 临期 (3 working days or fewer)
    / 正常; the 合计 row counts them and the overdue ones. `issues` are scoped by the caller,
    in deadline order."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    columns = [
        Column(_("序号"), 6, "0"),
        Column(_("来源"), 22),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 28),
        Column(_("所属区域"), 10),
        Column(_("事项"), 36),
        Column(_("责任单位"), 18),
        Column(_("责任人"), 10),
        Column(_("状态"), 8),
        Column(_("交办日期"), 11, DATE_FORMAT),
        Column(_("办结时限"), 11, DATE_FORMAT),
        Column(_("剩余工作日"), 9, "0"),
        Column(_("时效"), 8),
        Column(_("办结日期"), 11, DATE_FORMAT),
    ]
    workbook = Workbook(write_only=True)
    sheet = ListSheet(workbook, name=name, title=title, columns=columns, frozen=3)
    overdue = due_soon = 0
    for issue in issues.iterator(chunk_size=1000):
        left = state = None
        if issue.deadline is not None and issue.resolved_at is None:
            if issue.deadline >= today:
                left = calendar.workdays_between(today, issue.deadline)
            else:
                left = -calendar.workdays_between(issue.deadline, today)
            if left < 0 or issue.is_overdue:
                state = _("超期")
                overdue += 1
            elif left <= DUE_SOON_WORKDAYS:
                state = _("临期")
                due_soon += 1
            else:
                state = _("正常")
        source = (
            _("%(m)s议定") % {"m": issue.meeting}
            if issue.meeting_id
            else issue.get_source_display()
        )
        sheet.append(
            [
                sheet.count + 1,
                source,
                issue.project.code,
                issue.project.name,
                issue.project.region.name,
                issue.title,
                issue.assigned_unit.name if issue.assigned_unit_id else "",
                issue.assignee.name if issue.assignee_id else "",
                issue.get_status_display(),
                issue.assigned_on,
                issue.deadline,
                left,
                state or "",
                _date(issue.resolved_at),
            ]
        )
    total: list = [None] * len(columns)
    total[1] = _("合计")
    what = _("议定事项") if decisions_only else _("事项")
    total[2] = _("%(n)s 项%(w)s，超期 %(o)s 项，临期 %(s)s 项") % {
        "n": sheet.count,
        "w": what,
        "o": overdue,
        "s": due_soon,
    }
    sheet.total(total)
    return response(workbook, f"{name}-{today:%Y%m%d}.xlsx")
