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


@shared_task(name="tests.deploy.slow_recompute")
def slow_recompute(year: int, month: int, started_file: str) -> str:
    """The debounced recompute of a period, held up inside its transaction (after the period's
    lock, before the rows are written) until the test kills this worker: it writes
    `started_file` first, so the test knows the run is midway."""
    import time
    from pathlib import Path

    from assessment import recompute
    from assessment.recompute import statement
    from core.periods import Period

    real_clear = statement.clear  # both engines clear first, inside the transaction

    def held_up(*args, **kwargs):
        Path(started_file).write_text("midway")
        time.sleep(120)
        return real_clear(*args, **kwargs)

    statement.clear = held_up
    return str(recompute.run_if_dirty(Period(year, month)))
