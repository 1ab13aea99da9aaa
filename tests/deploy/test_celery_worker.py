"""A real Celery worker process, started by the test, runs tasks sent through Redis and writes to
the very database the test reads (pytest-django's test database, one per xdist worker).

Skipped on the embedded default (no broker); `.ci/run` sets REQUIRE_CELERY_WORKER=1 with
PostgreSQL and Redis, where a skip becomes a failure."""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections

from assessment.choices import Colour
from projects.models import MonthlyReport
from tests.deploy.conftest import ROOT, skip_or_fail
from tests.factories import MonthlyReportFactory, ProjectYearFactory

pytestmark = pytest.mark.celery_worker

STARTUP_TIMEOUT = 90  # seconds for the worker to boot Django and answer the first task
TASK_TIMEOUT = 60


def _database_url(settings_dict: dict) -> str:
    """The URL of the database this process is connected to (the test database), for the
    worker's DATABASE_URL."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


class Worker:
    def __init__(self, process: subprocess.Popen, queue: str, log: Path):
        self.process, self.queue, self.log = process, queue, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def result(self, async_result, timeout: float = TASK_TIMEOUT):
        """Wait for a task's result, failing at once (with the worker's log) if the worker died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if async_result.ready():
                try:
                    return async_result.get(timeout=5, propagate=True)
                finally:
                    async_result.forget()  # leave no result key in Redis
            if self.process.poll() is not None:
                pytest.fail(
                    f"Celery worker exited with {self.process.returncode}:\n{self.output()}"
                )
            time.sleep(0.2)
        pytest.fail(f"no result from the Celery worker in {timeout}s:\n{self.output()}")


def require_worker_setup() -> None:
    """Skip (or, in CI, fail) unless a real worker can run: Redis broker, PostgreSQL database."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        skip_or_fail(f"needs CELERY_BROKER_URL=redis://… (it is {broker!r})")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        skip_or_fail("CELERY_TASK_ALWAYS_EAGER is on: tasks would not reach the worker")
    if connections["default"].settings_dict["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail(
            "needs PostgreSQL (DATABASE_URL=postgres://…): a worker process cannot open "
            "the in-memory SQLite test database"
        )


def launch_worker() -> Worker:
    """A Celery worker process on a queue of its own, against this test database."""
    broker = settings.CELERY_BROKER_URL
    database = connections["default"].settings_dict
    # A queue and a worker name of this run alone: parallel runs (and xdist workers) sharing the
    # Redis database never take each other's messages.
    queue = f"portfolio-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        "DATABASE_URL": _database_url(database),  # test_<name>[_gwN], created by pytest-django
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PORTFOLIO_TEST_QUEUE": queue,  # follow-up tasks come back here (worker_tasks.py)
    }
    log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portfolio",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--include",
                "tests.deploy.worker_tasks",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Worker(process, queue, log)


def stop_worker(worker: Worker) -> None:
    process = worker.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    # The worker declared its queue's binding in Redis; leave nothing behind.
    from portfolio.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.client.delete(
            f"_kombu.binding.{worker.queue}",
            f"_kombu.binding_permanent.{worker.queue}",
            worker.queue,
        )
    worker.log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    require_worker_setup()
    worker = launch_worker()
    try:
        yield worker
    finally:
        stop_worker(worker)


def test_worker_answers_ping_through_redis(celery_worker):
    from portfolio.celery import app

    sent = app.send_task("portfolio.ping", queue=celery_worker.queue)

    assert celery_worker.result(sent, timeout=STARTUP_TIMEOUT) == "pong"
    assert "portfolio.ping" in celery_worker.output()  # the worker process logged running it


@pytest.mark.django_db(transaction=True)
def test_worker_writes_a_monthly_report_into_the_test_database(celery_worker, project):
    from portfolio.celery import app

    sent = app.send_task(
        "tests.deploy.record_monthly_report",
        args=[project.pk, 2024, 5, "321.50"],
        queue=celery_worker.queue,
    )
    report_id = celery_worker.result(sent, timeout=STARTUP_TIMEOUT)

    # Read back in this process: the row the worker committed, with the service's history row.
    report = MonthlyReport.objects.get(pk=report_id)
    assert (report.project_id, report.year, report.month) == (project.pk, 2024, 5)
    assert report.completed_investment == Decimal("321.50")
    assert report.history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_reports_the_services_validation_error_and_writes_nothing(celery_worker, project):
    from django.core.exceptions import ValidationError

    from portfolio.celery import app

    sent = app.send_task(
        "tests.deploy.record_monthly_report",
        args=[project.pk, 2024, 13, "1.00"],  # month 13
        queue=celery_worker.queue,
    )
    with pytest.raises(ValidationError) as raised:
        celery_worker.result(sent, timeout=STARTUP_TIMEOUT)

    assert "month" in str(raised.value)
    assert not MonthlyReport.objects.filter(project=project).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_daily_overdue_job_of_the_beat_schedule(celery_worker, project):
    from portfolio.celery import app
    from supervision.choices import IssueCategory, IssueStatus
    from supervision.models import Issue

    issue = Issue.objects.create(
        project=project,
        title="用地指标未落实",
        category=IssueCategory.LAND,
        status=IssueStatus.ASSIGNED,
        raised_at=dt.datetime(2024, 1, 2, 9, tzinfo=dt.UTC),
        assigned_on=dt.date(2024, 1, 3),
        deadline=dt.date(2024, 1, 10),  # long past, whatever day the worker thinks it is
    )
    task = next(
        entry["task"]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "supervision.tasks.flag_overdue_issues"
    )

    celery_worker.result(app.send_task(task, queue=celery_worker.queue))

    issue.refresh_from_db()
    assert issue.overdue_flagged_on is not None  # written by the worker, read here


@pytest.mark.django_db(transaction=True)
def test_worker_recomputes_a_period_and_the_test_reads_the_figures(celery_worker, project):
    from assessment.models import ProjectStatus
    from portfolio.celery import app

    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200.00"))
    for month, amount in ((3, "100.00"), (4, "150.00"), (5, "250.00")):
        MonthlyReportFactory(
            project=project, year=2024, month=month, completed_investment=Decimal(amount)
        )

    sent = app.send_task(
        "assessment.tasks.recompute_period", args=[2024, 5], queue=celery_worker.queue
    )
    celery_worker.result(sent)

    status = ProjectStatus.objects.get(project=project, year=2024, month=5)
    assert status.completed_ytd == Decimal("500.00")
    assert status.annual_plan == Decimal("1200.00")
    assert status.colour in Colour.values  # one of the four colours, whichever the rules give
