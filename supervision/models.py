"""Supervision: issue lists (问题清单), dispatch meetings, reminder letters, inspections.

The fields of `Issue` below are a contract with projects.measures (resolution rate): `project`,
`status` (IssueStatus values), `raised_at`, `resolved_at`, `deadline`. Extend freely; do not
rename them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import NoDeleteModel, Project, Unit


class IssueStatus(models.TextChoices):
    COLLECTED = "collected", _("已收集")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    FEEDBACK = "feedback", _("已反馈")
    CLOSED = "closed", _("已销号")
    ESCALATED = "escalated", _("已督办通报")

    @classmethod
    def done(cls) -> list[str]:
        """Counted as resolved by 办结率: resolved, feedback given or closed."""
        return [cls.RESOLVED, cls.FEEDBACK, cls.CLOSED]


class IssueCategory(models.TextChoices):
    LAND = "land", _("用地")
    FUNDING = "funding", _("资金")
    ENVIRONMENT = "environment", _("环境容量")
    ENERGY = "energy", _("能耗")
    APPROVAL = "approval", _("审批手续")
    DEMOLITION = "demolition", _("征地拆迁")
    UTILITIES = "utilities", _("水电气配套")
    OTHER = "other", _("其他")


class Difficulty(models.TextChoices):
    ORDINARY = "ordinary", _("一般问题")
    HARD = "hard", _("疑难问题")


class Issue(NoDeleteModel):
    """A problem of a project, followed through 梳理—交办—跟踪—销号."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="issues"
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    category = models.CharField(_("问题类别"), max_length=20, choices=IssueCategory.choices)
    difficulty = models.CharField(
        _("难易程度"), max_length=10, choices=Difficulty.choices, default=Difficulty.ORDINARY
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.COLLECTED
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("收集时间"))
    assigned_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["raised_at"]),
        ]

    def __str__(self) -> str:
        return self.title
