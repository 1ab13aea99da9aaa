"""Celery tasks of the supervision app: thin — fetch by id, call a service. The schedule of the
daily job is declared in portfolio/celery.py (the one place for periodic jobs)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notifications, services
from .models import Notification


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


@shared_task(
    name="supervision.tasks.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    """Emails one notification, once: the row is claimed with a conditional update first."""
    notification = (
        Notification.objects.select_related("recipient_person", "recipient_user")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return False
    address = notifications.recipient_email(notification)
    if not address:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        send_mail(
            subject=_("【重点项目督导】%(text)s") % {"text": notification.text[:40]},
            message=f"{notification.text}\n\n{notification.link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    except OSError:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


@shared_task(name="supervision.tasks.recompute_deadlines")
def recompute_deadlines() -> int:
    """Recomputes provisional working-day deadlines (e.g. after a holiday correction)."""
    return services.deadlines_recompute()
