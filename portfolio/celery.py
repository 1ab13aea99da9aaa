"""The Celery application. Settings come from Django's settings with the CELERY_ prefix.

With no broker configured (the embedded default) tasks run eagerly in-process, so `make run`
needs nothing but Python.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portfolio.ping")
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"
