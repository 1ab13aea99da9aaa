"""The project list as .xlsx (`?export=xlsx` on the list the user is looking at, same
filters): streamed row by row with openpyxl's write-only mode into a temporary file (constant
memory for any number of projects), then sent as a file response."""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessment.choices import Colour
from assessment.measures import ratio
from core.formatting import cnperiod
from core.periods import Period
from core.xlsx import DATE_FORMAT, MONEY_FORMAT, RATE_FORMAT, Column, ListSheet, response

ZERO = Decimal("0")


def _leader(project) -> str:
    chain = getattr(project, "current_chain", None) or []
    return "、".join(a.person.name for a in chain if a.role.is_leader)


def project_list_xlsx(projects, *, period: Period | None, filters: list[str]) -> FileResponse:
    """The filtered list as .xlsx, as officials file it (`core.xlsx.ListSheet`): the title
    (the list, the period, the `filters`), a row per project, a 合计 row (money added, the
    investment rate as the ratio of the sums). `projects` comes from the list view (scoped,
    filtered, annotated with the period's status by `projects.selectors`)."""
    workbook = Workbook(write_only=True)
    columns = [
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 36),
        Column(_("所属区域"), 12),
        Column(_("所在镇街"), 12),
        Column(_("项目级别"), 9),
        Column(_("建设阶段"), 9),
        Column(_("项目类别"), 22),
        Column(_("总投资（万元）"), 14, MONEY_FORMAT),
        Column(_("年度计划投资（万元）"), 14, MONEY_FORMAT),
        Column(_("累计完成投资（万元）"), 14, MONEY_FORMAT),
        Column(_("投资完成率"), 10, RATE_FORMAT),
        Column(_("时间进度"), 10, RATE_FORMAT),
        Column(_("四色"), 6),
        Column(_("颜色原因"), 40),
        Column(_("计划开工日期"), 12, DATE_FORMAT),
        Column(_("实际开工日期"), 12, DATE_FORMAT),
        Column(_("计划竣工日期"), 12, DATE_FORMAT),
        Column(_("实际竣工日期"), 12, DATE_FORMAT),
        Column(_("是否纳统"), 8),
        Column(_("责任单位"), 18),
        Column(_("包联领导"), 12),
    ]
    title = " · ".join([_("重点项目清单"), *([cnperiod(period)] if period else []), *filters])
    sheet = ListSheet(workbook, name=_("重点项目清单"), title=title, columns=columns)
    sums = {"total": ZERO, "plan": ZERO, "completed": ZERO}
    for project in projects.iterator(chunk_size=1000):
        values = [
            project.code,
            project.name,
            project.region.name,
            project.town.name if project.town_id else "",
            project.get_level_display(),
            project.get_stage_display(),
            "、".join(c.name for c in project.categories.all()),
            project.total_investment,
            getattr(project, "status_annual_plan", None),
            project.status_completed_ytd,
            project.status_investment_rate,
            project.status_time_progress,
            str(Colour(project.status_colour).label) if project.status_colour else "",
            project.status_reason or "",
            project.planned_start,
            project.actual_start,
            project.planned_completion,
            project.actual_completion,
            _("是") if project.in_statistics else _("否"),
            project.responsible_unit.name if project.responsible_unit_id else "",
            _leader(project),
        ]
        sheet.append(values)
        for key, value in zip(sums, values[7:10], strict=True):
            sums[key] += value or ZERO
    total: list = [None] * len(columns)
    total[0] = _("合计")
    total[1] = _("%(n)s 个项目") % {"n": sheet.count}
    total[7:11] = [*sums.values(), ratio(sums["completed"], sums["plan"])]
    sheet.total(total)
    suffix = f"-{period}" if period else ""
    return response(workbook, f"{_('重点项目清单')}{suffix}.xlsx")
