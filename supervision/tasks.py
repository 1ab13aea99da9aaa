"""Celery tasks of the supervision app: thin — fetch by id, call a service. The schedule of the
daily job is declared in portfolio/celery.py (the one place for periodic jobs)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import channels, services
from .choices import DeliveryStatus
from .models import Delivery, Notification


@shared_task(name="supervision.tasks.flag_overdue_issues")
def flag_overdue_issues() -> dict:
    """Daily (07:00): marks overdue issues, escalates them, notifies the chain. Idempotent."""
    result = services.issues_flag_overdue()
    return {
        "flagged": result.flagged,
        "escalated": result.escalated,
        "notifications": result.notifications,
    }


@shared_task(name="supervision.tasks.send_reporting_reminders")
def send_reporting_reminders() -> dict:
    """Daily (08:30): the reporting window's open, closing and 催报 messages. Idempotent."""
    from . import events  # noqa: PLC0415  (events imports notifications, which imports this)

    result = events.send_reporting_reminders()
    return {"opened": result.opened, "closing": result.closing, "missing": result.missing}


@shared_task(name="supervision.tasks.notify_issues_due_soon")
def notify_issues_due_soon() -> int:
    """Daily (08:30): issues due by the next working day → their assignee and chain. Idempotent."""
    from . import events  # noqa: PLC0415  (events imports notifications, which imports this)

    return events.notify_issues_due_soon()


@shared_task(name="supervision.tasks.send_notification_email")
def send_notification_email(notification_id: int) -> bool:
    """Emails one notification, once (kept for tasks queued by older releases): its e-mail
    delivery is made if missing and sent like any other (`channels.deliver`)."""
    notification = (
        Notification.objects.select_related("recipient_person", "recipient_user")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return False
    delivery_id = channels.email_delivery_for(notification)
    if delivery_id is None:
        return False
    return channels.deliver(delivery_id) == DeliveryStatus.SENT


@shared_task(name="supervision.tasks.send_delivery")
def send_delivery(delivery_id: int) -> str | None:
    """Sends one delivery (e-mail, digest, group bot) once; a failure is recorded on the row and
    retried with back-off — here when a worker runs the tasks, else by `retry_deliveries`."""
    status = channels.deliver(delivery_id)
    if status == DeliveryStatus.RETRY and not settings.CELERY_TASK_ALWAYS_EAGER:
        row = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first()
        countdown = channels.backoff(row or 1).total_seconds()
        send_delivery.apply_async((delivery_id,), countdown=countdown)
    return status


@shared_task(name="supervision.tasks.retry_deliveries")
def retry_deliveries() -> int:
    """Every minute: sends the deliveries that are due (pending, or failed with their back-off
    passed) — in-process without a broker, else one task each, so a slow webhook does not hold
    the others. Claiming is per row, so this and `send_delivery` never send a row twice."""
    due = channels.retry_due()
    for delivery_id in due:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            channels.deliver(delivery_id)
        else:
            send_delivery.delay(delivery_id)
    return len(due)


@shared_task(name="supervision.tasks.send_daily_digests")
def send_daily_digests() -> int:
    """Daily (08:00): one e-mail per person with their notifications chosen for the digest."""
    ids = channels.plan_digests()
    for delivery_id in ids:
        channels.deliver(delivery_id)
    return len(ids)


@shared_task(name="supervision.tasks.recompute_deadlines")
def recompute_deadlines() -> int:
    """Recomputes provisional working-day deadlines (e.g. after a holiday correction)."""
    return services.deadlines_recompute()
