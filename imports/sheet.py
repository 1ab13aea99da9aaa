"""Reading the first sheet of an .xlsx (openpyxl, read-only) into parsed rows.

Row 1 holds the headers, Chinese or the English alias, in any order. A header may carry its unit
with ASCII or full-width parentheses (总投资(万元), 总投资（万元）, or plain 总投资). Unknown
columns are ignored with a warning (officials add their own notes columns); a missing required
column, or a column given twice, is an error. Blank rows are skipped.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .cells import CellError, is_blank, money_rounded, normalize, parse_money, parse_text
from .limits import FileRefused, Limits, check_xlsx
from .result import FILE_ROW, HEADER_ROW, ImportResult, Progress

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_UNIT_SUFFIX = re.compile(r"\((万元|元|亿元)\)$")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as in the template (Chinese)
    alias: str = ""  # English alias, accepted as a header too
    required: bool = False
    parse: Callable[[Any], Any] = parse_text
    help: StrOrPromise = ""  # what to type, for the template's instructions sheet

    @property
    def alias_or_key(self) -> str:
        return self.alias or self.key


def header_key(text: str) -> str:
    """How headers are compared: half-width, no spaces, case-folded, unit suffix dropped."""
    key = re.sub(r"\s+", "", normalize(str(text))).casefold()
    return _UNIT_SUFFIX.sub("", key)


@dataclass
class Row:
    number: int  # as Excel shows it
    values: dict[str, Any]  # column key → parsed value (absent or None: blank)

    def get(self, key: str, default=None):
        value = self.values.get(key)
        return default if value is None else value


@dataclass
class Table:
    headers: dict[str, str]  # column key → header as written in the file
    rows: list[Row]

    def has(self, key: str) -> bool:
        return key in self.headers

    def header(self, key: str, columns: Sequence[Column]) -> str:
        """The header of `key` as the file wrote it (or the template's, if absent)."""
        if key in self.headers:
            return self.headers[key]
        return next((c.header for c in columns if c.key == key), key)


def duplicate_codes(table: Table, result: ImportResult, key: str = "code") -> set[str]:
    """Values of `key` found on several rows: an error on each of those rows."""
    rows_of: dict[str, list[int]] = {}
    for row in table.rows:
        if row.get(key):
            rows_of.setdefault(row.get(key), []).append(row.number)
    duplicates = {code: numbers for code, numbers in rows_of.items() if len(numbers) > 1}
    for row in table.rows:
        numbers = duplicates.get(row.get(key))
        if numbers:
            others = "、".join(str(n) for n in numbers if n != row.number)
            result.error(
                row.number,
                table.headers[key],
                _("项目编号“%(c)s”在文件中重复（另见第 %(rows)s 行）")
                % {"c": row.get(key), "rows": others},
            )
    return set(duplicates)


def read_table(
    file,
    columns: Sequence[Column],
    result: ImportResult,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Table | None:
    """Reads and parses every row; cell errors go to `result`. None if the file is unusable:
    refused before parsing (`imports.limits.check_xlsx`), unreadable, or beyond the row, column
    or cell-length limit (reading stops there)."""
    limits = limits or Limits.from_settings()
    try:
        check_xlsx(file, limits)
    except FileRefused as exc:
        result.error(FILE_ROW, "", str(exc))
        return None
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        result.error(FILE_ROW, "", _("无法读取 Excel 文件（仅支持 .xlsx）：%(e)s") % {"e": exc})
        return None
    try:
        sheet = workbook.worksheets[0]
        total = (sheet.max_row - 1) if sheet.max_row else None
        sheet.reset_dimensions()  # don't trust the file's stated size; read to its real end
        rows = sheet.iter_rows(values_only=True)
        header_cells = next(rows, ())
        rounded: list[str] = []  # cells whose amount was rounded to the cent
        if not _within_limits(HEADER_ROW, header_cells, limits, result):
            return None
        positions, headers = _map_headers(header_cells, columns, result)
        if positions is None:
            return None
        parsed: list[Row] = []
        for number, cells in enumerate(rows, start=HEADER_ROW + 1):
            if number - HEADER_ROW > limits.rows:
                result.error(
                    FILE_ROW,
                    "",
                    _(
                        "工作表超过 %(max)s 行数据的限制（IMPORT_MAX_ROWS），"
                        "读取在第 %(row)s 行停止，"
                        "整个文件未导入。请删除多余的行（包括看似空白的行）或分成几个文件。"
                    )
                    % {"max": limits.rows, "row": number},
                )
                return None
            if not _within_limits(number, cells, limits, result):
                return None
            row = _parse_row(number, cells, positions, headers, result, rounded)
            if row is not None:
                parsed.append(row)
            if progress and number % 1000 == 0:
                progress("read", number - 1, total)
        if not parsed:
            result.warnings.append(_("文件中没有数据行。"))
        if rounded:
            result.warnings.append(
                _("以下单元格的金额超过两位小数（如公式计算结果），已四舍五入到分：%(cells)s")
                % {"cells": "、".join(rounded)}
            )
        return Table(headers=headers, rows=parsed)
    finally:
        workbook.close()


def _within_limits(number: int, cells: Sequence, limits: Limits, result: ImportResult) -> bool:
    """False (with the error) if the row is wider than the column limit or holds a cell longer
    than the cell-length limit."""
    if len(cells) > limits.columns:
        result.error(
            number,
            get_column_letter(min(len(cells), 16384)),
            _(
                "该行有 %(n)s 列，超过 %(max)s 列的限制（IMPORT_MAX_COLUMNS），读取停止，"
                "整个文件未导入。请删除多余的列。"
            )
            % {"n": len(cells), "max": limits.columns},
        )
        return False
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.cell_chars:
            result.error(
                number,
                get_column_letter(index + 1),
                _(
                    "单元格内容长达 %(n)s 个字符，超过 %(max)s 个字符的限制"
                    "（IMPORT_MAX_CELL_CHARS），读取停止，整个文件未导入。"
                )
                % {"n": len(cell), "max": limits.cell_chars},
            )
            return False
    return True


def _map_headers(cells, columns: Sequence[Column], result: ImportResult):
    by_key: dict[str, Column] = {}
    for known in columns:
        by_key[header_key(known.header)] = known
        by_key[header_key(known.alias_or_key)] = known
    positions: list[tuple[int, Column]] = []
    headers: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if is_blank(cell):
            continue
        written = str(cell).strip()
        column = by_key.get(header_key(written))
        if column is None:
            result.warnings.append(_("已忽略未知的列“%(h)s”。") % {"h": written})
            continue
        if column.key in headers:
            result.error(
                HEADER_ROW,
                written,
                _("与“%(other)s”是同一列，重复出现") % {"other": headers[column.key]},
            )
            continue
        headers[column.key] = written
        positions.append((index, column))
    if not headers:
        result.error(
            HEADER_ROW,
            "",
            _("第一行应为表头（如 %(h)s），未找到任何已知的列。")
            % {"h": "、".join(c.header for c in columns[:4])},
        )
        return None, headers
    for column in columns:
        if column.required and column.key not in headers:
            result.error(
                HEADER_ROW,
                column.header,
                _("缺少必填列（也可用英文列名 %(alias)s）") % {"alias": column.alias_or_key},
            )
    if not result.ok:
        return None, headers
    return positions, headers


def _parse_row(
    number, cells, positions, headers, result: ImportResult, rounded: list[str]
) -> Row | None:
    width = len(cells)
    if all(is_blank(cells[index]) for index, _column in positions if index < width):
        return None  # blank row (notes in unknown columns alone don't make a row)
    values: dict[str, Any] = {}
    for index, column in positions:
        raw = cells[index] if index < width else None
        try:
            value = column.parse(raw)
        except CellError as exc:
            result.error(number, headers[column.key], str(exc))
            continue
        if value is None and column.required:
            result.error(number, headers[column.key], _("必填，不能为空"))
            continue
        if column.parse is parse_money and money_rounded(raw):
            rounded.append(f"{get_column_letter(index + 1)}{number}")
        values[column.key] = value
    return Row(number=number, values=values)
