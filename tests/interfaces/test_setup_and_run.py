"""INTERFACES.md §1: what `make run` and `make test` do on a fresh machine, and the embedded default
(SQLite, Celery eager, no Redis) when no variable is set. `make -n -B` prints every command of a
target from scratch without running any, so these hold the Makefile without a fresh machine."""

import json
import os
import re
import shutil
import subprocess

import pytest

from tests.deploy.conftest import ROOT, settings_variables
from tests.deploy.test_settings import manage

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_dry_run(target: str) -> list[str]:
    result = subprocess.run(
        ["make", "-n", "-B", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("MAKE")},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def position(lines: list[str], pattern: str) -> int:
    matches = [n for n, line in enumerate(lines) if re.search(pattern, line)]
    assert matches, f"no command matches {pattern!r} in:\n" + "\n".join(lines)
    return matches[0]


@needs_make
def test_make_run_creates_the_venv_installs_migrates_seeds_prints_the_login_and_serves():
    lines = make_dry_run("run")

    steps = [
        position(lines, r"python3\.11 -m venv \.venv"),
        position(lines, r"pip install .*-e"),
        position(lines, r"manage\.py migrate"),
        position(lines, r"manage\.py seed_demo"),
        position(lines, r"demo login"),
        position(lines, r"manage\.py runserver 127\.0\.0\.1:8000$"),
    ]
    assert steps == sorted(steps), "make run does its steps out of order"


@needs_make
def test_make_test_creates_the_venv_installs_and_runs_the_whole_suite():
    lines = make_dry_run("test")

    steps = [
        position(lines, r"python3\.11 -m venv \.venv"),
        position(lines, r"pip install .*-e"),
        position(lines, r"-m pytest\b"),
    ]
    assert steps == sorted(steps)
    pytest_line = lines[steps[-1]]
    # The whole suite: no path, marker or -k selection narrows it.
    selection = pytest_line.split("-m pytest", 1)[1]
    assert not re.search(r"(^|\s)(-k|-m)\s|tests/", selection), pytest_line


def test_readme_documents_the_three_ways_to_run():
    readme = (ROOT / "README.md").read_text()
    for command in ("make run", "make test", "docker compose up"):
        assert command in readme


def test_with_no_variable_set_the_default_is_sqlite_and_eager_celery():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_variables()
        and key not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    code = (
        "import json; from django.conf import settings; from celery import current_app; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], "
        "settings.CELERY_TASK_ALWAYS_EAGER, current_app.conf.task_always_eager, "
        "settings.CELERY_BROKER_URL]))"
    )

    result = manage("shell", "--verbosity", "0", "-c", code, environment=environment)

    assert result.returncode == 0, result.stderr
    engine, eager, app_eager, broker = json.loads(result.stdout.strip().splitlines()[-1])
    assert engine == "django.db.backends.sqlite3"
    assert eager is True and app_eager is True
    assert not broker or not broker.startswith("redis")
