"""Monthly completed investment (月度完成投资), one report per project and month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NON_NEGATIVE, MoneyField, NoDeleteModel, SingletonModel

from .projects import Project


class MonthlyReport(NoDeleteModel):
    """月度完成投资: one per project and month. Edits are optimistic-locked by `version`."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    completed_investment = MoneyField(_("本月完成投资（万元）"), validators=NON_NEGATIVE)
    note = models.TextField(_("进展说明"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    confirmed_warnings = models.JSONField(
        _("已确认的合理性提示"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("保存时填报人确认过的合理性提示（projects.plausibility）。"),
    )
    warnings_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提示确认人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late = models.BooleanField(
        _("逾期填报"), default=False, editable=False, help_text=_("首次填报晚于该月填报截止日。")
    )
    correction_reason = models.TextField(
        _("更正原因"),
        blank=True,
        editable=False,
        help_text=_("该月审核通过后所作更正的原因（最近一次；每次更正见历史记录）。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度报表")
        verbose_name_plural = _("月度报表")
        ordering = ["project", "year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="monthlyreport_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="monthlyreport_month_range"
            ),
            models.CheckConstraint(
                condition=Q(completed_investment__gte=0), name="monthlyreport_non_negative"
            ),
        ]
        indexes = [models.Index(fields=["year", "month", "project"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}-{self.month:02d}"

    @property
    def is_correction(self) -> bool:
        """Changed after its month was accepted (with a reason)."""
        return bool(self.correction_reason)

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


class PlausibilitySettings(SingletonModel):
    """Thresholds of the plausibility checks at entry (`projects.plausibility`), one row, edited
    in the admin. A check whose threshold is 0 is switched off."""

    plan_multiple = models.DecimalField(
        _("单月超过剩余年度计划的倍数"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("本月完成投资超过“年度计划 − 本年已完成”的多少倍时提示；0 为不检查。"),
    )
    absurd_amount = MoneyField(
        _("单月金额上限（万元）"),
        default=Decimal("1000000"),
        validators=NON_NEGATIVE,
        help_text=_("单月超过此金额即提示（单位可能填错）；0 为不检查。"),
    )
    repeat_months = models.PositiveSmallIntegerField(
        _("连续相同金额的月数"),
        default=3,
        validators=[MaxValueValidator(12)],
        help_text=_("连续这么多个月（含本月）金额完全相同且不为 0 时提示；0 为不检查。"),
    )
    december_multiple = models.DecimalField(
        _("12 月超过月均的倍数"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("12 月完成投资超过 1—11 月月均的多少倍时提示（年底突击）；0 为不检查。"),
    )

    class Meta:
        verbose_name = _("填报合理性检查设置")
        verbose_name_plural = _("填报合理性检查设置")

    def __str__(self) -> str:
        return str(_("填报合理性检查设置"))
