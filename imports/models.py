"""An upload from the browser and its run: the job record the status page, the list of recent
imports and the admin read (durable: every web and worker process sees the same row)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import NoDeleteModel

from .choices import ExportKind, JobKind, JobState, JobStatus


def _upload_to(job: ImportJob, filename: str) -> str:  # noqa: ARG001 - the name is the job's
    return f"imports/{job.pk}.xlsx"


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A running job whose last heartbeat is older than this has lost its worker."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)


def queued_before(now: dt.datetime | None = None) -> dt.datetime:
    """A queued job created before this was never picked up (its message was lost)."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.IMPORT_JOB_QUEUED_MAX_SECONDS)


class ImportJob(NoDeleteModel):
    """One uploaded file and its import (台账 or 月报), written by `imports.services` only.

    `result` holds what the importer returned: `ok`, `summary`, `counts`, `rows`, `warnings`,
    `errors` (the first MAX_ERRORS_KEPT of them: row, column, reason, text) and `error_count`.
    The stored file is deleted when the job is done; a failed job keeps it for a retry
    (IMPORT_JOB_RETENTION_HOURS), then `services.import_jobs_check` deletes it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    # The importer's region when uploading: city staff see the jobs of their districts.
    region = models.ForeignKey(
        "projects.Region",
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=JobKind.choices)
    filename = models.CharField(_("原文件名"), max_length=255, blank=True)
    file = models.FileField(_("存储的文件"), upload_to=_upload_to, max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True)
    plan_revision_reason = models.CharField(_("计划调整原因"), max_length=500, blank=True)
    confirm_warnings = models.BooleanField(
        _("已确认合理性提示"),
        default=False,
        help_text=_("上传人确认了月报的合理性提示（projects.plausibility），导入时不再拦截。"),
    )

    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    phase = models.CharField(_("阶段"), max_length=10, blank=True)
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    rows_total = models.PositiveIntegerField(_("总数"), null=True, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    message = models.TextField(_("出错说明"), blank=True)

    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(_("排队时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    task_id = models.CharField(_("Celery 任务编号"), max_length=50, blank=True)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="importjob_state_beat")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    # --- what the pages show ---------------------------------------------------------------
    @property
    def lost(self) -> bool:
        """Recorded as queued or running, but its worker is gone (no heartbeat for
        IMPORT_JOB_STALE_SECONDS, or never started within IMPORT_JOB_QUEUED_MAX_SECONDS)."""
        if self.state == JobState.RUNNING:
            return (self.heartbeat_at or self.created_at) < stale_before()
        if self.state == JobState.QUEUED:
            return self.queued_at < queued_before()
        return False

    @property
    def status(self) -> str:
        if self.state == JobState.DONE:
            return JobStatus.DONE if self.result.get("ok", True) else JobStatus.REJECTED
        if self.state == JobState.FAILED or self.lost:
            return JobStatus.FAILED
        return JobStatus(self.state)

    @property
    def status_choice(self) -> JobStatus:
        return JobStatus(self.status)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED)

    @property
    def failure(self) -> str:
        """Why it failed, for the official."""
        if self.state == JobState.FAILED:
            return self.message
        if self.lost:
            return str(LOST_MESSAGE)
        return ""

    @property
    def retryable(self) -> bool:
        """Failed (or lost) and its file is still stored: it can run again."""
        return self.status == JobStatus.FAILED and bool(self.file)

    # the names the templates have always used
    @property
    def done(self) -> int:
        return self.rows_done

    @property
    def total(self) -> int | None:
        return self.rows_total

    @property
    def summary(self) -> str:
        return str(self.result.get("summary", ""))

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.result.get("errors", []))

    @property
    def error_count(self) -> int:
        return int(self.result.get("error_count", 0))

    @property
    def warnings(self) -> list[str]:
        return list(self.result.get("warnings", []))


LOST_MESSAGE = _(
    "后台导入任务已中断（处理进程停止响应）。导入是全部或全不的，重试同一文件不会重复写入。"
)


def _export_to(job: ExportJob, filename: str) -> str:  # noqa: ARG001 - the name is the job's
    return f"exports/{job.pk}.xlsx"


class ExportJob(NoDeleteModel):
    """A large list exported in the background (`imports.exporting`): what was asked (`kind`
    and the list's query string, run again as `user`), its progress and the finished file,
    downloadable by its user from the job's page. States as an import's (`JobState`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.PROTECT,
        related_name="export_jobs",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ExportKind.choices)
    query = models.JSONField(_("筛选条件"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("已写入"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=_export_to, max_length=200, blank=True)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    message = models.TextField(_("出错说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))
