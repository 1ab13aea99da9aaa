"""The project list as .xlsx (`?export=xlsx` on the list the user is looking at, same
filters): streamed row by row with openpyxl's write-only mode into a temporary file (constant
memory for any number of projects), then sent as a file response."""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from assessment.choices import Colour
from assessment.measures import ratio
from core.formatting import cnperiod
from core.periods import Period
from core.xlsx import (
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    MONEY_FORMAT,
    RATE_FORMAT,
    TITLE_FONT,
    cell_value,
    response,
)

ZERO = Decimal("0")


def _leader(project) -> str:
    chain = getattr(project, "current_chain", None) or []
    return "、".join(a.person.name for a in chain if a.role.is_leader)


def describe_filters(form, *, leave_out=("period", "ordering")) -> list[str]:
    """The filters a valid filter form applies, as "label：value" for an export's title (the
    choices by their labels, a region by its name)."""
    parts = []
    for name, value in form.cleaned_data.items():
        if name in leave_out or value in (None, "", [], ()):
            continue
        field = form.fields[name]
        labels = dict(getattr(field, "choices", ()) or ())
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = "、".join(str(labels.get(v, getattr(v, "name", v))) for v in values)
        label = str(field.label or name).split("（")[0]
        parts.append(f"{label}：{shown}")
    return parts


def project_list_xlsx(projects, *, period: Period | None, filters: list[str]) -> FileResponse:
    """The filtered list as .xlsx, as officials file it: a title row (the list, the period,
    the filters in `filters`), the header, a row per project, a 合计 row (money added, the
    investment rate as the ratio of the sums), frozen header, autofilter, landscape fitted to
    the page width with the header repeated. `projects` comes from the list view (scoped,
    filtered, annotated with the period's status by `projects.selectors`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("重点项目清单"))
    columns = [
        (_("项目编号"), 14, None),
        (_("项目名称"), 36, None),
        (_("所属区域"), 12, None),
        (_("所在镇街"), 12, None),
        (_("项目级别"), 9, None),
        (_("建设阶段"), 9, None),
        (_("项目类别"), 22, None),
        (_("总投资（万元）"), 14, MONEY_FORMAT),
        (_("年度计划投资（万元）"), 14, MONEY_FORMAT),
        (_("累计完成投资（万元）"), 14, MONEY_FORMAT),
        (_("投资完成率"), 10, RATE_FORMAT),
        (_("时间进度"), 10, RATE_FORMAT),
        (_("四色"), 6, None),
        (_("颜色原因"), 40, None),
        (_("计划开工日期"), 12, DATE_FORMAT),
        (_("实际开工日期"), 12, DATE_FORMAT),
        (_("计划竣工日期"), 12, DATE_FORMAT),
        (_("实际竣工日期"), 12, DATE_FORMAT),
        (_("是否纳统"), 8, None),
        (_("责任单位"), 18, None),
        (_("包联领导"), 12, None),
    ]
    for index, (_title, width, _fmt) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    title = WriteOnlyCell(
        sheet,
        value=cell_value(
            " · ".join([_("重点项目清单"), *([cnperiod(period)] if period else []), *filters])
        ),
    )
    title.font = TITLE_FONT
    sheet.append([title])
    header = []
    for title, _width, _fmt in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    formats = [fmt for _title, _width, fmt in columns]
    count = 0
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
        row = []
        for value, fmt in zip(values, formats, strict=True):
            cell = WriteOnlyCell(sheet, value=cell_value(value))
            if fmt and value is not None:
                cell.number_format = fmt
            row.append(cell)
        sheet.append(row)
        count += 1
        for key, value in zip(sums, values[7:10], strict=True):
            sums[key] += value or ZERO
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{count + 2}"
    total = [None] * len(columns)
    total[0] = _("合计")
    total[1] = _("%(n)s 个项目") % {"n": count}
    total[7:11] = [*sums.values(), ratio(sums["completed"], sums["plan"])]
    total_row = []
    for value, fmt in zip(total, formats, strict=True):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = HEADER_FONT
        if fmt and value is not None:
            cell.number_format = fmt
        total_row.append(cell)
    sheet.append(total_row)
    suffix = f"-{period}" if period else ""
    return response(workbook, f"{_('重点项目清单')}{suffix}.xlsx")
