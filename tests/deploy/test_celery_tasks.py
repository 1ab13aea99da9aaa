"""A worker started as docker compose starts it (`celery -A portfolio worker`) knows every task
the web process can send and every task of the beat schedule. A task registered only by a module
the web imports (a view) would be sent by the web and refused by the worker ("unregistered
task"); eager mode on the embedded default would never show it."""

import json
import os
import subprocess
import sys

from portfolio.celery import app
from tests.deploy.conftest import ROOT

# Loads the Celery app the way `celery -A portfolio worker` does before consuming.
WORKER = (
    "import json; from portfolio.celery import app; app.loader.import_default_modules(); "
    "print(json.dumps(sorted(app.tasks)))"
)
# Loads what the web process loads: Django (apps, admin) and every URL module (views).
WEB = (
    "import json, django; django.setup(); from django.urls import get_resolver; "
    "get_resolver().url_patterns; from portfolio.celery import app; "
    "print(json.dumps(sorted(app.tasks)))"
)


def registered(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portfolio.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_worker_knows_every_task_the_web_process_can_send():
    worker, web = registered(WORKER), registered(WEB)

    assert "portfolio.ping" in worker
    assert not web - worker, f"registered in the web process only: {sorted(web - worker)}"


def test_worker_knows_every_task_of_the_beat_schedule():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled  # the schedule is declared in portfolio/celery.py

    missing = scheduled - registered(WORKER)

    assert not missing, f"beat would send tasks no worker has: {sorted(missing)}"
