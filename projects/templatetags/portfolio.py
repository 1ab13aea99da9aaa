"""Formatting at the edge: money in 万元/亿元, rates as percentages, Chinese dates.

Values stay exact (Decimal) until here; these filters only format them.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from projects.choices import Colour

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
def number(value, places: int = 1) -> str:
    """A number rounded half up, with thousands separators: 1234.56 → "1,234.6"; None → "—"."""
    amount = _decimal(value)
    return "—" if amount is None else _group(amount, int(places))


@register.filter
def pct(value, places: int = 1) -> str:
    """A rate kept as a fraction → "88.3%"; None (zero denominator) → "—"."""
    rate = _decimal(value)
    if rate is None:
        return "—"
    return f"{number(rate * 100, places)}%"


@register.filter
def points(value, places: int = 1) -> str:
    """A difference of two rates (fractions) in percentage points, signed: "+4.2" / "−12.0"."""
    diff = _decimal(value)
    if diff is None:
        return "—"
    text = _group(abs(diff) * 100, int(places))
    return f"+{text}" if diff > 0 else (f"−{text}" if diff < 0 else text)


@register.filter
def cndate(value) -> str:
    """2026-11-23 → "2026年11月23日" (an aware datetime is shown in local time)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return "—" if value in (None, "") else str(value)
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


@register.filter
def cndatetime(value) -> str:
    """An aware datetime in local time: "2026年11月23日 14:05"."""
    if not isinstance(value, dt.datetime):
        return cndate(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{cndate(local.date())} {local:%H:%M}"


@register.filter
def cnperiod(value) -> str:
    """A period (year, month) or "YYYY-MM" → "2026年1–10月" (the months a YTD figure covers)."""
    year, month = _period(value)
    if year is None:
        return "—"
    if month == 1:
        return _("%(y)s年1月") % {"y": year}
    return _("%(y)s年1–%(m)s月") % {"y": year, "m": month}


@register.filter
def cnmonth(value) -> str:
    """A period → "2026年10月" (one month)."""
    year, month = _period(value)
    if year is None:
        return "—"
    return _("%(y)s年%(m)s月") % {"y": year, "m": month}


def _period(value) -> tuple[int | None, int | None]:
    if hasattr(value, "year") and hasattr(value, "month"):
        return value.year, value.month
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    try:
        year, month = str(value).split("-")
        return int(year), int(month)
    except (TypeError, ValueError):
        return None, None


@register.filter
def colour_label(value) -> str:
    """ "red" → "红"; blank (not assessed) → "—"."""
    return str(Colour(value).label) if value in Colour.values else "—"


@register.simple_tag
def colour_badge(value, reason: str = ""):
    """A coloured dot and label; the reason as the tooltip (and screen-reader text)."""
    if value not in Colour.values:
        return format_html('<span class="badge badge-none">{}</span>', _("未评价"))
    colour = Colour(value)
    return format_html(
        '<span class="badge badge-{}" title="{}">{}</span>',
        colour.value,
        reason or colour.meaning,
        colour.label,
    )


@register.simple_tag
def movement(value):
    """Rank movement against the previous period: ▲2 (up), ▼1 (down), — (same or new)."""
    try:
        step = int(value)
    except (TypeError, ValueError):
        return format_html('<span class="move move-new">{}</span>', _("新"))
    if step > 0:
        return format_html('<span class="move move-up" title="{}">▲{}</span>', _("上升"), step)
    if step < 0:
        return format_html('<span class="move move-down" title="{}">▼{}</span>', _("下降"), -step)
    return format_html('<span class="move move-same" title="{}">—</span>', _("持平"))


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed ("" or None removes one);
    `page` is dropped whenever anything else changes, so a new filter starts at page 1."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
