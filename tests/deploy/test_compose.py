"""docker-compose.yml and the Dockerfile refer only to things that exist in the project. No Docker
engine runs here, so these tests read the files: each service's command names a real module, app
or scheduler; every variable is documented and read; health checks and volumes are present; the
web health check's snippet really fails on a 503."""

import importlib
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml
from django.conf import settings
from django.urls import resolve

from core.db import disable_web_timeouts
from portfolio import views
from portfolio.celery import app as celery_app
from tests.deploy.conftest import ROOT, readme, settings_variables

APP_SERVICES = ("migrate", "web", "worker", "beat")
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:[:?\-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command(service: dict) -> list[str]:
    value = service["command"]
    return value.split() if isinstance(value, str) else value


def option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1]


def test_compose_has_the_services_of_the_installation(services):
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "redis"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert services[name]["build"] == ".", name  # one image for every process


def test_web_runs_gunicorn_on_the_projects_wsgi_application(services):
    arguments = command(services["web"])

    assert arguments[0] == "gunicorn"
    module = importlib.import_module(arguments[1])  # portfolio.wsgi
    disable_web_timeouts()  # importing it turned the web process's timeouts on (core.db)
    assert arguments[1] == settings.WSGI_APPLICATION.rsplit(".", 1)[0]
    assert callable(module.application)
    assert option(arguments, "--bind").endswith(":8000")


def test_worker_and_beat_run_the_projects_celery_app(services):
    from celery import Celery

    for name, verb in (("worker", "worker"), ("beat", "beat")):
        arguments = command(services[name])
        assert arguments[:2] == ["celery", "-A"], name
        assert arguments[3] == verb, name
        app = importlib.import_module(arguments[2]).celery_app  # what `celery -A portfolio` finds
        assert isinstance(app, Celery)
        assert app.main == "portfolio"


def test_beat_uses_the_database_scheduler_of_the_settings(services):
    scheduler = option(command(services["beat"]), "--scheduler")

    assert scheduler == settings.CELERY_BEAT_SCHEDULER
    module, name = scheduler.split(":")
    assert hasattr(importlib.import_module(module), name)
    assert "django_celery_beat" in settings.INSTALLED_APPS


def test_migrations_run_once_before_the_app_starts(services):
    assert command(services["migrate"]) == ["python", "manage.py", "migrate", "--no-input"]
    assert (ROOT / "manage.py").is_file()
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_every_long_running_service_has_a_healthcheck(services):
    for name in ("web", "worker", "beat", "db", "redis"):
        check = services[name]["healthcheck"]
        assert check["test"], name
        assert "interval" in check and "retries" in check, name

    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web
    assert resolve("/healthz").func is views.healthz
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery -A portfolio inspect ping" in worker
    beat_pidfile = option(command(services["beat"]), "--pidfile")
    assert beat_pidfile in " ".join(services["beat"]["healthcheck"]["test"])


def test_data_lives_in_named_volumes(compose, services):
    assert "postgres-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    for name in APP_SERVICES:
        assert "media:/app/media" in services[name]["volumes"], name
    assert set(compose["volumes"]) == {"postgres-data", "media", "redis-data"}


def test_app_services_set_only_variables_that_settings_read(services):
    read = settings_variables()
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) <= read, (name, set(environment) - read)
        assert environment["DEBUG"] == "0", name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/"), name


def test_every_variable_the_compose_file_uses_is_in_the_readme(services):
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(INTERPOLATION.findall(text))
    for name in APP_SERVICES:
        used |= set(services[name]["environment"])

    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"} <= used
    missing = sorted(name for name in used if f"`{name}`" not in readme())
    assert not missing, f"README.md does not list: {missing}"


def test_dockerfile_builds_a_non_root_gunicorn_image_with_collected_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1) for line in dockerfile.replace("\\\n", " ").splitlines() if line
    ]
    instructions = [(i[0], i[1] if len(i) > 1 else "") for i in instructions if i[0].isupper()]

    assert instructions[0] == ("FROM", "python:3.11-slim")
    for keyword, argument in instructions:
        if keyword == "COPY":
            *sources, _destination = argument.split()
            for source in sources:
                assert (ROOT / source).exists(), f"Dockerfile copies a missing {source}"
    runs = " ".join(argument for keyword, argument in instructions if keyword == "RUN")
    assert "pip install --no-deps ." in runs  # the dependencies: test_lock.py
    assert "collectstatic" in runs
    users = [argument for keyword, argument in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    cmd = dict(instructions)["CMD"]
    assert '"gunicorn", "portfolio.wsgi"' in cmd


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", ".env", "db.sqlite3*", ".git", "media", "staticfiles"):
        assert entry in ignored


class _Health(BaseHTTPRequestHandler):
    status = 200
    hosts: list = []

    def do_GET(self):
        _Health.hosts.append((self.path, self.headers["Host"]))
        self.send_response(_Health.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("status", "allowed_hosts", "exit_ok", "host"),
    [
        (200, "xm.example.gov.cn,localhost", True, "xm.example.gov.cn"),
        (200, ".example.gov.cn", True, "example.gov.cn"),
        (200, "*", True, "localhost"),
        (503, "localhost", False, "localhost"),
    ],
)
def test_web_healthcheck_snippet_fails_on_503_and_sends_an_allowed_host(
    services, status, allowed_hosts, exit_ok, host
):
    snippet = services["web"]["healthcheck"]["test"][3]
    server = HTTPServer(("127.0.0.1", 0), _Health)
    _Health.status, _Health.hosts = status, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        result = subprocess.run(
            [sys.executable, "-c", snippet.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
            env={"ALLOWED_HOSTS": allowed_hosts, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()

    assert (result.returncode == 0) is exit_ok, result.stderr
    assert _Health.hosts == [("/healthz", host)]


def test_the_worker_runs_with_a_memory_ceiling_per_child(services):
    arguments = command(services["worker"])
    ceiling = option(arguments, "--max-memory-per-child")

    # the variable of the README, with the same default as settings.py (KiB)
    match = re.fullmatch(r"\$\{CELERY_WORKER_MAX_MEMORY_PER_CHILD:-(\d+)\}", ceiling)
    assert match, ceiling
    assert int(match.group(1)) == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
    assert "CELERY_WORKER_MAX_MEMORY_PER_CHILD" in settings_variables()
    # a worker started otherwise reads it from the settings (the CELERY_ namespace)
    assert (
        celery_app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
    )
