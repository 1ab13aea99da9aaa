"""Import jobs are rows of the database: every process reads the same status, the importer and
the city see them, a job whose worker died shows as failed with a retry that runs the same
stored file, and stored files are deleted when no job needs them any more."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from openpyxl import Workbook

from core.models import DeletionForbidden
from imports import services
from imports.choices import JobState
from imports.models import ImportJob
from imports.tasks import check_import_jobs, run_import
from projects.models import Project
from tests.deploy.conftest import ROOT
from tests.deploy.test_celery_worker import _database_url
from tests.deploy.test_settings import MANAGE_WITHOUT_DOTENV

pytestmark = pytest.mark.django_db

HEADERS = ["项目编号", "项目名称", "所属区域", "项目级别", "建设阶段", "总投资(万元)"]
ROWS = [
    ["JOB-1", "市南区新能源产业园", "市南区", "市级", "在建", 5000],
    ["JOB-2", "市南区城市更新项目", "市南区", "区级", "储备", 1200],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path, celery_eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ledger_upload(rows=ROWS, name="台账.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def stored_files(media: Path) -> list[Path]:
    return sorted((media / "imports").glob("*")) if (media / "imports").exists() else []


def queued_job(user, django_capture_on_commit_callbacks) -> ImportJob:
    """A job recorded and stored whose task was never delivered (its commit callbacks are
    dropped), as a worker would find it."""
    with django_capture_on_commit_callbacks(execute=False):
        job = services.import_job_start(
            actor=user, kind="ledger", upload=ledger_upload(), year=2024
        )
    return job


def dying_worker(monkeypatch):
    """The importer reports 8000 of 8000 rows read, then its process dies (a BaseException,
    so nothing after it runs: no failure or result is recorded, as with SIGKILL)."""

    class Killed(BaseException):
        pass

    def importer(handle, *, progress, **kwargs):
        progress("read", 8000, 8000)
        raise Killed

    monkeypatch.setattr(services, "import_ledger", importer)
    return Killed


def test_the_status_page_reads_the_database_not_the_cache(
    client, settings, district_official, django_capture_on_commit_callbacks
):
    client.force_login(district_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:ledger_upload"), {"file": ledger_upload(), "year": 2024}
        )
    # another web worker: a cache of its own that has never seen the job
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    page = client.get(response["Location"])

    assert page.status_code == 200
    assert "已导入" in page.content.decode()
    job = ImportJob.objects.get()
    assert (job.state, job.result["counts"]["projects_created"]) == (JobState.DONE, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_another_process_reads_the_status_of_a_job(district_official, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("a second process cannot open SQLite's in-memory test database")
    job = services.import_job_start(
        actor=district_official, kind="ledger", upload=ledger_upload(), year=2024
    )
    code = (
        "from django.test import Client; from projects.models import User; "
        "c = Client(); c.force_login(User.objects.get(username='shinan')); "
        f"r = c.get('/uploads/{job.pk}/'); "
        "print(r.status_code, '已导入' in r.content.decode())"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    environment.update(
        DATABASE_URL=_database_url(connection.settings_dict),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DJANGO_SETTINGS_MODULE="portfolio.settings",
        CACHE_URL="locmemcache://another-process",
    )
    result = subprocess.run(
        [sys.executable, "-c", MANAGE_WITHOUT_DOTENV, "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200 True"


def test_the_city_sees_a_districts_job_and_another_district_does_not(
    client, district_official, city_official, other_official, django_capture_on_commit_callbacks
):
    client.force_login(district_official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:ledger_upload"), {"file": ledger_upload(), "year": 2024})
    job = ImportJob.objects.get()
    assert job.region_id == "370202"

    client.force_login(city_official)
    assert client.get(reverse("imports:import_job", args=[job.pk])).status_code == 200
    listing = client.get(reverse("imports:ledger_upload"))
    assert [j.pk for j in listing.context["jobs"]] == [job.pk]
    assert "台账.xlsx" in listing.content.decode()

    client.force_login(other_official)
    assert client.get(reverse("imports:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:ledger_upload")).context["jobs"] == []


def test_a_job_whose_worker_died_shows_failed_and_its_retry_imports_the_same_file(
    client, monkeypatch, district_official, media, django_capture_on_commit_callbacks
):
    job = queued_job(district_official, django_capture_on_commit_callbacks)
    killed = dying_worker(monkeypatch)
    with pytest.raises(killed):
        run_import.apply(args=[str(job.pk)], task_id=job.task_id)
    client.force_login(district_official)
    url = reverse("imports:import_job", args=[job.pk])

    body = client.get(url).content.decode()
    assert "导入中" in body and "8000 / 8000" in body  # still beating: running
    assert 'id="import-retry"' not in body

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301)):
        page = client.get(url)
        body = page.content.decode()
        assert page.context["job"].status == "failed"
        assert "后台导入任务已中断" in body and 'id="import-retry"' in body
        assert ImportJob.objects.get().state == JobState.RUNNING  # shown failed, stored later
        assert check_import_jobs() == {"lost": 1, "files_deleted": 0}
        assert ImportJob.objects.get().state == JobState.FAILED
        assert len(stored_files(media)) == 1  # kept for the retry

        monkeypatch.undo()  # a healthy worker from now on
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("imports:import_retry", args=[job.pk]))
    assert response["Location"] == url
    job = ImportJob.objects.get()
    assert (job.state, job.status, job.attempts) == (JobState.DONE, "done", 2)
    assert set(Project.objects.values_list("code", flat=True)) == {"JOB-1", "JOB-2"}
    assert stored_files(media) == [] and not job.file  # done: the file is deleted


def test_the_stale_limit_is_a_setting(
    settings, district_official, django_capture_on_commit_callbacks
):
    job = queued_job(district_official, django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(seconds=100)
    )
    job.refresh_from_db()
    assert job.status == "running"

    settings.IMPORT_JOB_STALE_SECONDS = 60
    assert job.status == "failed" and job.retryable


def test_a_superseded_or_redelivered_message_runs_nothing(
    district_official, django_capture_on_commit_callbacks
):
    job = queued_job(district_official, django_capture_on_commit_callbacks)

    assert run_import.apply(args=[str(job.pk)], task_id="another-task").get() == "not-claimed"
    assert run_import.apply(args=[str(job.pk)], task_id=job.task_id).get() == "done"
    assert run_import.apply(args=[str(job.pk)], task_id=job.task_id).get() == "not-claimed"
    assert ImportJob.objects.get().attempts == 1


def test_a_broker_that_is_down_fails_the_job_with_a_retry(
    monkeypatch, district_official, media, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(run_import, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(
            actor=district_official, kind="ledger", upload=ledger_upload(), year=2024
        )

    job = ImportJob.objects.get()
    assert job.state == JobState.FAILED and job.retryable
    assert "后台任务未能启动" in job.failure
    assert len(stored_files(media)) == 1


def test_a_failed_job_keeps_its_file_for_the_retention_period_then_cannot_be_retried(
    client, monkeypatch, settings, district_official, media, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOB_RETENTION_HOURS = 24

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "import_ledger", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(
            actor=district_official, kind="ledger", upload=ledger_upload(), year=2024
        )
    job = ImportJob.objects.get()
    assert job.state == JobState.FAILED and "RuntimeError" in job.failure

    assert check_import_jobs()["files_deleted"] == 0
    assert len(stored_files(media)) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert check_import_jobs() == {"lost": 0, "files_deleted": 1}
    assert stored_files(media) == []
    job.refresh_from_db()
    assert not job.retryable

    client.force_login(district_official)
    url = reverse("imports:import_job", args=[job.pk])
    assert 'id="import-retry"' not in client.get(url).content.decode()
    page = client.post(reverse("imports:import_retry", args=[job.pk]), follow=True)
    assert "上传的文件已不再保留" in page.content.decode()
    assert ImportJob.objects.get().state == JobState.FAILED


def test_a_rejected_file_is_deleted_at_once(
    district_official, media, django_capture_on_commit_callbacks
):
    rows = [["BAD-1", "坏行", "不存在区", "市级", "在建", 100]]
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(
            actor=district_official, kind="ledger", upload=ledger_upload(rows), year=2024
        )

    job = ImportJob.objects.get()
    assert (job.state, job.status, job.error_count) == (JobState.DONE, "rejected", 1)
    assert job.errors[0]["row"] == 2
    assert stored_files(media) == []


def test_only_the_importer_retries_a_job(
    client, monkeypatch, district_official, city_official, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(run_import, "apply_async", lambda *a, **k: 1 / 0)  # fails on sending
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_start(
            actor=district_official, kind="ledger", upload=ledger_upload(), year=2024
        )

    client.force_login(city_official)  # sees the job, may not run it as someone else
    assert (
        'id="import-retry"'
        not in client.get(reverse("imports:import_job", args=[job.pk])).content.decode()
    )
    assert client.post(reverse("imports:import_retry", args=[job.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.import_job_retry(actor=city_official, job_id=job.pk)
    assert ImportJob.objects.get().state == JobState.FAILED


def test_a_job_that_is_not_failed_cannot_be_retried(
    client, district_official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_start(
            actor=district_official, kind="ledger", upload=ledger_upload(), year=2024
        )
    client.force_login(district_official)

    page = client.post(reverse("imports:import_retry", args=[job.pk]), follow=True)

    assert "没有出错，不能重试" in page.content.decode()
    assert ImportJob.objects.get().attempts == 1


def test_a_queued_job_never_started_is_failed_by_the_check(
    settings, district_official, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOB_QUEUED_MAX_SECONDS = 3600
    job = queued_job(district_official, django_capture_on_commit_callbacks)
    assert check_import_jobs()["lost"] == 0

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert job.status == "failed"
        assert check_import_jobs()["lost"] == 1
    assert ImportJob.objects.get().retryable


def test_jobs_are_never_deleted_and_read_only_in_the_admin(
    district_official, django_capture_on_commit_callbacks
):
    job = queued_job(district_official, django_capture_on_commit_callbacks)
    with pytest.raises(DeletionForbidden):
        job.delete()
    with pytest.raises(DeletionForbidden):
        ImportJob.objects.all().delete()

    admin = site._registry[ImportJob]
    request = RequestFactory().get("/admin/")
    request.user = district_official
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, job)
    assert not admin.has_delete_permission(request, job)


def test_the_admin_lists_jobs_of_the_users_regions_only(
    admin_client, district_official, other_official, django_capture_on_commit_callbacks
):
    mine = queued_job(district_official, django_capture_on_commit_callbacks)
    theirs = queued_job(other_official, django_capture_on_commit_callbacks)
    admin = site._registry[ImportJob]
    request = RequestFactory().get("/admin/")
    request.user = district_official

    assert list(admin.get_queryset(request)) == [mine]
    assert admin_client.get(reverse("admin:imports_importjob_changelist")).status_code == 200
    assert theirs in ImportJob.objects.all()


def test_the_recent_imports_list_takes_four_queries_however_many_jobs(
    client,
    city_official,
    district_official,
    other_official,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    client.force_login(city_official)
    queued_job(district_official, django_capture_on_commit_callbacks)
    url = reverse("imports:ledger_upload")
    # the session; the user; the user's region (its scope); the jobs with their importers
    with django_assert_num_queries(4):
        assert len(client.get(url).context["jobs"]) == 1

    for user in (district_official, other_official, city_official) * 2:
        queued_job(user, django_capture_on_commit_callbacks)
    with django_assert_num_queries(4):
        body = client.get(url).content.decode()
    assert len(re.findall(r'href="/uploads/[0-9a-f-]{36}/"', body)) == 7  # the city sees all
