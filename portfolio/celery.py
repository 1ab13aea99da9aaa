"""The Celery application. Settings come from Django's settings with the CELERY_ prefix.

With no broker configured (the embedded default) tasks run eagerly in-process, so `make run`
needs nothing but Python.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs, declared here and nowhere else (django-celery-beat's DatabaseScheduler picks
# them up and lets an administrator adjust times in the admin). Times are Asia/Shanghai.
app.conf.beat_schedule = {
    "freeze-past-agendas": {
        "task": "meetings.tasks.freeze_past_agendas",
        "schedule": crontab(hour=0, minute=30),
    },
    "nightly-recompute": {
        "task": "assessment.tasks.nightly_recompute",
        "schedule": crontab(hour=1, minute=30),
    },
    "publish-due-rankings": {
        "task": "assessment.tasks.publish_due_rankings",
        "schedule": crontab(hour=6, minute=0),
    },
    # import jobs whose worker died → failed (with a retry); stored files no job needs → deleted
    "check-import-jobs": {
        "task": "imports.tasks.check_import_jobs",
        "schedule": crontab(minute="*/5"),
    },
    "flag-overdue-issues": {
        "task": "supervision.tasks.flag_overdue_issues",
        "schedule": crontab(hour=7, minute=0),
    },
    # notifications: deliveries due (new, or failed with their back-off passed); the digest
    "retry-deliveries": {
        "task": "supervision.tasks.retry_deliveries",
        "schedule": crontab(minute="*"),
    },
    "send-daily-digests": {
        "task": "supervision.tasks.send_daily_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    # the monthly reporting window: opens today / closes tomorrow / 催报 after the close
    "send-reporting-reminders": {
        "task": "supervision.tasks.send_reporting_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    # issues due by the next working day (issue.due_soon)
    "notify-issues-due-soon": {
        "task": "supervision.tasks.notify_issues_due_soon",
        "schedule": crontab(hour=8, minute=35),
    },
}


@app.task(name="portfolio.ping")
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"
