"""Where the ledger gets a reported month's last day of entry (`projects.cycle`'s late check).

The working-day calendar lies above the ledger (`supervision.workdays`); the supervision app
registers its function here when it is ready (no model import here, so an `apps.py` may import
it). `projects.E002` refuses to start without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

WindowCloses = Callable[[int, int], dt.date]
_window_closes: list[WindowCloses] = []


def set_window_closes(function: WindowCloses) -> None:
    """Registers the function giving a reported month's last day of entry (year, month)."""
    _window_closes[:] = [function]


def window_registered() -> bool:
    return bool(_window_closes)


def closes(year: int, month: int) -> dt.date:
    if not _window_closes:
        raise RuntimeError("no reporting window registered (projects.E002)")
    return _window_closes[0](year, month)
