"""An edit behind an import's row locks (issue #10): the web process waits at most
DATABASE_LOCK_TIMEOUT_MS for a lock, then answers 503 "busy, retry" with Retry-After — a page
for the pages, `{"detail": …}` for the API — instead of hanging for as long as the import runs.
Celery workers and management commands keep the server's defaults (core.db).

The lock tests hold a real row lock in a second PostgreSQL connection, as an import does; the
answer to a timeout is also shown on any database with the error raised in place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.db import disable_web_timeouts, enable_web_timeouts, is_database_busy
from projects import services
from tests.deploy.conftest import ROOT
from tests.ui.test_reporting import post_data

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="lock_timeout and row locks held by a second connection need PostgreSQL "
    "(DATABASE_URL=postgres://…); the 503 itself is tested on every database below",
)


class DriverError(Exception):
    """What psycopg raises: the SQLSTATE on the exception Django wraps."""

    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def locked_error(message: str = "canceling statement due to lock timeout", sqlstate="55P03"):
    error = OperationalError(message)
    error.__cause__ = DriverError(sqlstate)
    return error


# --- Which errors mean "busy" ------------------------------------------------------------------


@pytest.mark.parametrize("sqlstate", ["55P03", "57014", "40P01", "40001"])
def test_lock_and_statement_timeouts_and_deadlocks_are_busy(sqlstate):
    assert is_database_busy(locked_error(sqlstate=sqlstate))


def test_sqlite_database_is_locked_is_busy():
    assert is_database_busy(OperationalError("database is locked"))


def test_other_database_errors_are_not_busy():
    assert not is_database_busy(locked_error("relation does not exist", sqlstate="42P01"))
    assert not is_database_busy(OperationalError("connection refused"))
    assert not is_database_busy(ValueError("database is locked"))


# --- The 503 answers (any database: the error raised where the view queries) ----------------


def test_a_page_that_finds_the_data_busy_answers_503_with_a_chinese_page(
    monkeypatch, district_official
):
    def busy(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("supervision.selectors.issue_list", busy)
    client = Client()
    client.force_login(district_official)

    response = client.get(reverse("supervision:issue_board"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert "数据正忙，请稍后重试" in response.content.decode()


def test_an_api_call_that_finds_the_data_busy_answers_json_503(
    monkeypatch, district_official, project
):
    def busy(**kwargs):
        raise locked_error()

    monkeypatch.setattr("projects.services.project_update", busy)
    client = APIClient()
    client.force_authenticate(district_official)

    response = client.patch(
        f"/api/v1/projects/{project.code}/", {"name": "新名称", "version": 1}, format="json"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "数据正被其他操作（如导入、重算）占用，请稍后重试。"}


# --- Real row locks on PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def web_connection(transactional_db):
    """The test's own database connection opened as the web process opens it."""
    enable_web_timeouts()
    connection.close()  # the next query reconnects, with the web limits
    try:
        yield connection
    finally:
        disable_web_timeouts()
        connection.close()


@pytest.fixture
def import_transaction():
    """A second connection standing for an import: `hold(sql, params)` runs an UPDATE in a
    transaction left open (its row locks held) until the test ends."""
    import psycopg

    params = connection.get_connection_params()
    holder = psycopg.connect(
        dbname=params["dbname"],
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        password=params.get("password"),
    )
    # Without the limit the request would wait for the import to end: it ends after 20 s
    # here, so a regression fails (a 200 after 20 s) instead of hanging the suite.
    import_ends = threading.Timer(20, holder.rollback)
    try:
        yield lambda sql, values: (holder.execute(sql, values), import_ends.start())
    finally:
        import_ends.cancel()
        holder.rollback()
        holder.close()


@postgresql
def test_api_edit_behind_an_imports_row_lock_gets_503_within_six_seconds(
    web_connection, import_transaction, district_official, project
):
    client = APIClient()
    client.force_authenticate(district_official)
    version = client.get(f"/api/v1/projects/{project.code}/").json()["version"]
    import_transaction("UPDATE projects_project SET name = name WHERE id = %s", [project.pk])

    started = time.monotonic()
    response = client.patch(
        f"/api/v1/projects/{project.code}/", {"name": "新名称", "version": version}, format="json"
    )
    waited = time.monotonic() - started

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert "请稍后重试" in response.json()["detail"]
    assert 4.5 < waited < 6.5  # DATABASE_LOCK_TIMEOUT_MS = 5000 (before: as long as the import)


@postgresql
def test_sheet_save_behind_a_report_import_gets_the_busy_page_and_saves_nothing(
    web_connection, import_transaction, district_official, project, settings
):
    settings.DATABASE_LOCK_TIMEOUT_MS = 1000
    connection.close()  # reconnect with the shorter limit
    report = services.report_create(
        project=project, year=2026, month=10, completed_investment=100, actor=district_official
    )
    client = Client()
    client.force_login(district_official)
    url = reverse("projects:reporting_form", args=[project.region_id, "2026-10"])
    opened = client.get(url)
    import_transaction("UPDATE projects_monthlyreport SET note = note WHERE id = %s", [report.pk])

    started = time.monotonic()
    response = client.post(url, post_data(opened, {project.code: "250"}))
    waited = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "数据正忙，请稍后重试" in response.content.decode()
    assert waited < 3
    report.refresh_from_db()
    assert report.completed_investment == 100


@postgresql
def test_a_statement_running_past_the_limit_is_busy(web_connection, settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 200
    connection.close()
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    assert is_database_busy(raised.value)


# --- Only the web process is limited -------------------------------------------------------------

SHOW_LIMITS = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
django.setup()
from django.db import connection

def limits():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW lock_timeout")
            lock = cursor.fetchone()[0]
            cursor.execute("SHOW statement_timeout")
            statement = cursor.fetchone()[0]
            cursor.execute("SHOW jit")
            return [lock, statement, cursor.fetchone()[0]]
        cursor.execute("PRAGMA busy_timeout")
        return [cursor.fetchone()[0]]

import portfolio.celery  # what a Celery worker imports
worker = limits()
connection.close()
import portfolio.wsgi  # what gunicorn and runserver import
connection.close()
print(json.dumps({"worker": worker, "web": limits()}))
"""


def test_the_web_process_is_limited_and_workers_and_commands_are_not(tmp_path):
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        # The same server's `postgres` database: it always exists (DATABASE_URL's own may not:
        # the tests run in a test database of their own) and SHOW needs no table.
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    env.pop("DATABASE_LOCK_TIMEOUT_MS", None)
    env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_LIMITS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    limits = json.loads(result.stdout.strip().splitlines()[-1])
    if connection.vendor == "postgresql":
        # JIT: the server's own default for a worker (on since PostgreSQL 12), off for the web
        assert limits == {"worker": ["0", "0", "on"], "web": ["5s", "30s", "off"]}
    else:
        assert limits == {"worker": [20000], "web": [5000]}
