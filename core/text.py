"""Text in, text out: the one rule for user text.

In: `clean_text` removes control characters (C0 and C1, DEL; tab, newline and carriage return
stay) from what a user types, pastes or uploads — forms, the API and the importers call it —
so that no name can break an export, a letter or a query later.

Out: `spreadsheet_text` makes user text safe for a spreadsheet cell: never a formula (a leading
`= + - @`, tab or carriage return gets an apostrophe, as OWASP recommends against formula
injection) and never a character Excel refuses; `from_spreadsheet` undoes the apostrophe when a
sheet made by the product is imported back.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def has_control(text: str) -> bool:
    """True if `text` holds a control character other than tab, newline or carriage return."""
    return bool(_CONTROL.search(text))


def clean_text(text: str) -> str:
    """`text` without control characters (tab, newline and carriage return kept)."""
    return _CONTROL.sub("", text)


def spreadsheet_text(text: str) -> str:
    """User text for a spreadsheet cell: cleaned, and escaped if it would start a formula."""
    text = clean_text(text)
    return ESCAPE + text if text.startswith(FORMULA_START) else text


def from_spreadsheet(text: str) -> str:
    """Text read from a cell: the escape `spreadsheet_text` added is removed."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
