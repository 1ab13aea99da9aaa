"""A project's plan per year (original and current, with revisions) and its monthly plan."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NON_NEGATIVE, MoneyField

from .projects import Project


class ProjectYear(models.Model):
    """A project's plan for one year: annual plan (current and original), new-start and
    planned-completion flags. Revisions keep the original and the reason for each change."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="years"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    annual_plan = MoneyField(
        _("年度计划投资（万元）"), validators=NON_NEGATIVE, null=True, blank=True
    )
    original_plan = MoneyField(
        _("年初计划投资（万元）"),
        validators=NON_NEGATIVE,
        null=True,
        blank=True,
        help_text=_("年初下达的计划，调整后保留不变。"),
    )
    new_start = models.BooleanField(_("新开工项目"), default=False)
    planned_completion = models.BooleanField(_("计划当年竣工"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        ordering = ["project", "year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="projectyear_unique"),
        ]
        indexes = [models.Index(fields=["year", "project"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}"

    @property
    def is_revised(self) -> bool:
        return self.original_plan is not None and self.annual_plan != self.original_plan


class PlanRevision(models.Model):
    """调整: one revision of an annual plan, with its reason."""

    project_year = models.ForeignKey(
        ProjectYear, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="revisions"
    )
    previous_plan = MoneyField(_("调整前（万元）"), null=True, blank=True)
    new_plan = MoneyField(_("调整后（万元）"), validators=NON_NEGATIVE)
    reason = models.TextField(_("调整原因"))
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    revised_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("计划调整")
        verbose_name_plural = _("计划调整")
        ordering = ["project_year", "revised_at"]

    def __str__(self) -> str:
        return f"{self.project_year}: {self.previous_plan} → {self.new_plan}"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("调整计划必须填写原因。")})


class MonthlyPlan(models.Model):
    """分月计划: planned investment of one month (optional)."""

    project_year = models.ForeignKey(
        ProjectYear,
        verbose_name=_("年度计划"),
        on_delete=models.CASCADE,
        related_name="monthly_plans",
    )
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    amount = MoneyField(_("计划投资（万元）"), validators=NON_NEGATIVE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("分月计划")
        verbose_name_plural = _("分月计划")
        ordering = ["project_year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project_year", "month"], name="monthlyplan_unique"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="monthlyplan_month_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_year} {self.month}月"
