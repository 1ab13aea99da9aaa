"""The project (重点项目), its stage moves and its withdrawal (退库)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NON_NEGATIVE, MoneyField, NoDeleteModel, NoDeleteQuerySet

from ..choices import Level, RegionLevel, Stage, WithdrawalStatus
from .people import Unit
from .reference import Category
from .regions import Region


def validate_project_code(value: str) -> None:
    """A project code is part of URLs (`/projects/<code>/`, the API): no "/" and no whitespace."""
    if "/" in value or any(ch.isspace() for ch in value):
        raise ValidationError(_("项目编号不能包含“/”或空白字符。"), code="invalid_code")


class ProjectQuerySet(NoDeleteQuerySet["Project"]):
    def active(self) -> ProjectQuerySet:
        return self.exclude(stage=Stage.WITHDRAWN)


if TYPE_CHECKING:
    # The manager `as_manager()` builds, named for the annotation of `Project.objects`.
    ProjectManager = models.Manager.from_queryset(ProjectQuerySet)


class Project(NoDeleteModel):
    """A key project (重点项目)."""

    # The ledger fields a user sets on a project (besides `code`, `stage` and `categories`,
    # which have rules of their own): the services, the API's serializers and the ledger
    # import all take their lists from here.
    EDITABLE_FIELDS = (
        "name",
        "region",
        "town",
        "owner_company",
        "industry",
        "latitude",
        "longitude",
        "level",
        "total_investment",
        "planned_start",
        "actual_start",
        "planned_completion",
        "actual_completion",
        "operation_start",
        "in_statistics",
        "statistics_date",
        "responsible_unit",
        "description",
    )

    code = models.CharField(
        _("项目编号"), max_length=50, unique=True, validators=[validate_project_code]
    )
    name = models.CharField(_("项目名称"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("项目所在县市区。"),
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("所在镇街"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="town_projects",
    )
    owner_company = models.CharField(_("建设单位"), max_length=200, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    level = models.CharField(_("项目级别"), max_length=20, choices=Level.choices)
    categories = models.ManyToManyField(
        Category, verbose_name=_("项目类别"), blank=True, related_name="projects"
    )
    stage = models.CharField(
        _("建设阶段"), max_length=20, choices=Stage.choices, default=Stage.CONCEIVED
    )
    total_investment = MoneyField(
        _("总投资（万元）"), validators=NON_NEGATIVE, default=Decimal("0")
    )
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工日期"), null=True, blank=True)
    planned_completion = models.DateField(_("计划竣工日期"), null=True, blank=True)
    actual_completion = models.DateField(_("实际竣工日期"), null=True, blank=True)
    operation_start = models.DateField(_("投产日期"), null=True, blank=True)
    in_statistics = models.BooleanField(_("是否纳统"), default=False)
    statistics_date = models.DateField(_("纳统日期"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    description = models.TextField(_("建设内容"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects: ClassVar[ProjectManager[Project]] = ProjectQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[categories])

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["region", "code"]
        indexes = [
            models.Index(fields=["region", "level"]),
            models.Index(fields=["stage"]),
            # Scoping (`access`) matches region codes by prefix (LIKE '3702%'); with the id in
            # the index PostgreSQL answers "the projects of this subtree" from the index alone.
            models.Index(
                fields=["region", "id"],
                name="project_region_prefix_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # The project list's orderings (`filters.PROJECT_ORDERINGS`): a page, however deep,
            # is read from one of these (keyset pagination, `core.keyset`); code has its own.
            models.Index(fields=["region", "code"], name="project_list_order_idx"),
            models.Index(fields=["name", "id"], name="project_name_order_idx"),
            models.Index(fields=["total_investment", "id"], name="project_investment_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def period_status(self) -> Any:
        """The assessment's status of the period a list asked for (prefetched by
        `assessment.selectors.with_status`); None where that period was not computed for the
        project, or not asked for."""
        statuses = getattr(self, "period_statuses", None)
        return statuses[0] if statuses else None

    @property
    def status_reason(self) -> str | None:
        status = self.period_status
        return None if status is None else status.reason

    def clean(self) -> None:
        errors = {}
        if self.region_id and self.region.level != RegionLevel.COUNTY:
            errors["region"] = _("项目所属区域应为县市区。")
        if self.town_id and self.region_id and not self.town_id.startswith(self.region.prefix):
            errors["town"] = _("镇街不属于项目所在县市区。")
        if (
            self.actual_start
            and self.actual_completion
            and self.actual_completion < self.actual_start
        ):
            errors["actual_completion"] = _("实际竣工日期不能早于实际开工日期。")
        if (
            self.planned_start
            and self.planned_completion
            and self.planned_completion < self.planned_start
        ):
            errors["planned_completion"] = _("计划竣工日期不能早于计划开工日期。")
        if self.statistics_date and not self.in_statistics:
            errors["statistics_date"] = _("未纳统的项目不应有纳统日期。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_withdrawn(self) -> bool:
        return self.stage == Stage.WITHDRAWN


class StageChange(models.Model):
    """One move of a project between stages: the source of start, finish and conversion rates."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Stage.choices)
    changed_on = models.DateField(_("变更日期"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "changed_on", "recorded_at"]
        indexes = [models.Index(fields=["changed_on", "to_stage"])]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.from_stage} → {self.to_stage}"


class Withdrawal(NoDeleteModel):
    """退库: needs a written reason and a reviewer's approval; the project keeps its history."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="withdrawals"
    )
    reason = models.TextField(_("退库原因"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    previous_stage = models.CharField(
        _("退库前阶段"), max_length=20, choices=Stage.choices, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("退库申请")
        verbose_name_plural = _("退库申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="pending"),
                name="withdrawal_one_pending_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_status_display()}"
