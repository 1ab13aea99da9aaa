"""Empty templates officials fill in: the header row of the importer, and a 填写说明 sheet.

Built from the importers' own column lists, so the template and the import cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .ledger import ledger_columns
from .reports import REPORT_COLUMNS
from .sheet import Column

REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
OPTIONAL_FILL = PatternFill("solid", fgColor="EAF1FB")


def write_ledger_template(file, *, year: int | None = None) -> None:
    """Writes the ledger template (台账) to `file` (a path or a binary file object)."""
    title = _("%(y)s年重点项目台账") % {"y": year} if year else _("重点项目台账")
    _write(file, ledger_columns(), sheet_title=title)


def write_reports_template(file) -> None:
    """Writes the monthly report template (月报) to `file`."""
    _write(file, REPORT_COLUMNS, sheet_title=_("月度完成投资"))


def write_prefilled_reports_template(file, rows) -> None:
    """The monthly template prefilled with a district's projects of the month (`rows`: the
    sheet's `projects.selectors.SheetRow`s): code, name, annual plan, completed before the month
    and the month's amount and note where reported. Uploaded untouched, it changes nothing."""
    workbook = _write(file, REPORT_COLUMNS, sheet_title=_("月度完成投资"), save=False)
    sheet = workbook.worksheets[0]
    keys = [column.key for column in REPORT_COLUMNS]
    for number, row in enumerate(rows, start=2):
        report = row.report
        values = {
            "code": row.project.code,
            "name": row.project.name,
            "annual_plan": row.annual_plan,
            "completed_before": row.completed_before,
            "completed_investment": report.completed_investment if report else None,
            "note": report.note if report and report.note else None,
        }
        for index, key in enumerate(keys, start=1):
            value = values.get(key)
            cell = sheet.cell(row=number, column=index, value=value)
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
    sheet.column_dimensions["D"].width = 36
    workbook.save(file)


def _write(file, columns: Sequence[Column], *, sheet_title: str, save: bool = True):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center")
        width = max(8, len(column.header) * 2 + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("英文列名"), _("必填"), _("填写说明")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append(
            [
                column.header,
                column.alias_or_key,
                _("是") if column.required else "",
                str(column.help),
            ]
        )
    notes.append([])
    for line in (
        _("表头在第一行，可用中文或英文列名，列的顺序不限；未知的列会被忽略。"),
        _("金额单位为万元，最多两位小数；可带千位分隔符。日期如 2024-03-01、2024/3/1。"),
        _("任何一行有误则整个文件都不导入，并列出所有错误（行号、列名、原因）。"),
        _("按项目编号更新已有项目；空白单元格不会清除已有数据；重复导入同一文件不产生变化。"),
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (22, 30, 6, 40), strict=True):
        notes.column_dimensions[letter].width = width
    if save:
        workbook.save(file)
    return workbook
