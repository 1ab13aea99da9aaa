"""Parsing of spreadsheet cells: what officials type into Excel, turned into exact values.

Each parser takes the raw value openpyxl gives (None, str, int, float, bool, datetime) and returns
the parsed value, or None for a blank cell; a bad value raises `CellError` with the reason in
Chinese (the importer adds the row number and the column).

Decisions (documented in the template's 填写说明 sheet too):
- Money is Decimal in 万元 with at most two decimals. Text may carry thousands separators
  ("1,234.50") and a trailing 万元. A float from Excel is read through its shortest repr
  (Decimal(str(value)), never Decimal(value)); float noise such as 0.30000000000000004 (within a
  millionth of a cent-exact amount) counts as that amount; a real third decimal (333.333,
  345519.99666 from a formula) is rounded half-up to the cent and the importer lists the cells
  in a notice (`money_rounded`) — never silently. Negative amounts are errors.
- Dates: Excel dates, Excel serial numbers, or text 2024-03-01, 2024/3/1, 2024.3.1,
  2024年3月1日, 20240301 (a time part such as 00:00:00 is ignored).
- Yes/no: 是/否, Y/N, yes/no, true/false, 1/0, √/× (and Excel's TRUE/FALSE).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from core.formatting import wan
from core.models import MONEY_MAX
from core.text import clean_text, from_spreadsheet

CENT = Decimal("0.01")
FLOAT_NOISE = Decimal("0.000001")

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NAME_SEPARATORS = re.compile(r"[、,，;；\n]+")

TRUE_WORDS = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔"}
FALSE_WORDS = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘"}


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason, in Chinese."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC: （ → (, ，→ , , Ａ → A, ０ → 0) and trimmed."""
    return clean_text(unicodedata.normalize("NFKC", text)).strip()


def parse_text(value) -> str | None:
    """Free text (names). Numbers typed into a text column are read as their digits."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("应为文本，不是逻辑值"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(_("应为文本，不是日期"))
    # control characters out (`core.text`); the formula escape of our own exports undone
    return clean_text(from_spreadsheet(str(value))).strip()


def parse_code(value) -> str | None:
    """An identifier (project code, region code): text, full-width characters folded."""
    text = parse_text(value)
    return normalize(text) if text is not None else None


def parse_money(value) -> Decimal | None:
    """A non-negative amount in 万元, exact to the cent (see the module docstring)."""
    if is_blank(value):
        return None
    if isinstance(value, bool | dt.datetime | dt.date | dt.time):
        raise CellError(_("“%(v)s”不是有效的金额") % {"v": value})
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("“%(v)s”不是有效的金额") % {"v": value})
        amount = Decimal(str(value))
        # (beyond the money range quantize() has too few digits and raises: checked below)
        cents = amount.quantize(CENT) if abs(amount) <= MONEY_MAX else amount
        if amount != cents and abs(amount - cents) < FLOAT_NOISE:
            amount = cents  # binary floating-point noise from an Excel formula
    elif isinstance(value, Decimal):
        amount = value
    else:
        amount = _decimal_from_text(str(value))
    if not amount.is_finite():
        raise CellError(_("“%(v)s”不是有效的金额") % {"v": value})
    if amount < 0:
        raise CellError(_("金额不能为负数（%(v)s）") % {"v": value})
    if amount > MONEY_MAX:
        raise CellError(
            _("金额 %(v)s 超出范围（最大 %(max)s 万元），请检查单位是否为万元")
            % {"v": value, "max": wan(MONEY_MAX)}
        )
    # Beyond the cent (an Excel formula's 345519.99666…): rounded half-up to the cent, never
    # refused; `money_rounded()` tells the importer which cells to list in its notice.
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_rounded(value) -> bool:
    """Whether `parse_money(value)` rounds the value to the cent (more than two decimals beyond
    float noise) — for the import's notice listing the cells."""
    try:
        amount = parse_money(value)
    except CellError:
        return False
    if amount is None or isinstance(value, bool):
        return False
    if isinstance(value, float):
        exact = Decimal(str(value))
    elif isinstance(value, int | Decimal):
        exact = Decimal(value)
    else:
        exact = _decimal_from_text(str(value))
    return abs(exact - amount) >= FLOAT_NOISE


def _decimal_from_text(raw: str) -> Decimal:
    text = re.sub(r"\s+", "", normalize(raw))
    text = text.removesuffix("万元")
    if "," in text:
        if not _THOUSANDS.match(text):
            raise CellError(_("“%(v)s”不是有效的数字（千位分隔符位置不对）") % {"v": raw})
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CellError(_("“%(v)s”不是有效的数字") % {"v": raw}) from None


def parse_date(value) -> dt.date | None:
    """An Excel date, an Excel serial number, or a date typed as text."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(_("“%(v)s”不是有效的日期") % {"v": value})
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return _date_or_error(str(int(value)), _DATE_COMPACT)
        if 1 <= value < 2958466:  # Excel's serial day numbers up to 9999-12-31
            return from_excel(value).date()
        raise CellError(_("“%(v)s”不是有效的日期") % {"v": value})
    text = normalize(str(value))
    return _date_or_error(text, _DATE_TEXT if not text.isdigit() else _DATE_COMPACT)


def _date_or_error(text: str, pattern: re.Pattern) -> dt.date:
    match = pattern.match(text)
    if not match:
        raise CellError(
            _("“%(v)s”不是有效的日期（应为 2024-03-01、2024/3/1 或 2024年3月1日）") % {"v": text}
        )
    try:
        return dt.date(*(int(part) for part in match.groups()[:3]))
    except ValueError:
        raise CellError(_("日期“%(v)s”不存在") % {"v": text}) from None


def parse_bool(value) -> bool | None:
    """是/否 and its usual spellings."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = normalize(str(value)).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("“%(v)s”应为“是”或“否”") % {"v": value})


def parse_names(value) -> list[str] | None:
    """Several names in one cell, separated by 、 , ， ; or a line break; duplicates dropped."""
    text = parse_text(value)
    if text is None:
        return None
    names = [part.strip() for part in _NAME_SEPARATORS.split(text)]
    return list(dict.fromkeys(name for name in names if name))
