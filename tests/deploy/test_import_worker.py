"""An upload's import job run by a real Celery worker process (Redis, PostgreSQL), which the
test kills with SIGKILL in the middle of the import: the job the dead worker left "running"
shows as failed once its heartbeat is stale, the periodic check stores it so, and its retry
imports the same stored file.

Skipped on the embedded default (no broker); `.ci/run` sets REQUIRE_CELERY_WORKER=1."""

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from openpyxl import Workbook

from imports import services
from imports.choices import JobState
from imports.models import ImportJob
from imports.tasks import check_import_jobs
from projects.models import Project
from tests.deploy.conftest import ROOT, skip_or_fail
from tests.deploy.test_celery_worker import _database_url

pytestmark = pytest.mark.celery_worker

ROWS = 5000


def big_ledger() -> SimpleUploadedFile:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["项目编号", "项目名称", "所属区域", "项目级别", "建设阶段", "总投资(万元)"])
    for n in range(ROWS):
        sheet.append([f"KILL-{n:05d}", f"项目{n}", "市南区", "区级", "在建", 100 + n])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("大台账.xlsx", buffer.getvalue())


@pytest.fixture
def worker(tmp_path, settings):
    """A worker of this test alone (its own queue), which the test may kill."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://") or settings.CELERY_TASK_ALWAYS_EAGER:
        skip_or_fail(f"needs CELERY_BROKER_URL=redis://… and no eager tasks (it is {broker!r})")
    database = connections["default"].settings_dict
    if database["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: a worker process cannot open SQLite's in-memory database")
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"portfolio-test-import-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    log = Path(tempfile.mkstemp(prefix="celery-import-worker-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        "DATABASE_URL": _database_url(database),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTFOLIO_TEST_QUEUE": queue,
    }
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portfolio", "worker", "--pool=solo",
             "-Q", queue, "-n", f"{queue}@%h", "--include", "tests.deploy.worker_tasks",
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    process.queue = queue
    process.log = log
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=20)
        with current_app.connection_for_write() as connection:
            client = connection.default_channel.client
            client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", queue)
            # the killed worker's unacknowledged message: never restored to a queue
            for tag, payload in client.hgetall("unacked").items():
                if queue in str(json.loads(payload)[1:]):
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
        log.unlink(missing_ok=True)


def wait_for(predicate, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited: {worker.log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.05)
    log = worker.log.read_text(errors="replace")[-4000:] if worker is not None else ""
    pytest.fail(f"{what} within {timeout}s\n{log}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_a_failed_job_whose_retry_imports_the_file(
    worker, monkeypatch, settings, district_official
):
    task = current_app.tasks[services.RUN_TASK]
    monkeypatch.setattr(
        services,
        "_send",
        lambda job_id, task_id: task.apply_async(
            (str(job_id),), task_id=task_id, queue=worker.queue
        ),
    )
    job = services.import_job_start(
        actor=district_official, kind="ledger", upload=big_ledger(), year=2024
    )

    def running():
        job.refresh_from_db()
        return job.state == JobState.RUNNING

    wait_for(running, 90, "the worker did not start the job", worker)
    worker.send_signal(signal.SIGKILL)  # mid-import: nothing after this line runs in it
    worker.wait(timeout=20)

    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # what the dead worker left
    assert not Project.objects.exists()  # all or nothing: its transaction never committed
    settings.IMPORT_JOB_STALE_SECONDS = 1
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "failed", 10, "not lost")
    assert check_import_jobs()["lost"] == 1
    assert ImportJob.objects.get(pk=job.pk).retryable  # its file is still stored

    previous, current_app.conf.task_always_eager = current_app.conf.task_always_eager, True
    try:  # the retry runs here, in-process
        services.import_job_retry(actor=district_official, job_id=job.pk)
    finally:
        current_app.conf.task_always_eager = previous

    job.refresh_from_db()
    assert (job.state, job.status, job.attempts) == (JobState.DONE, "done", 2)
    assert Project.objects.filter(code__startswith="KILL-").count() == ROWS
    assert not job.file and not any(Path(settings.MEDIA_ROOT).rglob("*.xlsx"))
