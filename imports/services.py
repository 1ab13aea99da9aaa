"""Writes of the imports: an upload becomes an `ImportJob`, a Celery task runs it, a periodic
check fails the jobs whose worker died and deletes the files nobody needs any more.

The lifecycle (every step a conditional `update()` whose row count says who won, so any number
of web and worker processes may race):

    queued ──claim (task id matches)──▶ running ──▶ done   (file deleted at once)
       ▲                                   │
       │                                   ├──▶ failed (an exception; file kept for a retry)
       └───────── retry (same file) ◀──────┴──▶ lost: no heartbeat for IMPORT_JOB_STALE_SECONDS
                                                 (shown as failed at once; stored as failed by
                                                 `import_jobs_check`, every five minutes)

A failed job keeps its stored file IMPORT_JOB_RETENTION_HOURS for a retry; then the check
deletes it and the job can no longer be retried. Job rows are never deleted.

The worker writes progress and the heartbeat (at most twice a second) outside the importer's
own transaction only — a write inside it would be seen by nobody until it commits — so the
heartbeat stops during the write phase: IMPORT_JOB_STALE_SECONDS must exceed the longest write
of an import (a 10,000-row ledger writes in well under a minute).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import JobKind, JobState
from .ledger import import_ledger
from .limits import FileRefused, check_xlsx
from .models import LOST_MESSAGE, ImportJob, queued_before, stale_before
from .reports import import_reports
from .result import ImportResult

logger = logging.getLogger(__name__)

# Looked up by name: tasks.py imports this module (a task fetches by id and calls a service).
RUN_TASK = "imports.tasks.run_import"
MAX_ERRORS_KEPT = 2000
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes


def _fresh_task_id() -> str:
    return str(uuid.uuid4())


def _send(job_id: uuid.UUID, task_id: str) -> None:
    """Sends the task (on commit). A broker that is down fails the job (retryable) instead of
    leaving it queued forever."""
    try:
        current_app.tasks[RUN_TASK].apply_async((str(job_id),), task_id=task_id)
    except Exception as exc:
        logger.exception("import job %s could not be sent", job_id)
        ImportJob.objects.filter(pk=job_id, state=JobState.QUEUED, task_id=task_id).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=_("后台任务未能启动（%(e)s），未写入任何数据。可稍后点击“重试”。")
            % {"e": exc.__class__.__name__},
        )


@transaction.atomic
def import_job_start(
    *,
    actor: Any,
    kind: str,
    upload: Any,
    year: int,
    month: int | None = None,
    plan_revision_reason: str = "",
    confirm_warnings: bool = False,
) -> ImportJob:
    """Stores the upload, records the job and sends the task on commit (with eager Celery the
    job has run when this returns). Refuses a file beyond the limits before storing it."""
    if not getattr(actor, "can_edit", False):
        raise PermissionDenied(_("您的账号没有导入权限。"))
    if kind not in JobKind.values:
        raise ValueError(f"unknown import kind {kind!r}")
    try:
        check_xlsx(upload)
    except FileRefused as exc:
        raise ValidationError({"file": str(exc)}) from None
    job = ImportJob(
        user=actor,
        region=getattr(actor, "region", None),
        kind=kind,
        filename=(getattr(upload, "name", "") or "")[:255],
        year=year,
        month=month,
        plan_revision_reason=plan_revision_reason,
        confirm_warnings=confirm_warnings,
        task_id=_fresh_task_id(),
    )
    job.full_clean(exclude=["file", "user", "region"])
    job.file.save(
        f"{job.pk}.xlsx", upload if isinstance(upload, File) else File(upload), save=False
    )
    job.save()
    transaction.on_commit(lambda: _send(job.pk, job.task_id))
    return job


@transaction.atomic
def import_job_retry(*, actor: Any, job_id: uuid.UUID | str) -> ImportJob:
    """Queues a failed (or lost) job again with the file it stored. Only its importer (or a
    superuser) retries it; it runs as the importer, as the first time."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if not getattr(actor, "can_edit", False) or not (actor.pk == job.user_id or actor.is_superuser):
        raise PermissionDenied(_("只有上传该文件的用户可以重试导入。"))
    if job.state == JobState.FAILED or job.lost:
        if not job.file or not job.file.name or not job.file.storage.exists(job.file.name):
            ImportJob.objects.filter(pk=job.pk).update(file="")
            raise ValidationError(_("上传的文件已不再保留，无法重试，请重新上传。"))
    else:
        raise ValidationError(_("该导入任务没有出错，不能重试。"))
    now = timezone.now()
    task_id = _fresh_task_id()
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED,
        task_id=task_id,
        queued_at=now,
        started_at=None,
        finished_at=None,
        heartbeat_at=None,
        phase="",
        rows_done=0,
        rows_total=None,
        result={},
        message="",
    )
    transaction.on_commit(lambda: _send(job.pk, task_id))
    job.refresh_from_db()
    return job


