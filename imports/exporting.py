"""Background exports (`ExportJob`): a list above `settings.EXPORT_BACKGROUND_ROWS` rows is
written by a Celery task instead of inside the request — the same workbook as the direct
download (`projects.exports.write_project_list`, `imports.ledger_export.write_ledger_export`),
streamed by openpyxl's write-only mode (constant memory), its progress written to the job row
every thousand rows, the file stored for its user to download from the job's page.

The job stores the list's query string and reruns it as its user when it runs, so what is
exported is what the user may see at that moment (the same FilterSet, the same scope).
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from types import SimpleNamespace
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.selectors import latest_computed_period, resolve_period
from core.xlsx import describe_filters
from projects import selectors as project_selectors
from projects.exports import project_list_filename, write_project_list
from projects.filters import ProjectFilterSet
from projects.models import Region

from .choices import ExportKind, JobState
from .forms import LedgerExportForm
from .ledger_export import ledger_projects, write_ledger_export
from .models import ExportJob
from .selectors import ledger_export_projects

logger = logging.getLogger(__name__)
RUN_TASK = "imports.tasks.run_export"
PROGRESS_EVERY = 1000


def background_threshold() -> int:
    return int(settings.EXPORT_BACKGROUND_ROWS)


def project_filterset(user, data: QueryDict) -> ProjectFilterSet:
    """The project list's FilterSet for `data` as `user` (the steps of the list page)."""
    try:
        period = resolve_period(data.get("period"))
    except ValidationError:
        period = latest_computed_period()
    queryset = project_selectors.project_queryset(user=user, period=period)
    if period is not None:
        queryset = queryset.annotate(status_annual_plan=F("period_status_row__annual_plan"))
    filterset = ProjectFilterSet(data, queryset=queryset, request=SimpleNamespace(user=user))
    filterset.period = period  # type: ignore[assignment]
    return filterset


def _query(job: ExportJob) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in job.query.items():
        data.setlist(key, values)
    return data


def rows_of(*, kind: str, user, data: QueryDict) -> int:
    """How many rows the export of `kind` for `data` would write (the page's count)."""
    if kind == ExportKind.PROJECTS:
        filterset = project_filterset(user, data)
        return filterset.qs.count() if filterset.is_valid() else 0
    form = LedgerExportForm(data)
    region = form.cleaned_data["region"] if form.is_valid() else None
    return ledger_projects(ledger_export_projects(user=user, region=region)).count()


@transaction.atomic
def export_job_start(*, actor: Any, kind: str, data: QueryDict) -> ExportJob:
    """Records the export of the list `data` selects and sends its task on commit (with eager
    Celery the file is written when this returns)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    if kind not in ExportKind.values:
        raise ValidationError({"kind": _("未知的导出类型。")})
    if kind == ExportKind.LEDGER and not actor.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    query = {key: data.getlist(key) for key in data if key not in ("export", "csrfmiddlewaretoken")}
    job = ExportJob(user=actor, kind=kind, query=query)
    job.full_clean(exclude=["file", "user"])
    job.save()
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: uuid.UUID) -> None:
    try:
        current_app.tasks[RUN_TASK].apply_async((str(job_id),))
    except Exception as exc:
        logger.exception("export job %s could not be sent", job_id)
        ExportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=_("后台任务未能启动（%(e)s），请稍后重新导出。")
            % {"e": exc.__class__.__name__},
        )


def export_job_run(*, job_id: uuid.UUID | str) -> str:
    """Writes the job's file (the task's body). Claims a queued job once; a second delivery
    finds it running or done and does nothing."""
    claimed = ExportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("user").get(pk=job_id)

    def progress(done: int, total: int | None = None) -> None:
        fields: dict[str, Any] = {"rows_done": done}
        if total is not None:
            fields["rows_total"] = total
        ExportJob.objects.filter(pk=job.pk).update(**fields)

    try:
        with tempfile.TemporaryFile() as spool:
            name = _write(job, spool, progress)
            spool.seek(0)
            job.file.save(f"{job.pk}.xlsx", File(spool), save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.DONE, file=job.file.name, filename=name, finished_at=timezone.now()
        )
        return "done"
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=_("导出失败（%(e)s），请重新导出或联系管理员。")
            % {"e": exc.__class__.__name__},
        )
        return "failed"


def _write(job: ExportJob, spool, progress) -> str:
    data = _query(job)
    user = job.user
    if job.kind == ExportKind.PROJECTS:
        filterset = project_filterset(user, data)
        if not filterset.is_valid():
            raise ValidationError(_("筛选条件无效。"))
        projects = filterset.qs
        progress(0, projects.count())
        workbook = write_project_list(
            projects,
            period=filterset.period,
            filters=describe_filters(filterset.form),
            progress=progress,
            every=PROGRESS_EVERY,
        )
        workbook.save(spool)
        return project_list_filename(filterset.period)
    form = LedgerExportForm(data)
    if not form.is_valid():
        raise ValidationError(_("筛选条件无效。"))
    year = form.cleaned_data["year"] or timezone.localdate().year
    region: Region | None = form.cleaned_data["region"]
    write_ledger_export(
        spool, ledger_export_projects(user=user, region=region), year=year, progress=progress
    )
    return _("%(y)s年重点项目台账（导出）.xlsx") % {"y": year}
