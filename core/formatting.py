"""Formatting at the edge, as pure functions: money in 万元/亿元, rates as percentages, points,
Chinese dates and periods. Values stay exact (Decimal) until they reach one of these.

The template filters (`core.templatetags.portfolio`) wrap them; letters, colour reasons and
exports call them directly, so a figure reads the same on a page, in a letter and in a sheet.
A missing value (None, a zero denominator) is shown as "—".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

YI = Decimal("10000")  # 1 亿元 = 10,000 万元
MISSING = "—"


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal for numbers and numeric text; None for None, "" and anything else."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _group(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def wan(value: Any, places: int = 2) -> str:
    """1234567.5 → "1,234,567.50" (万元, thousands separators)."""
    amount = to_decimal(value)
    return MISSING if amount is None else _group(amount, int(places))


def yi(value: Any, places: int = 2) -> str:
    """An amount in 万元 shown in 亿元: 78440000 → "7,844.00"."""
    amount = to_decimal(value)
    return MISSING if amount is None else _group(amount / YI, int(places))


def money(value: Any) -> str:
    """万元 below 1 亿元, 亿元 above, with the unit: "9,330.00万元" / "93.30亿元"."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    if abs(amount) >= YI:
        return _("%(v)s亿元") % {"v": _group(amount / YI, 2)}
    return _("%(v)s万元") % {"v": _group(amount, 2)}


def number(value: Any, places: int = 1) -> str:
    """A number rounded half up, with thousands separators: 1234.56 → "1,234.6"."""
    amount = to_decimal(value)
    return MISSING if amount is None else _group(amount, int(places))


def pct(value: Any, places: int = 1) -> str:
    """A rate kept as a fraction → "88.3%"."""
    rate = to_decimal(value)
    return MISSING if rate is None else f"{number(rate * 100, places)}%"


def points(value: Any, places: int = 1) -> str:
    """A difference of two rates (fractions) in percentage points, signed: "+4.2" / "−12.0"."""
    diff = to_decimal(value)
    if diff is None:
        return MISSING
    text = _group(abs(diff) * 100, int(places))
    return f"+{text}" if diff > 0 else (f"−{text}" if diff < 0 else text)


def cndate(value: Any) -> str:
    """2026-11-23 → "2026年11月23日" (an aware datetime is shown in local time)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return MISSING if value in (None, "") else str(value)
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


def cndatetime(value: Any) -> str:
    """An aware datetime (or its ISO text, as stored in JSON) in local time:
    "2026年11月23日 14:05"."""
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if not isinstance(value, dt.datetime):
        return cndate(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{cndate(local.date())} {local:%H:%M}"


def year_month(value: Any) -> tuple[int, int] | None:
    """(year, month) of a period, a date, a (year, month) pair or "YYYY-MM"; None otherwise."""
    if hasattr(value, "year") and hasattr(value, "month"):
        return int(value.year), int(value.month)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    try:
        year, month = str(value).split("-")
        return int(year), int(month)
    except (TypeError, ValueError):
        return None


def cnperiod(value: Any) -> str:
    """A period → "2026年1—10月" (the months a year-to-date figure covers); January alone is
    "2026年1月". The one period label of the product (pages, letters, exports, the API), with
    the 一字线 "—" the statistics bureau writes ("1—10月份")."""
    parts = year_month(value)
    if parts is None:
        return MISSING
    year, month = parts
    if month == 1:
        return _("%(y)s年1月") % {"y": year}
    return _("%(y)s年1—%(m)s月") % {"y": year, "m": month}


def cnmonth(value: Any) -> str:
    """A period → "2026年10月" (one month)."""
    parts = year_month(value)
    if parts is None:
        return MISSING
    return _("%(y)s年%(m)s月") % {"y": parts[0], "m": parts[1]}
