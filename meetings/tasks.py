"""Celery tasks of the meetings app: thin, idempotent, calling a service. The schedule is in
portfolio/celery.py (the one place for periodic jobs)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="meetings.tasks.freeze_past_agendas")
def freeze_past_agendas() -> int:
    """Nightly (00:30): freezes the agendas of the meetings held before today that nobody
    froze, so a past meeting's agenda stays the record of what it discussed."""
    return services.meeting_freeze_past_agendas()
