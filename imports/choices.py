"""Choices of the imports: what a job imports and where it is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    LEDGER = "ledger", _("台账导入")
    REPORTS = "reports", _("月报导入")


class JobState(models.TextChoices):
    """What is stored. A job shown to a user also has "rejected" (done, but the file had errors:
    nothing written) and a running job whose worker stopped beating shows as failed — see
    `ImportJob.status`."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("出错")


class JobStatus(models.TextChoices):
    """What a user sees, with the pill's colour class."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已导入")
    REJECTED = "rejected", _("未导入（有错误）")
    FAILED = "failed", _("出错")

    @property
    def pill(self) -> str:
        return {
            "queued": "pill",
            "running": "pill pill-warn",
            "done": "pill pill-ok",
            "rejected": "pill pill-red",
            "failed": "pill pill-red",
        }[self.value]


class ExportKind(models.TextChoices):
    """What a background export writes (a list above `EXPORT_BACKGROUND_ROWS` rows)."""

    PROJECTS = "projects", _("项目清单")
    LEDGER = "ledger", _("项目台账（可导入格式）")
