"""Loaded only into the worker the integration test starts (`celery --include`); not collected
by pytest (no test_ prefix) and not part of the app.

- Tasks that the worker's own tasks send (on_commit follow-ups such as recomputes or emails) go
  to the test's queue, so this worker runs them too and nothing is left in a shared queue.
- `record_monthly_report` writes through the app's own service, so the round trip covers
  worker → Django → the test database.
"""

import os
from decimal import Decimal

from celery import current_app, shared_task

if queue := os.environ.get("PORTFOLIO_TEST_QUEUE"):
    current_app.conf.task_routes = {"*": {"queue": queue}}


@shared_task(name="tests.deploy.record_monthly_report")
def record_monthly_report(project_id: int, year: int, month: int, completed: str) -> int:
    from projects import services
    from projects.models import Project

    report = services.report_create(
        project=Project.objects.get(pk=project_id),
        year=year,
        month=month,
        completed_investment=Decimal(completed),
        note="由 Celery worker 写入",
    )
    return report.pk
