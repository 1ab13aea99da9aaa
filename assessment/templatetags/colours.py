"""`{% load colours %}`: a project's four colours and a ranking's movement, as the pages show
them (the palette itself is `assessment.choices.Colour`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessment.choices import Colour

register = template.Library()


@register.filter
def colour_label(value: Any) -> str:
    """ "red" → "红"; blank (not assessed) → "—"."""
    return str(Colour(value).label) if value in Colour.values else "—"


@register.simple_tag
def colour_badge(value: Any, reason: str = "") -> SafeString:
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
def movement(value: Any) -> SafeString:
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
