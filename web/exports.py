"""The monthly ranking bulletin (排名通报) as .xlsx: a small formatted workbook (title, merged
header, borders, numbers stored as numbers with their formats, the 合计 row, print setup) as the
supervision office sends it."""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assessment import measures
from assessment.choices import Colour
from core.periods import Period
from core.xlsx import BOX, HEADER_FILL, HEADER_FONT, MONEY_FORMAT, RATE_FORMAT, cell_value, response


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
            cell = _cell(sheet, row_number, col, _bulletin_value(row, key), fmt)
            if key == "name" and row.get("called_in"):
                cell.fill = PatternFill("solid", fgColor=Colour.RED.tint)
            elif key == "name" and row.get("praised"):
                cell.fill = PatternFill("solid", fgColor=Colour.GREEN.tint)
    if data.get("total"):
        row_number += 1
        for col, (_title, key, fmt, _width) in enumerate(columns, start=1):
            ranked = key in ("rank", "score", "movement")  # a total has no rank
            value = None if ranked else _bulletin_value(data["total"], key)
            _cell(sheet, row_number, col, value, fmt).font = HEADER_FONT
    row_number += 2
    for note in data["notes"]:
        sheet.merge_cells(f"A{row_number}:{last}{row_number}")
        sheet.cell(row=row_number, column=1, value=cell_value(note)).alignment = Alignment(
            wrap_text=True
        )
        row_number += 1
    sheet.cell(row=row_number + 1, column=1, value=data["issued"])
    sheet.freeze_panes = "C5"
    sheet.print_title_rows = "4:4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    stamp = timezone.localdate().strftime("%Y%m%d")
    return response(workbook, f"{_('排名通报')}-{region.name}-{period}-{stamp}.xlsx")


def _cell(sheet, row: int, column: int, value, fmt: str | None):
    """A bordered table cell: a number gets the column's format, text is written as text."""
    cell = sheet.cell(row=row, column=column, value=cell_value(value))
    cell.border = BOX
    if fmt and value is not None and not isinstance(value, str):
        cell.number_format = fmt
    return cell


def _bulletin_value(row: dict, key: str):
    """The cell of `key`: money (a decimal string in the ranking's JSON) as a Decimal, so the
    sheet sums it; the "new"/↑/↓ movement and red/yellow pair as text."""
    if key in measures.MONEY_MEASURES:
        value = row.get(key)
        return None if value is None else Decimal(value)
    if key == "movement":
        step = row.get("movement")
        if step is None:
            return _("新")
        return f"↑{step}" if step > 0 else (f"↓{-step}" if step < 0 else "—")
    if key == "red_yellow":
        return f"{row.get('red', 0) or 0}/{row.get('yellow', 0) or 0}"
    return row.get(key)
