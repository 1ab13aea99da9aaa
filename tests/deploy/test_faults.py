"""Nothing is lost on a fault, with the real pieces: a Redis outage while reports are saved (the
queue slot is freed and the next save queues the recompute again once Redis is back), and a
worker killed in the middle of a recompute (the period stays marked changed, no lock is left,
the next run computes it). Redis is a server of the test's own, on its own port, stopped and
started by the test; the worker is a real Celery worker process, killed with SIGKILL."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import kombu.pools
import pytest
from celery import current_app
from django.conf import settings
from django.db import connection

from assessment import recompute
from assessment.models import PeriodComputation, ProjectStatus, RecomputeRequest
from assessment.recompute import parallel
from core.periods import Period
from projects import services
from tests.deploy.conftest import skip_or_fail
from tests.deploy.test_celery_worker import launch_worker, require_worker_setup, stop_worker
from tests.factories import ProjectYearFactory

pytestmark = pytest.mark.celery_worker

MAY = Period(2024, 5)
REDIS_SERVER = "/usr/bin/redis-server"


def reset_broker_connections() -> None:
    """Forget every pooled broker connection (closed pools refuse new ones), so the next
    publish connects afresh to whatever `broker_url` now says."""
    kombu.pools.reset()
    current_app._pool = None
    current_app.amqp._producer_pool = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test alone, on its own port, that the test stops and starts."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("the test's own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings, monkeypatch):
    if not Path(REDIS_SERVER).exists():
        skip_or_fail("needs redis-server (Debian's redis-server package)")
    server = OwnRedis()
    server.start()
    saved = {
        key: current_app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_connection_timeout")
    }
    saved_policy = current_app.conf.task_publish_retry_policy
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    current_app.conf.broker_url = server.url
    current_app.conf.task_always_eager = False
    current_app.conf.broker_connection_timeout = 1
    current_app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reset_broker_connections()
    try:
        yield server
    finally:
        server.stop()
        for key, value in saved.items():
            current_app.conf[key] = value
        current_app.conf.task_publish_retry_policy = saved_policy
        reset_broker_connections()


def save(project, month: int, amount: str, capture) -> None:
    with capture(execute=True):
        services.report_create(
            project=project, year=2024, month=month, completed_investment=Decimal(amount)
        )


@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_frees_the_queue_slot_and_the_next_save_queues_again(
    own_redis, project, django_capture_on_commit_callbacks, caplog
):
    import redis

    save(project, 4, "10", django_capture_on_commit_callbacks)  # Redis up: queued
    assert RecomputeRequest.objects.get(year=2024, month=4).queued_at is not None
    own_redis.stop()
    save(project, 5, "20", django_capture_on_commit_callbacks)  # Redis down
    request = RecomputeRequest.objects.get(year=2024, month=5)
    assert request.queued_at is None and request.dirty_since is not None
    assert "could not queue" in caplog.text
    own_redis.start()
    reset_broker_connections()
    with django_capture_on_commit_callbacks(execute=True):
        report = project.reports.get(month=5)
        services.report_update(
            report=report, expected_version=report.version, completed_investment=Decimal("25")
        )
    assert RecomputeRequest.objects.get(year=2024, month=5).queued_at is not None
    assert redis.Redis(port=own_redis.port).llen("celery") == 1  # the recompute of May


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_midway_through_a_recompute_leaves_the_period_marked(project):
    require_worker_setup()
    from portfolio.celery import app

    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200.00"))
    services.report_create(project=project, year=2024, month=5, completed_investment=Decimal("1"))
    recompute.mark_changed(MAY)
    started = Path(tempfile.mkstemp(prefix="recompute-started-")[1])
    started.unlink()
    worker = launch_worker()
    try:
        app.send_task(
            "tests.deploy.slow_recompute", args=[2024, 5, str(started)], queue=worker.queue
        )
        deadline = time.monotonic() + 120
        while not started.exists():
            if time.monotonic() > deadline or worker.process.poll() is not None:
                pytest.fail(f"the recompute never started:\n{worker.output()}")
            time.sleep(0.2)
        os.kill(worker.process.pid, signal.SIGKILL)  # the worker dies inside the transaction
        worker.process.wait(timeout=20)
    finally:
        stop_worker(worker)
        started.unlink(missing_ok=True)

    # A parallel run's staging table outlives its killed process (a later run sweeps it once a
    # day old): dropped here, so no later test finds it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE starts_with(tablename, %s)",
            [parallel.STAGE_PREFIX],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
    assert recompute.is_dirty(MAY)  # the change is not forgotten
    assert not ProjectStatus.objects.filter(year=2024, month=5).exists()
    assert PeriodComputation.objects.get(year=2024, month=5).runs == 0
    # the dead worker's transaction and locks are gone: the next run goes through
    result = recompute.run_if_dirty(MAY)
    assert result is not None and result.projects == 1
    assert not recompute.is_dirty(MAY)
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
