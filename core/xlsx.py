"""What every .xlsx export shares: formats, header style, `ListSheet` (a list as officials file
it: title, header, rows, 合计, print setup) and the file response (a workbook spooled to a
temporary file, so a large export does not sit in memory).

Money stays Decimal to the cell (万元, format #,##0.00); rates are written as fractions with a
percentage format, so Excel keeps the exact values.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import get_time_format
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .text import spreadsheet_text

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
# the format openpyxl gives a date cell of its own (a date column with it needs no styled cell)
DATE_DEFAULT = get_time_format(dt.date)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def response(workbook: Workbook, filename: str) -> FileResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the response
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def cell_value(value: Any) -> Any:
    """A value for a cell: user text made safe (`core.text.spreadsheet_text`: never a formula,
    no control characters); numbers, dates and None as they are."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def describe_filters(
    form: forms.BaseForm, *, leave_out: Collection[str] = ("period", "ordering")
) -> list[str]:
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


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    number_format: str | None = None


class ListSheet:
    """A list written as officials file it, in constant memory (openpyxl's write-only mode):
    a title row (what the list is: region, period, filters), the header — frozen, with an
    autofilter, repeated on every printed page —, a row per item, then a 合计 row; landscape,
    fitted to the page width. User text goes through `cell_value` (never a formula)."""

    def __init__(
        self, workbook: Workbook, *, name: str, title: str, columns: list[Column], frozen: int = 2
    ):
        self.sheet = workbook.create_sheet(name)
        self.columns = columns
        self.count = 0
        self._formats = [column.number_format for column in columns]
        self._plain_dates = [column.number_format == DATE_DEFAULT for column in columns]
        sheet = self.sheet
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = f"{get_column_letter(frozen + 1)}3"
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        heading = WriteOnlyCell(sheet, value=cell_value(title))
        heading.font = TITLE_FONT
        sheet.append([heading])
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header.append(cell)
        sheet.append(header)

    def _cells(self, values: list[Any], *, bold: bool = False) -> list[Any]:
        """The row for openpyxl: a styled `WriteOnlyCell` only where a style is needed (the
        column's number format on a number, bold); elsewhere the plain value, which openpyxl
        writes through one reused cell — the same cell in the file, at a fraction of the cost
        (a WriteOnlyCell per cell was most of a 100,000-row export's time). A date needs no
        cell of its own where the column's format is the one openpyxl gives dates anyway."""
        if bold:
            cells = []
            for value, column in zip(values, self.columns, strict=True):
                cell = WriteOnlyCell(self.sheet, value=cell_value(value))
                if column.number_format and value is not None and not isinstance(value, str):
                    cell.number_format = column.number_format
                cell.font = HEADER_FONT
                cells.append(cell)
            return cells
        row: list[Any] = []
        for value, number_format, plain_date in zip(
            values, self._formats, self._plain_dates, strict=True
        ):
            if value is None:
                row.append(None)
            elif isinstance(value, str):
                row.append(spreadsheet_text(value))
            elif number_format is None or (plain_date and type(value) is dt.date):
                row.append(value)
            else:
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = number_format
                row.append(cell)
        return row

    def append(self, values: list[Any]) -> None:
        self.sheet.append(self._cells(values))
        self.count += 1

    def total(self, values: list[Any]) -> None:
        """The 合计 row (after the last item); the autofilter spans the items."""
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A2:{last}{self.count + 2}"
        self.sheet.append(self._cells(values, bold=True))
