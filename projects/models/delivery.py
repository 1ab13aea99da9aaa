"""What a project must get done and what it needs: milestones and 前期手续, factor guarantees."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NON_NEGATIVE, NoDeleteModel

from ..choices import FactorKind, MilestoneKind, StoppageReason
from .people import Person
from .projects import Project


class Milestone(NoDeleteModel):
    """节点: a dated milestone with a responsible person, including 前期手续 approvals."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="milestones"
    )
    name = models.CharField(_("节点名称"), max_length=200)
    kind = models.CharField(
        _("类型"), max_length=30, choices=MilestoneKind.choices, default=MilestoneKind.CONSTRUCTION
    )
    due_date = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    # 前期手续: the approval's document (empty for a construction node)
    permit_number = models.CharField(_("批文/证书编号"), max_length=100, blank=True)
    issuing_authority = models.CharField(_("审批机关"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["project", "due_date"]
        indexes = [models.Index(fields=["due_date", "done_on"])]

    def __str__(self) -> str:
        return self.name

    def is_overdue(self, on) -> bool:
        return self.done_on is None and self.due_date < on


class FactorGuarantee(NoDeleteModel):
    """要素保障: demand vs secured for one factor of one project."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="factors"
    )
    kind = models.CharField(_("要素"), max_length=30, choices=FactorKind.choices)
    demand = models.DecimalField(
        _("需求量"), max_digits=16, decimal_places=2, validators=NON_NEGATIVE, default=Decimal("0")
    )
    secured = models.DecimalField(
        _("已保障"), max_digits=16, decimal_places=2, validators=NON_NEGATIVE, default=Decimal("0")
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("要素保障")
        verbose_name_plural = _("要素保障")
        ordering = ["project", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="factor_unique_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_kind_display()}"

    @property
    def unit(self) -> str:
        return FactorKind(self.kind).unit

    @property
    def gap(self) -> Decimal:
        """Unmet demand (never negative): a reason for an issue."""
        return max(self.demand - self.secured, Decimal("0"))


class Stoppage(NoDeleteModel):
    """停工: a project under construction stopped on `stopped_on` for a reason, resumed (复工)
    on `resumed_on` (empty while stopped). At most one open stoppage per project (a partial
    unique constraint); the table is the history of a project's stoppages. A stopped project
    stays 在建 (its stage does not change): see docs/stoppages.md."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="stoppages"
    )
    reason = models.CharField(_("停工原因"), max_length=20, choices=StoppageReason.choices)
    note = models.TextField(_("停工说明"), blank=True)
    stopped_on = models.DateField(_("停工日期"))
    resumed_on = models.DateField(_("复工日期"), null=True, blank=True)
    resume_note = models.TextField(_("复工说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("停工记录")
        verbose_name_plural = _("停工记录")
        ordering = ["project", "-stopped_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(resumed_on__isnull=True),
                name="stoppage_one_open_per_project",
                violation_error_message=_("该项目已处于停工状态。"),
            ),
            models.CheckConstraint(
                condition=models.Q(resumed_on__isnull=True)
                | models.Q(resumed_on__gte=models.F("stopped_on")),
                name="stoppage_resumed_after_stopped",
                violation_error_message=_("复工日期不能早于停工日期。"),
            ),
        ]
        indexes = [models.Index(fields=["resumed_on", "stopped_on"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.stopped_on}"

    @property
    def is_open(self) -> bool:
        return self.resumed_on is None
