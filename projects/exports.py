"""Spreadsheet exports of the web UI.

- The project list (`?export=xlsx` on the list the user is looking at, same filters): streamed
  row by row with openpyxl's write-only mode into a temporary file (constant memory for any
  number of projects), then sent as a file response.
- The monthly ranking bulletin (排名通报): a small formatted workbook (title, merged header,
  borders, number formats, print setup) as the supervision office sends it.

Money stays Decimal to the cell (万元, format #,##0.00); rates are written as fractions with a
percentage format, so Excel keeps the exact values.
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .choices import Colour
from .filters import Period

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
COLOUR_FILL = {
    Colour.GREEN: PatternFill("solid", fgColor="C6E7CF"),
    Colour.YELLOW: PatternFill("solid", fgColor="FCE8A6"),
    Colour.RED: PatternFill("solid", fgColor="F5C2BE"),
}


def _response(workbook: Workbook, filename: str) -> FileResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the response
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _leader(project) -> str:
    chain = getattr(project, "current_chain", None) or []
    return "、".join(a.person.name for a in chain if a.role.is_leader)


def project_list_xlsx(projects, *, period: Period | None) -> FileResponse:
    """The filtered list as .xlsx. `projects` comes from the list view (scoped, filtered,
    annotated with the period's status by `projects.selectors`)."""
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
    sheet.freeze_panes = "C2"
    header = []
    for title, _width, _fmt in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    formats = [fmt for _title, _width, fmt in columns]
    count = 0
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
            cell = WriteOnlyCell(sheet, value=value)
            if fmt and value is not None:
                cell.number_format = fmt
            row.append(cell)
        sheet.append(row)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    suffix = f"-{period}" if period else ""
    return _response(workbook, f"{_('重点项目清单')}{suffix}.xlsx")


# --- Ranking bulletin -----------------------------------------------------------------------


def bulletin_columns() -> list[tuple[str, str, str | None, int]]:
    """(header, row key, number format, width) of the bulletin table — the page and the
    workbook show the same columns."""
    return [
        (_("排名"), "rank", None, 6),
        (_("县市区"), "name", None, 12),
        (_("综合得分"), "score", "0.00", 9),
        (_("较上月"), "movement", None, 8),
        (_("项目数"), "projects", "0", 7),
        (_("年度计划（万元）"), "annual_plan", MONEY_FORMAT, 14),
        (_("累计完成（万元）"), "completed_ytd", MONEY_FORMAT, 14),
        (_("投资完成率"), "investment_rate", RATE_FORMAT, 10),
        (_("新开工项目"), "new_start_started", "0", 9),
        (_("开工率"), "start_rate", RATE_FORMAT, 8),
        (_("竣工项目"), "finished", "0", 8),
        (_("竣工率"), "finish_rate", RATE_FORMAT, 8),
        (_("办结率"), "resolution_rate", RATE_FORMAT, 8),
        (_("红/黄项目"), "red_yellow", None, 9),
    ]


def bulletin_xlsx(data: dict, *, region, period: Period) -> FileResponse:
    """The bulletin as the office sends it: title, period, version, the table, the notes on
    praised and called-in districts."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("排名通报")
    columns = bulletin_columns()
    last = get_column_letter(len(columns))
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"] = data["title"]
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"] = data["subtitle"]
    sheet["A2"].alignment = Alignment(horizontal="center")
    for col, (title, _key, _fmt, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=4, column=col, value=title)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(col)].width = width
    row_number = 4
    for row in data["rows"]:
        row_number += 1
        for col, (_title, key, fmt, _width) in enumerate(columns, start=1):
            value = _bulletin_value(row, key)
            cell = sheet.cell(row=row_number, column=col, value=value)
            cell.border = BOX
            if fmt and value is not None and not isinstance(value, str):
                cell.number_format = fmt
            if key == "name" and row.get("called_in"):
                cell.fill = COLOUR_FILL[Colour.RED]
            elif key == "name" and row.get("praised"):
                cell.fill = COLOUR_FILL[Colour.GREEN]
    row_number += 2
    for note in data["notes"]:
        sheet.merge_cells(f"A{row_number}:{last}{row_number}")
        sheet.cell(row=row_number, column=1, value=note).alignment = Alignment(wrap_text=True)
        row_number += 1
    sheet.cell(row=row_number + 1, column=1, value=data["issued"])
    sheet.freeze_panes = "C5"
    sheet.print_title_rows = "4:4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _response(workbook, f"{_('排名通报')}-{region.name}-{period}-{stamp}.xlsx")


def _bulletin_value(row: dict, key: str):
    if key == "movement":
        step = row.get("movement")
        if step is None:
            return _("新")
        return f"↑{step}" if step > 0 else (f"↓{-step}" if step < 0 else "—")
    if key == "red_yellow":
        return f"{row.get('red', 0) or 0}/{row.get('yellow', 0) or 0}"
    return row.get(key)
