"""The monthly reporting cycle (月报、审核): a district's month, its window, its review.

The state lives in the ledger (here) so that the measures can read it (`assessment.measures`,
`REPORTING_MEASURES_READ`); the cycle's services, pages and reminders are the `reporting` app's.

- `ReportingRule` (one row, admin): the default window — from the `opens_workday`-th to the
  `closes_workday`-th working day of the month after the reported month (调休 included: the
  working-day calendar of `supervision.workdays`).
- `ReportingWindow` (admin): an explicit window for one month, overriding the rule.
- `ReportingMonth`: a district's month — open → submitted → accepted, or returned (退回修改) →
  submitted again; a reopen (with a reason) lets the district enter again, on time until the
  reopened date. History keeps who did what and when.
- `ReportingGap`: a project of the month without a report, and the district's reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NoDeleteModel, SingletonModel

from .projects import Project
from .regions import Region


class MonthStatus(models.TextChoices):
    """Where a district's month stands; `colour` for the badges."""

    OPEN = "open", _("填报中")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已审核")

    @property
    def colour(self) -> str:
        """The badge's CSS class (`static/css/app.css`)."""
        return {
            "open": "",
            "submitted": "pill-warn",
            "returned": "pill-red",
            "accepted": "pill-ok",
        }[self.value]


class ReportingRule(SingletonModel):
    """The default reporting window of every month (one row, pk=1, in the admin)."""

    opens_workday = models.PositiveSmallIntegerField(
        _("填报开始：次月第几个工作日"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    closes_workday = models.PositiveSmallIntegerField(
        _("填报截止：次月第几个工作日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    reopen_workdays = models.PositiveSmallIntegerField(
        _("重新开放后可填报的工作日数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月报填报规则")
        verbose_name_plural = _("月报填报规则")

    def __str__(self) -> str:
        return str(_("次月第 %(a)s 至第 %(b)s 个工作日")) % {
            "a": self.opens_workday,
            "b": self.closes_workday,
        }

    def clean(self) -> None:
        if self.closes_workday < self.opens_workday:
            raise ValidationError({"closes_workday": _("截止不能早于开始。")})


class ReportingWindow(models.Model):
    """An explicit window for one reported month (e.g. moved for the Spring Festival)."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    opens = models.DateField(_("开始填报日期"))
    closes = models.DateField(_("截止填报日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月报填报时段")
        verbose_name_plural = _("月报填报时段")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="reportingwindow_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}: {self.opens} – {self.closes}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes < self.opens:
            raise ValidationError({"closes": _("截止不能早于开始。")})
        if self.year and self.month and self.opens:
            first = dt.date(self.year, self.month, 1)
            if self.opens <= first:
                raise ValidationError({"opens": _("填报应在所报月份开始之后。")})


class ReportingMonth(NoDeleteModel):
    """A district's month of reports and its review (one row per district and month, made
    when the month is first acted on; no row: open)."""

    region = models.ForeignKey(
        Region, verbose_name=_("县市区"), on_delete=models.PROTECT, related_name="reporting_months"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=MonthStatus.choices, default=MonthStatus.OPEN
    )
    note = models.TextField(_("说明（报送说明、退回意见、审核意见）"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reopened_until = models.DateField(_("重新开放至"), null=True, blank=True)
    reopen_reason = models.TextField(_("重新开放原因"), blank=True)
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重新开放人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月报报送")
        verbose_name_plural = _("月报报送")
        ordering = ["-year", "-month", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "month"], name="reportingmonth_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="reportingmonth_month_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}-{self.month:02d} {self.get_status_display()}"

    @property
    def status_choice(self) -> MonthStatus:
        return MonthStatus(self.status)

    @property
    def locked(self) -> bool:
        """Accepted: a change is a correction and needs a reason."""
        return self.status == MonthStatus.ACCEPTED


class ReportingGap(NoDeleteModel):
    """Why a project of a submitted month has no report (one per project and month)."""

    reporting_month = models.ForeignKey(
        ReportingMonth, verbose_name=_("月报报送"), on_delete=models.PROTECT, related_name="gaps"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="reporting_gaps"
    )
    reason = models.TextField(_("未填报原因"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("未填报说明")
        verbose_name_plural = _("未填报说明")
        constraints = [
            models.UniqueConstraint(
                fields=["reporting_month", "project"], name="reportinggap_one_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.reason[:30]}"