class _Progress:
    """The importer's progress callback: writes progress and the heartbeat, at most every
    PROGRESS_INTERVAL seconds, and only outside the importer's transaction."""

    def __init__(self, rows: QuerySet[ImportJob]):
        self.rows = rows
        self.last = 0.0
        self.depth = len(transaction.get_connection().atomic_blocks)

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        finished_phase = total is not None and done >= total
        if now - self.last < PROGRESS_INTERVAL and not finished_phase:
            return
        if len(transaction.get_connection().atomic_blocks) > self.depth:
            return  # inside the importer's transaction: nobody would see it before the end
        self.last = now
        self.rows.update(phase=phase, rows_done=done, rows_total=total, heartbeat_at=timezone.now())


def import_job_run(*, job_id: uuid.UUID | str, task_id: str | None) -> str:
    """Runs a queued job (the task's body). Only the delivery whose task id the job carries
    claims it, so a redelivered or superseded message does nothing."""
    now = timezone.now()
    claim = ImportJob.objects.filter(pk=job_id, state=JobState.QUEUED)
    if task_id is not None:
        claim = claim.filter(task_id=task_id)
    claimed = claim.update(
        state=JobState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "not-claimed"
    job = ImportJob.objects.select_related("user__region").get(pk=job_id)
    running = ImportJob.objects.filter(pk=job.pk, task_id=job.task_id, state=JobState.RUNNING)
    # the end is recorded even if the check marked the job lost meanwhile — unless retried
    mine = ImportJob.objects.filter(
        pk=job.pk, task_id=job.task_id, state__in=[JobState.RUNNING, JobState.FAILED]
    )
    try:
        result = _run(job, _Progress(running))
    except Exception as exc:  # recorded for the official; the details go to the log
        logger.exception("import job %s failed", job.pk)
        mine.update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=_("导入出错，未写入任何数据：%(e)s。可点击“重试”。")
            % {"e": exc.__class__.__name__},
        )
        return JobState.FAILED
    if (
        mine.update(
            state=JobState.DONE,
            finished_at=timezone.now(),
            result=_payload(result),
            file="",
            message="",
        )
        and job.file.name
    ):
        _delete_file(job.file.name)
    return JobState.DONE


def _run(job: ImportJob, progress: _Progress) -> ImportResult:
    with job.file.open("rb") as handle:
        if job.kind == JobKind.LEDGER:
            return import_ledger(
                handle,
                year=job.year,
                user=job.user,
                plan_revision_reason=job.plan_revision_reason,
                progress=progress,
            )
        return import_reports(
            handle,
            year=job.year,
            month=job.month or 0,
            user=job.user,
            progress=progress,
            confirm_warnings=job.confirm_warnings,
        )


def _payload(result: ImportResult) -> dict[str, Any]:
    errors = [
        {"row": e.row, "column": e.column, "reason": e.reason, "text": str(e)}
        for e in result.sorted_errors()
    ]
    return {
        "ok": result.ok,
        "summary": result.summary() if result.ok else "",
        "counts": dict(result.counts),
        "rows": result.rows,
        "warnings": list(result.warnings),
        "errors": errors[:MAX_ERRORS_KEPT],
        "error_count": len(errors),
    }


def _delete_file(name: str) -> None:
    if name:
        storage = ImportJob._meta.get_field("file").storage
        storage.delete(name)


def import_jobs_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic check (Celery beat, every five minutes): jobs whose worker died are marked
    failed; stored files of done jobs, and of failed jobs older than IMPORT_JOB_RETENTION_HOURS,
    are deleted. Idempotent; safe beside running jobs (conditional updates)."""
    now = now or timezone.now()
    lost = ImportJob.objects.filter(
        Q(state=JobState.RUNNING, heartbeat_at__lt=stale_before(now))
        | Q(state=JobState.QUEUED, queued_at__lt=queued_before(now))
    ).update(state=JobState.FAILED, finished_at=now, message=str(LOST_MESSAGE))
    expired = now - dt.timedelta(hours=settings.IMPORT_JOB_RETENTION_HOURS)
    leftovers = ImportJob.objects.exclude(file="").filter(
        Q(state=JobState.DONE) | Q(state=JobState.FAILED, finished_at__lt=expired)
    )
    deleted = 0
    for pk, name, state in leftovers.values_list("pk", "file", "state"):
        # cleared first: a retry that wins the race keeps its file
        if ImportJob.objects.filter(pk=pk, state=state, file=name).update(file=""):
            _delete_file(name)
            deleted += 1
    return {"lost": lost, "files_deleted": deleted}
