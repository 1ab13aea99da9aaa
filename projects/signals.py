"""Signals of the ledger, for the apps above it (which the ledger must not import).

- `reports_changed(sender=MonthlyReport, reports=[(project_id, year, month), …])`: monthly reports
  were created or corrected; sent when the transaction that saved them commits (page, API,
  import, admin alike). The assessment recomputes the affected periods. `checks.py` refuses to
  start without a receiver, so a recompute can never be switched off silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

reports_changed = Signal()


def send_reports_changed(sender: type, reports: Iterable[tuple[int, int, int]]) -> None:
    """Sends `reports_changed` for `reports` once the current transaction commits."""
    changed = sorted(set(reports))
    if changed:
        transaction.on_commit(lambda: reports_changed.send(sender=sender, reports=changed))
