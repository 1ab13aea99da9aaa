"""What every .xlsx export shares: formats, header style and the file response (a workbook spooled
to a temporary file, so a large export does not sit in memory).

Money stays Decimal to the cell (万元, format #,##0.00); rates are written as fractions with a
percentage format, so Excel keeps the exact values.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.styles import Border, Font, PatternFill, Side

from .text import spreadsheet_text

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
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
