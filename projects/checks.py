"""System checks of the ledger (run by `manage.py check`, so by `make test` and CI)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from . import windows
from .signals import reports_changed


@register()
def reports_changed_has_a_receiver(**kwargs: Any) -> list[Error]:
    """A saved report must reach the recompute: refuse to run if nobody listens."""
    if reports_changed.has_listeners():
        return []
    return [
        Error(
            "projects.signals.reports_changed has no receiver: saved monthly reports would "
            "never be recomputed.",
            hint="Install the assessment app (it connects the receiver in AssessmentConfig.ready).",
            id="projects.E001",
        )
    ]


@register()
def reporting_window_registered(**kwargs: Any) -> list[Error]:
    """The reporting cycle's late check needs the window's close date (`projects.windows`)."""
    if windows.window_registered():
        return []
    return [
        Error(
            "projects.cycle has no reporting window: late entries could not be marked.",
            hint="Install the supervision app (it registers it in SupervisionConfig.ready).",
            id="projects.E002",
        )
    ]
