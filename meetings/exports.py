"""A meeting's agenda as .xlsx (`?export=xlsx` on the meeting page): one sheet per section of
the agenda the page shows (the frozen copy once there is one, `agenda.meeting_agenda`), each a
`core.xlsx.ListSheet` — title (meeting, region, data month, frozen or not), header, rows, a 合计
row — so the secretary files the same agenda the meeting discussed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook

from core.xlsx import DATE_FORMAT, MONEY_FORMAT, RATE_FORMAT, Column, ListSheet, response


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def _money(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _issue_columns() -> list[Column]:
    return [
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 30),
        Column(_("问题 / 事项"), 36),
        Column(_("类别"), 10),
        Column(_("状态"), 8),
        Column(_("责任单位"), 18),
        Column(_("收集日期"), 11, DATE_FORMAT),
        Column(_("办结时限"), 11, DATE_FORMAT),
        Column(_("是否逾期"), 8),
    ]


def _issue_values(n: int, row: dict) -> list[Any]:
    return [
        n,
        row.get("project"),
        row.get("project_name"),
        row.get("title"),
        row.get("category_label"),
        row.get("status_label"),
        row.get("assigned_unit") or "",
        _day(row.get("raised_at")),
        _day(row.get("deadline")),
        _("是") if row.get("overdue") else _("否"),
    ]


def _sections() -> list[tuple[str, str, Callable[[], list[Column]], Callable[[int, dict], list]]]:
    """(agenda key, sheet name, columns, row → values) of each listed section."""
    colour_columns = lambda: [  # noqa: E731
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 32),
        Column(_("所属区域"), 10),
        Column(_("四色"), 6),
        Column(_("投资完成率"), 10, RATE_FORMAT),
        Column(_("时间进度"), 10, RATE_FORMAT),
        Column(_("原因"), 44),
    ]
    colour_values = lambda n, row: [  # noqa: E731
        n,
        row.get("project"),
        row.get("name"),
        row.get("region_name"),
        row.get("colour_label"),
        row.get("investment_rate"),
        row.get("time_progress"),
        row.get("reason") or "",
    ]
    late_columns = lambda: [  # noqa: E731
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 32),
        Column(_("所属区域"), 10),
        Column(_("建设阶段"), 9),
        Column(_("计划开工日期"), 12, DATE_FORMAT),
        Column(_("滞后天数"), 8, "0"),
    ]
    late_values = lambda n, row: [  # noqa: E731
        n,
        row.get("project"),
        row.get("name"),
        row.get("region_name"),
        row.get("stage_label"),
        _day(row.get("planned_start")),
        row.get("days_late"),
    ]
    letter_columns = lambda: [  # noqa: E731
        Column(_("序号"), 6, "0"),
        Column(_("文号"), 22),
        Column(_("县市区"), 10),
        Column(_("期间"), 9),
        Column(_("反馈时限"), 11, DATE_FORMAT),
        Column(_("状态"), 12),
        Column(_("说明"), 40),
    ]
    letter_values = lambda n, row: [  # noqa: E731
        n,
        row.get("number"),
        row.get("region_name"),
        row.get("period"),
        _day(row.get("reply_deadline")),
        row.get("state_label"),
        row.get("note") or "",
    ]
    return [
        ("colour_projects", _("红黄项目"), colour_columns, colour_values),
        ("overdue_issues", _("逾期问题"), _issue_columns, _issue_values),
        ("new_issues", _("新增问题"), _issue_columns, _issue_values),
        ("not_started", _("应开未开"), late_columns, late_values),
        ("open_letters", _("提示函未闭环"), letter_columns, letter_values),
        ("carried_decisions", _("前次议定事项"), _issue_columns, _issue_values),
        ("decisions", _("本次议定事项"), _issue_columns, _issue_values),
    ]


def agenda_xlsx(agenda: dict) -> FileResponse:
    """`agenda` as `meetings.agenda.meeting_agenda` returns it (the page's)."""
    meeting = agenda["meeting"]
    state = (
        _("定稿于 %(t)s") % {"t": agenda["frozen_at"][:16].replace("T", " ")}
        if agenda.get("frozen_at")
        else _("未定稿")
    )
    head = [
        meeting["title"],
        meeting["region_name"],
        _("数据截至 %(p)s") % {"p": agenda["period"]} if agenda.get("period") else "",
        state,
    ]
    workbook = Workbook(write_only=True)
    for key, name, columns, values in _sections():
        rows = agenda.get(key)
        if rows is None:
            continue
        sheet = ListSheet(
            workbook,
            name=name,
            title=" · ".join([part for part in head if part] + [name]),
            columns=columns(),
            frozen=3,
        )
        for row in rows:
            sheet.append(values(sheet.count + 1, row))
        total: list = [None] * len(sheet.columns)
        total[1] = _("合计")
        total[2] = ngettext("%(n)s 项", "%(n)s 项", sheet.count) % {"n": sheet.count}
        sheet.total(total)
    ranking = agenda.get("ranking")
    if ranking and ranking.get("rows"):
        _ranking_sheet(workbook, ranking, head)
    return response(workbook, f"{_('会议议程')}-{meeting['date']}.xlsx")


def _ranking_sheet(workbook: Workbook, ranking: dict, head: list[str]) -> None:
    columns = [
        Column(_("排名"), 6, "0"),
        Column(_("县市区"), 12),
        Column(_("综合得分"), 9, "0.00"),
        Column(_("项目数"), 7, "0"),
        Column(_("年度计划（万元）"), 14, MONEY_FORMAT),
        Column(_("累计完成（万元）"), 14, MONEY_FORMAT),
        Column(_("投资完成率"), 10, RATE_FORMAT),
    ]
    name = _("县市区排名")
    sheet = ListSheet(
        workbook, name=name, title=" · ".join([p for p in head if p] + [name]), columns=columns
    )
    plan = done = Decimal(0)
    projects = 0
    for row in ranking["rows"]:
        annual, completed = _money(row.get("annual_plan")), _money(row.get("completed_ytd"))
        plan += annual or 0
        done += completed or 0
        projects += row.get("projects") or 0
        sheet.append(
            [
                row.get("rank"),
                row.get("name"),
                row.get("score"),
                row.get("projects"),
                annual,
                completed,
                row.get("investment_rate"),
            ]
        )
    sheet.total([None, _("合计"), None, projects, plan, done, (done / plan) if plan else None])
