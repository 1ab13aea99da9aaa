"""Formatting at the edge: money in 万元/亿元, rates as percentages, Chinese dates.

Values stay exact (Decimal) until here; these filters only format them.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()

YI = Decimal("10000")  # 1 亿元 = 10,000 万元


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _group(amount: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def wan(value, places: int = 2) -> str:
    """1234567.5 → "1,234,567.50" (万元, thousands separators); None → "—"."""
    amount = _decimal(value)
    return "—" if amount is None else _group(amount, int(places))


@register.filter
def yi(value, places: int = 2) -> str:
    """An amount in 万元 shown in 亿元: 78440000 → "7,844.00"."""
    amount = _decimal(value)
    return "—" if amount is None else _group(amount / YI, int(places))


@register.filter
def money(value) -> str:
    """万元 below 1 亿元, 亿元 above, with the unit: "9,330.00万元" / "93.30亿元"."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    if abs(amount) >= YI:
        return _("%(v)s亿元") % {"v": _group(amount / YI, 2)}
    return _("%(v)s万元") % {"v": _group(amount, 2)}


@register.filter
def pct(value, places: int = 1) -> str:
    """A rate kept as a fraction → "88.3%"; None (zero denominator) → "—"."""
    rate = _decimal(value)
    if rate is None:
        return "—"
    return f"{_group(rate * 100, int(places))}%"


@register.filter
def cndate(value) -> str:
    """2026-11-23 → "2026年11月23日"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return "—" if value in (None, "") else str(value)
    return f"{value.year}年{value.month}月{value.day}日"
