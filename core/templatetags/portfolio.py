"""`{% load portfolio %}`: the formatting filters (`core.formatting`) and the query-string tag."""

from __future__ import annotations

from typing import Any

from django import template

from .. import formatting

register = template.Library()

for _name in ("wan", "yi", "money", "number", "pct", "points"):
    register.filter(_name, getattr(formatting, _name))
for _name in ("cndate", "cndatetime", "cnperiod", "cnmonth"):
    register.filter(_name, getattr(formatting, _name))


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed ("" or None removes one);
    `page` (and a keyset list's cursors `after` / `before`, `core.keyset`) is dropped whenever
    anything else changes, so a new filter or sort starts at page 1."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        for key in ("page", "after", "before"):
            params.pop(key, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
