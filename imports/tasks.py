"""Uploads from the browser run as Celery tasks: the ledger (台账) and a month's reports.

The view stores the file (default storage, `imports/<job>.xlsx`), records the job and sends the
task; the task runs the importer of `projects.imports` with a progress callback and records the
result: the counts written, or every rejected row (row, column, reason) — nothing is written
then (the importers are all-or-nothing). The progress page polls the job with htmx.

Job records live in Django's cache for `KEEP_HOURS`: with the embedded default (locmem cache,
eager Celery) the task runs inside the web process; with a real worker, the web and the worker
must share the cache (CACHE_URL=redis://…) and the media directory (MEDIA_ROOT), as
docker-compose sets up. The task is idempotent: a job runs once (a claim with `cache.add`),
a second delivery does nothing.

Registered with Celery by import from `projects.views` (autodiscovery only finds `tasks.py`).
"""

from __future__ import annotations

import logging
import time
import uuid

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .ledger import import_ledger
from .reports import import_reports

logger = logging.getLogger(__name__)

LEDGER, REPORTS = "ledger", "reports"
KINDS = {LEDGER: gettext_noop("台账导入"), REPORTS: gettext_noop("月报导入")}
PHASES = {
    "read": gettext_noop("读取文件"),
    "validate": gettext_noop("逐行校验"),
    "write": gettext_noop("写入数据"),
}
KEEP_HOURS = 24
_TIMEOUT = KEEP_HOURS * 3600
_RECENT = 10


def _key(job_id: str) -> str:
    return f"ui-import:{job_id}"


def _user_key(user_id: int) -> str:
    return f"ui-import-user:{user_id}"


def get_job(job_id: str) -> dict | None:
    return cache.get(_key(job_id))


def _save(state: dict) -> None:
    cache.set(_key(state["id"]), state, _TIMEOUT)


def recent_jobs(user) -> list[dict]:
    """The user's latest uploads that are still remembered, newest first."""
    ids = cache.get(_user_key(user.pk)) or []
    found = cache.get_many([_key(i) for i in ids])
    return [found[_key(i)] for i in ids if _key(i) in found]


def start_import(
    *, kind: str, upload, user, year: int, month: int | None = None, plan_revision_reason=""
) -> dict:
    """Stores the upload, records the job, sends the task (after commit). Returns the job
    record as it is after sending (already finished when Celery runs eagerly)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    job_id = str(uuid.uuid4())
    path = default_storage.save(f"imports/{job_id}.xlsx", upload)
    state = {
        "id": job_id,
        "kind": kind,
        "user_id": user.pk,
        "filename": getattr(upload, "name", "") or "",
        "path": path,
        "year": year,
        "month": month,
        "plan_revision_reason": plan_revision_reason,
        "status": "queued",
        "phase": "",
        "done": 0,
        "total": None,
        "errors": [],
        "error_count": 0,
        "summary": "",
        "created_at": timezone.now().isoformat(),
        "finished_at": None,
        "finished": False,
    }
    _save(state)
    ids = [job_id, *(cache.get(_user_key(user.pk)) or [])][:_RECENT]
    cache.set(_user_key(user.pk), ids, _TIMEOUT)
    transaction.on_commit(lambda: run_import.delay(job_id))
    return get_job(job_id) or state


MAX_ERRORS_KEPT = 2000


class _Progress:
    """The importer's progress callback: writes the job record at most twice a second."""

    def __init__(self, state: dict):
        self.state = state
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        finished_phase = total is not None and done >= total
        if now - self.last < 0.5 and not finished_phase:
            return
        self.last = now
        self.state.update(phase=phase, done=done, total=total)
        _save(self.state)


@shared_task(name="imports.tasks.run_import")
def run_import(job_id: str) -> str:
    """Runs one recorded import. Safe to deliver twice: only the first delivery claims it."""
    state = get_job(job_id)
    if state is None:
        return "missing"
    if not cache.add(f"{_key(job_id)}:claim", 1, _TIMEOUT) or state["status"] != "queued":
        return "already-run"
    state.update(status="running")
    _save(state)
    try:
        result = _run(state)
    except Exception as exc:  # recorded for the official; the details go to the log
        logger.exception("import job %s failed", job_id)
        state.update(
            status="failed",
            summary=_("导入出错，未写入任何数据：%(e)s") % {"e": exc.__class__.__name__},
        )
    else:
        errors = [
            {"row": e.row, "column": e.column, "reason": e.reason, "text": str(e)}
            for e in result.sorted_errors()
        ]
        state.update(
            status="done" if result.ok else "rejected",
            errors=errors[:MAX_ERRORS_KEPT],
            error_count=len(errors),
            warnings=list(getattr(result, "warnings", [])),
            summary=result.summary() if result.ok else "",
            rows=getattr(result, "rows", 0),
        )
    finally:
        default_storage.delete(state["path"])
    state.update(finished=True, finished_at=timezone.now().isoformat())
    _save(state)
    return state["status"]


def _run(state: dict):
    user = get_user_model().objects.select_related("region").get(pk=state["user_id"])
    progress = _Progress(state)
    with default_storage.open(state["path"], "rb") as handle:
        if state["kind"] == LEDGER:
            return import_ledger(
                handle,
                year=state["year"],
                user=user,
                plan_revision_reason=state["plan_revision_reason"],
                progress=progress,
            )
        return import_reports(
            handle, year=state["year"], month=state["month"], user=user, progress=progress
        )
