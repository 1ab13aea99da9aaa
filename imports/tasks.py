"""Celery tasks of the imports: run an uploaded file's job, and the periodic check of the jobs
(declared in `portfolio/celery.py`). Thin: they call `imports.services`."""

from __future__ import annotations

from celery import shared_task

from . import exporting, services


@shared_task(bind=True, name=services.RUN_TASK)
def run_import(self, job_id: str) -> str:
    """Runs one recorded import. Safe to deliver twice: only the delivery carrying the job's
    current task id claims it."""
    return services.import_job_run(job_id=job_id, task_id=self.request.id)


@shared_task(name="imports.tasks.check_import_jobs")
def check_import_jobs() -> dict[str, int]:
    """Fails the jobs whose worker died, deletes the stored files no job needs any more."""
    return services.import_jobs_check()


@shared_task(name="imports.tasks.run_export")
def run_export(job_id: str) -> str:
    """Writes one background export (`imports.exporting`)."""
    return exporting.export_job_run(job_id=job_id)
