"""The assessment's stored state: the colour rules, each project's computed status per period,
the ranking indicators, settings and published snapshots, and the recompute's bookkeeping.

Moved here from `projects` without touching the database: the tables keep their names
(`projects_…`) and the history rows stay in the projects app's tables
(`HistoricalRecords(app="projects")`); see migrations/0001.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Self, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import MONEY, NON_NEGATIVE, NoDeleteModel, NoDeleteQuerySet, SingletonModel
from projects.choices import Level
from projects.models import Person, Project, Region, Unit
from supervision.choices import InspectionKind

from . import reasons
from .choices import AssessmentKind, AssessmentSubject, Colour, RankingScope


class ColourRules(SingletonModel):
    """Thresholds of the four-colour checks (四色管理), one row per installation (pk=1).

    Defaults follow DOMAIN.md; every threshold is editable in the admin.
    """

    green_min_points = models.DecimalField(
        _("绿色：超前时间进度（百分点）≥"), max_digits=6, decimal_places=2, default=Decimal("10")
    )
    yellow_max_points = models.DecimalField(
        _("黄色：落后时间进度（百分点）≥"), max_digits=6, decimal_places=2, default=Decimal("10")
    )
    red_over_points = models.DecimalField(
        _("红色：落后时间进度（百分点）>"), max_digits=6, decimal_places=2, default=Decimal("30")
    )
    start_red_months = models.PositiveSmallIntegerField(_("未按期开工转红（月）"), default=3)
    statistics_yellow_months = models.PositiveSmallIntegerField(
        _("开工未纳统转黄（月）"), default=1
    )
    statistics_red_months = models.PositiveSmallIntegerField(_("开工未纳统转红（月）"), default=2)
    milestone_red_days = models.PositiveSmallIntegerField(_("节点逾期转红（天）"), default=30)
    reporting_red_months = models.PositiveSmallIntegerField(_("连续未报转红（月）"), default=2)

    history = HistoricalRecords(app="projects")

    class Meta:
        db_table = "projects_colourrules"
        verbose_name = _("四色管理阈值")
        verbose_name_plural = _("四色管理阈值")

    def __str__(self) -> str:
        return str(_("四色管理阈值"))


class ProjectStatus(models.Model):
    """A project's figures and colour (四色) for one period (year Y, months 1..m), as computed.

    Written only by `projects.recompute.recompute_period` — one row per project of the period's
    portfolio (projects with a plan for Y, under construction, or in the planning pool at the
    start of Y; not withdrawn by the end of the period). A period is replaced as a whole inside
    one transaction, so readers see the old complete result or the new one. Figures are taken
    as of the end of the period (dates decide, not today's flags), so last month's colours do
    not change when this month's data arrives.

    The stored inputs (started, gap_points, months_without_report, milestone_overdue_days …) are
    exactly the numbers the colour checks compared, and `<check>_verdict` holds each check's
    verdict; `reason` and `checks` word them for an official (`projects.colours`), in the
    reader's language.
    `colour` is blank for projects that get no colour (neither under construction nor due to
    start this year). Region, level, unit and leader are kept as they were for the period.
    """

    # Computed rows, written 100,000 at a time: the foreign keys are not enforced by the
    # database (the rows are computed, in one statement, from the very rows they point to,
    # which are never deleted; checking 4 × 100,000 references at commit would double the time
    # of a province's run) and get no index of their own (the unique (project, year, month)
    # and the (region, year, month) indexes serve every lookup).
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="statuses",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    level = models.CharField(_("项目级别"), max_length=20, choices=Level.choices, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    leader = models.ForeignKey(
        Person,
        verbose_name=_("包联领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text=_("期末在任的包联领导（责任链中“包联领导”角色）。"),
    )
    annual_plan = models.DecimalField(_("年度计划（万元）"), **MONEY, null=True, blank=True)
    original_plan = models.DecimalField(_("年初计划（万元）"), **MONEY, null=True, blank=True)
    planned_ytd = models.DecimalField(
        _("分月计划累计（万元）"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("有分月计划的项目：1 至 m 月计划投资之和；否则为空（按 m/12 计时间进度）。"),
    )
    completed_ytd = models.DecimalField(_("累计完成（万元）"), **MONEY, default=Decimal("0"))
    best_month = models.DecimalField(
        _("年内单月最高完成（万元）"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("1 至 m 月中完成投资最多的一个月（预测的“按最好月份也完不成”预警用）。"),
    )
    investment_rate = models.DecimalField(
        _("投资完成率"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    investment_rate_original = models.DecimalField(
        _("投资完成率（按年初计划）"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    time_progress = models.DecimalField(
        _("时间进度"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    new_start = models.BooleanField(_("新开工项目"), default=False)
    started = models.BooleanField(_("期末已开工"), default=False)
    planned_finish = models.BooleanField(_("计划当年竣工"), default=False)
    finished = models.BooleanField(_("期末已竣工"), default=False)
    under_construction = models.BooleanField(_("期末在建"), default=False)
    in_statistics = models.BooleanField(_("期末已纳统"), default=False)
    four_new = models.BooleanField(_("四新经济项目"), default=False)
    pool_at_start = models.BooleanField(_("年初在谋划/储备库"), default=False)
    converted = models.BooleanField(_("年内落地转化"), default=False)
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工日期"), null=True, blank=True)
    months_without_report = models.PositiveSmallIntegerField(
        _("距最近月报（月）"),
        null=True,
        blank=True,
        help_text=_(
            "本期与最近一次月报所属月份相差的月数；本年（及月报检查回看的月份）无月报为空。"
        ),
    )
    milestones_overdue = models.PositiveIntegerField(_("逾期节点数"), default=0)
    milestone_overdue_days = models.PositiveIntegerField(_("最长逾期天数"), null=True, blank=True)
    milestone_overdue_name = models.CharField(_("最早逾期节点"), max_length=200, blank=True)
    issues = models.PositiveIntegerField(_("年内收集问题"), default=0)
    issues_resolved = models.PositiveIntegerField(_("已办结问题"), default=0)
    issues_on_time = models.PositiveIntegerField(_("按期办结问题"), default=0)
    # The numbers the colour checks compared, besides the figures above …
    gap_points = models.DecimalField(
        _("超前/落后时间进度（百分点）"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("投资完成率 − 时间进度，百分点；无年度计划为空。"),
    )
    months_late = models.SmallIntegerField(
        _("距计划开工（月）"), null=True, blank=True, help_text=_("本期月份 − 计划开工月份。")
    )
    months_since_start = models.SmallIntegerField(
        _("开工以来（月）"), null=True, blank=True, help_text=_("本期月份 − 实际开工月份。")
    )
    reporting_window = models.PositiveSmallIntegerField(
        _("月报检查回看（月）"), null=True, blank=True
    )
    # … each check's verdict: ok (通过), a colour, or blank where the check did not apply …
    progress_verdict = models.CharField(_("投资进度检查"), max_length=6, blank=True)
    start_verdict = models.CharField(_("按期开工检查"), max_length=6, blank=True)
    statistics_verdict = models.CharField(_("开工纳统检查"), max_length=6, blank=True)
    milestones_verdict = models.CharField(_("节点检查"), max_length=6, blank=True)
    reporting_verdict = models.CharField(_("月报检查"), max_length=6, blank=True)
    # … and the colour: the worst verdict. Reasons are worded from these (`reason`, `checks`).
    colour = models.CharField(_("四色"), max_length=10, choices=Colour.choices, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        db_table = "projects_projectstatus"
        verbose_name = _("项目月度状态")
        verbose_name_plural = _("项目月度状态")
        ordering = ["year", "month", "project_id"]  # no join: project's ordering joins regions
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="projectstatus_one_per_period"
            ),
        ]
        # a district's rows of a period: the summary and rankings read exactly those
        indexes = [
            models.Index(fields=["region", "year", "month"]),
            # a period's rows, found, replaced and joined (the lists' status column) without
            # touching the other periods'; the unique constraint leads with the project
            models.Index(fields=["year", "month", "project"], name="projectstatus_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}-{self.month:02d} {self.colour}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def reason(self) -> str:
        """Why the project has its colour, worded for an official (`projects.colours`)."""
        return reasons.reason(self)

    @property
    def checks(self) -> dict:
        """Each applied check's verdict, reason and numbers: {check: {verdict, reason, …}}."""
        return reasons.checks_dict(self)


class RankingIndicator(models.Model):
    """One indicator of the composite ranking score and its weight (admin-editable).

    score = Σ weight × min(rate, cap) / Σ weight × 100, over the indicators whose rate is not
    null for that row (a rate with a zero denominator is left out and the other weights count
    in its place); a row with no rate at all has no score and ranks last.
    """

    class Measure(models.TextChoices):
        INVESTMENT_RATE = "investment_rate", _("投资完成率")
        INVESTMENT_RATE_ORIGINAL = "investment_rate_original", _("投资完成率（按年初计划）")
        START_RATE = "start_rate", _("开工率")
        FINISH_RATE = "finish_rate", _("竣工率")
        STATISTICS_RATE = "statistics_rate", _("纳统率")
        RESOLUTION_RATE = "resolution_rate", _("问题办结率")
        ON_TIME_RATE = "on_time_rate", _("问题按期办结率")
        FOUR_NEW_SHARE = "four_new_share", _("“四新”投资占比")
        CONVERSION_RATE = "conversion_rate", _("落地转化率")

    measure = models.CharField(_("指标"), max_length=40, choices=Measure.choices, unique=True)
    weight = models.DecimalField(
        _("权重"), max_digits=6, decimal_places=2, validators=NON_NEGATIVE, default=Decimal("0")
    )
    cap = models.DecimalField(
        _("计分上限"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("比率超过该值按该值计分（如 1.2 即 120%）；空为不设上限。"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords(app="projects")

    class Meta:
        db_table = "projects_rankingindicator"
        verbose_name = _("排名指标")
        verbose_name_plural = _("排名指标与权重")
        ordering = ["order", "measure"]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.weight}"


class RankingSettings(SingletonModel):
    """How rankings are flagged and published, one row per installation (pk=1)."""

    praised_top = models.PositiveSmallIntegerField(_("通报表扬：前 N 名"), default=7)
    called_in_bottom = models.PositiveSmallIntegerField(_("约谈：后 N 名"), default=3)
    departments_praised_top = models.PositiveSmallIntegerField(
        _("市直部门考核：表扬前 N 名"), default=5
    )
    departments_called_in_bottom = models.PositiveSmallIntegerField(
        _("市直部门考核：约谈后 N 名"), default=0
    )
    publish_day = models.PositiveSmallIntegerField(
        _("每月发布日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月该日（或之后首次运行时）自动发布上月排名（未发布时）。"),
    )

    history = HistoricalRecords(app="projects")

    class Meta:
        db_table = "projects_rankingsettings"
        verbose_name = _("排名设置")
        verbose_name_plural = _("排名设置")

    def __str__(self) -> str:
        return str(_("排名设置"))


class SnapshotImmutable(Exception):
    """A published ranking never changes; publish a correction (a new version) instead."""


_S = TypeVar("_S", bound="PublishedVersion")


class SnapshotQuerySet(NoDeleteQuerySet[_S]):
    """A published version's rows are never updated in bulk either."""

    def update(self, **kwargs: object) -> int:
        raise SnapshotImmutable(self.model.IMMUTABLE)


class RankingSnapshotQuerySet(SnapshotQuerySet["RankingSnapshot"]):
    pass


class AssessmentSnapshotQuerySet(SnapshotQuerySet["AssessmentSnapshot"]):
    pass


if TYPE_CHECKING:
    # The managers `as_manager()` builds, named for the annotations of `….objects`.
    RankingSnapshotManager = models.Manager.from_queryset(RankingSnapshotQuerySet)
    AssessmentSnapshotManager = models.Manager.from_queryset(AssessmentSnapshotQuerySet)


class PublishedVersion(NoDeleteModel):
    """What every published version holds (a ranking's, an assessment's): its number, the rows
    and indicators as published, the praise/call-in cut-offs, who published it and when, and
    the reason of a correction. Immutable once saved; a version after the first needs a reason.
    A subclass names its own wording (`IMMUTABLE`, `REASON_REQUIRED`)."""

    IMMUTABLE: ClassVar[str]
    REASON_REQUIRED: ClassVar[str | Promise]

    version = models.PositiveIntegerField(_("版本"))
    praised_top = models.PositiveSmallIntegerField(_("通报表扬：前 N 名"), default=7)
    called_in_bottom = models.PositiveSmallIntegerField(_("约谈：后 N 名"), default=3)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("更正原因"), blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SnapshotImmutable(self.IMMUTABLE)
        super().save(*args, **kwargs)

    @classmethod
    def publish_next(
        cls, *, latest: PublishedVersion | None, body: dict, user, reason: str, **key: object
    ) -> Self:
        """Saves `body` (a live computation's answer: rows, indicators, cut-offs) as the version
        after `latest` of what `key` names (scope or kind, parent, period), by `user`."""
        snapshot = cls(
            **key,
            version=latest.version + 1 if latest else 1,
            rows=body["rows"],
            indicators=body["indicators"],
            praised_top=body["praised_top"],
            called_in_bottom=body["called_in_bottom"],
            published_at=timezone.now(),
            published_by=user if getattr(user, "pk", None) else None,
            reason=reason,
        )
        snapshot.full_clean()
        snapshot.save()
        return snapshot

    def clean(self) -> None:
        if self.version and self.version > 1 and not (self.reason or "").strip():
            raise ValidationError({"reason": self.REASON_REQUIRED})


class RankingSnapshot(PublishedVersion):
    """A published (frozen) ranking: one version of one period's ranking for one parent region.

    Immutable once saved: a correction is a new version with a reason; old versions stay
    readable. `rows` is exactly the API body's rows at publication time.
    """

    scope = models.CharField(_("排名范围"), max_length=20, choices=RankingScope.choices)
    parent = models.ForeignKey(
        Region, verbose_name=_("上级区域"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    rows = models.JSONField(_("排名"), default=list, blank=True)
    indicators = models.JSONField(_("计分指标"), default=list, blank=True)

    IMMUTABLE = "已发布的排名不可修改；如需更正，请发布新版本并说明原因。"
    REASON_REQUIRED = _("更正已发布的排名必须填写原因。")
    objects: ClassVar[RankingSnapshotManager[RankingSnapshot]] = (
        RankingSnapshotQuerySet.as_manager()
    )

    class Meta:
        db_table = "projects_rankingsnapshot"
        verbose_name = _("排名发布")
        verbose_name_plural = _("排名发布")
        ordering = ["-year", "-month", "scope", "parent", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "parent", "year", "month", "version"],
                name="rankingsnapshot_one_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} {self.scope} {self.period} v{self.version}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


class PeriodComputation(models.Model):
    """The lock row and the last run of the recompute of one period (one row per period).

    `recompute_period` locks this row (and, on PostgreSQL, an advisory lock) for the whole of
    its transaction, so two recomputes of one period run one after the other.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    runs = models.PositiveIntegerField(_("计算次数"), default=0)
    started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("最近完成"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    projects = models.PositiveIntegerField(_("项目数"), default=0)
    region_code = models.CharField(_("最近计算范围"), max_length=12, blank=True)

    class Meta:
        db_table = "projects_periodcomputation"
        verbose_name = _("月度计算")
        verbose_name_plural = _("月度计算")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="periodcomputation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class RecomputeRequest(models.Model):
    """Debounce state of one period: changed since the last run (`dirty_since`) and whether a
    run has been sent to the workers (`queued_at`). Claimed with conditional updates, so any
    number of processes coalesce a burst of changes into few runs (see projects.tasks)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    dirty_since = models.DateTimeField(_("待重算自"), null=True, blank=True)
    changed_at = models.DateTimeField(
        _("最近变更"),
        null=True,
        blank=True,
        help_text=_("最近一次标记待重算的时间：重算只清除它开始之前的变更。"),
    )
    queued_at = models.DateTimeField(_("已排队"), null=True, blank=True)

    class Meta:
        db_table = "projects_recomputerequest"
        verbose_name = _("重算请求")
        verbose_name_plural = _("重算请求")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="recomputerequest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class RegionPeriodAggregate(models.Model):
    """The sums and counts of one period's ProjectStatus rows of one district and one project
    level (`measures._aggregates()`, grouped by the district stored with each row and the
    level): a few hundred rows per period for a province.

    Written only by `assessment.aggregates.write`, at the end of the recompute's transaction
    (one INSERT … SELECT), so it always matches the period's status rows. The overview of a
    province, city or district sums these rows and derives the rates with `assessment.measures`
    (ratios of sums), so a province costs what a district costs."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    # the district code as stored with the status rows (null: a row without a district)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    level = models.CharField(_("项目级别"), max_length=20, blank=True)
    projects = models.PositiveIntegerField(default=0)
    annual_plan = models.DecimalField(**MONEY, default=Decimal("0"))
    original_plan = models.DecimalField(**MONEY, default=Decimal("0"))
    completed_ytd = models.DecimalField(**MONEY, default=Decimal("0"))
    planned_ytd = models.DecimalField(**MONEY, default=Decimal("0"))
    plan_by_time = models.DecimalField(**MONEY, default=Decimal("0"))
    new_start_planned = models.PositiveIntegerField(default=0)
    new_start_started = models.PositiveIntegerField(default=0)
    finish_planned = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    under_construction = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    in_statistics = models.PositiveIntegerField(default=0)
    issues = models.PositiveIntegerField(default=0)
    issues_resolved = models.PositiveIntegerField(default=0)
    issues_on_time = models.PositiveIntegerField(default=0)
    four_new_completed = models.DecimalField(**MONEY, default=Decimal("0"))
    pool_at_start = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)
    green = models.PositiveIntegerField(default=0)
    white = models.PositiveIntegerField(default=0)
    yellow = models.PositiveIntegerField(default=0)
    red = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("区域月度汇总")
        verbose_name_plural = _("区域月度汇总")
        ordering = ["year", "month", "region_id", "level"]
        # a period's rows (and a year's months up to one, for the curve) through one index
        indexes = [models.Index(fields=["year", "month"], name="regionaggregate_period")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.region_id} {self.level}"


class ColourAlert(models.Model):
    """A project's turn to yellow or red in one period, once told (`project.colour`, issue #12):
    written only by `assessment.colour_events.notify_colour_changes`, in the recompute's
    transaction, for every turn it has dealt with (its notifications created, or found already
    there). A later run of the same period finds its turns minus these rows in one anti-join, so
    a whole re-run with nothing new to tell costs one query instead of loading every turned
    project's chain and checking its notification keys (1.5 s at 100,000 projects)."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    colour = models.CharField(_("转为"), max_length=10, choices=Colour.choices)
    told_at = models.DateTimeField(_("通知时间"), default=timezone.now)

    class Meta:
        verbose_name = _("四色转色通知")
        verbose_name_plural = _("四色转色通知")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month", "colour"], name="colouralert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}-{self.month:02d} {self.colour}"


class ProjectForecast(models.Model):
    """A project's year-end forecast for one period (issue #17): written only by
    `assessment.forecast.write`, in the recompute's transaction right after the period's
    ProjectStatus rows (`recompute.period_written_hook`), from those rows and from the monthly
    reports of the years before the period's year (the learned seasonal share) — never from
    later data, so a past month's forecast stays what it was.

    `forecast_completed` = completed_ytd ÷ share(m) (`method` "seasonal"), or completed_ytd × 12/m
    where the installation has no earlier year to learn from ("naive_fallback"). The interval
    spans the cell's share between the earlier years (mean ± 1.28 sd: ~80 %); it is meant for
    sums (a group's low = Σ low ÷ Σ plan). Groups: Σ forecast ÷ Σ plan (`assessment.forecast`)."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="forecasts",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    # as stored with the period's status (the project's district then)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    level = models.CharField(_("项目级别"), max_length=20, choices=Level.choices, blank=True)
    annual_plan = models.DecimalField(_("年度计划（万元）"), **MONEY, null=True, blank=True)
    completed_ytd = models.DecimalField(_("累计完成（万元）"), **MONEY, default=Decimal("0"))
    share = models.DecimalField(
        _("往年同期完成占全年比重"), max_digits=14, decimal_places=10, null=True, blank=True
    )
    forecast_completed = models.DecimalField(
        _("预计全年完成（万元）"), **MONEY, null=True, blank=True
    )
    forecast_low = models.DecimalField(_("预计下限（万元）"), **MONEY, null=True, blank=True)
    forecast_high = models.DecimalField(_("预计上限（万元）"), **MONEY, null=True, blank=True)
    method = models.CharField(_("预测方法"), max_length=20, blank=True)
    best_month = models.DecimalField(_("本年单月最高完成（万元）"), **MONEY, default=Decimal("0"))
    required_monthly = models.DecimalField(
        _("完成年度计划需月均完成（万元）"), **MONEY, null=True, blank=True
    )
    cannot_reach = models.BooleanField(_("按最好月份也完不成年度计划"), default=False)
    next_verdict = models.CharField(
        _("预计下月投资进度"), max_length=10, choices=Colour.choices, blank=True
    )

    class Meta:
        verbose_name = _("年度预测")
        verbose_name_plural = _("年度预测")
        ordering = ["year", "month", "region_id", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="projectforecast_one_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["year", "month", "region"], name="projectforecast_district")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}-{self.month:02d}"

    @property
    def forecast_rate(self) -> Decimal | None:
        if not self.annual_plan or self.forecast_completed is None:
            return None
        return self.forecast_completed / self.annual_plan


class ForecastShare(models.Model):
    """The seasonal shares learned for a period (`assessment.forecast.learn_year`: the twelve
    months of a year from one reading of the earlier years' reports), per cell (district, level;
    the installation's own row has region null and level "*"): kept so that every later run of
    the year's periods — whole or incremental — reuses them instead of reading every earlier
    year's reports again. Dropped (`forecast.forget_learned`) when a report of an earlier year
    changes and, by the nightly run, when older than FORECAST_RELEARN_DAYS."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    level = models.CharField(_("项目级别"), max_length=20, blank=True)
    share = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    share_next = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    share_low = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    share_high = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    n = models.PositiveIntegerField(default=0)
    learned_at = models.DateTimeField(_("学习时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("季节占比")
        verbose_name_plural = _("季节占比")
        indexes = [models.Index(fields=["year", "month"], name="forecastshare_period")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.region_id} {self.level}"


ENTERED = "entered"  # an assessment indicator scored by the assessors, not computed


class AssessmentIndicator(models.Model):
    """One indicator of a half-year or year-end assessment (考核) and its weight (admin-editable).

    `source` is a computed measure (its rate at the assessment's period, × 100 as points, capped
    at `cap`) or `entered`: a score the assessors enter per district (招大引强, 观摩评议 …), out
    of `full_marks`, read as points × 100 / full_marks. The composite score is
    Σ weight × points / Σ weight over the indicators that have a value for the district.
    """

    SOURCES: ClassVar[list[tuple[str, object]]] = [
        *RankingIndicator.Measure.choices,
        (ENTERED, _("考核组录入评分")),
    ]

    kind = models.CharField(_("考核类型"), max_length=20, choices=AssessmentKind.choices)
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("指标名称"), max_length=60)
    source = models.CharField(_("计分来源"), max_length=40, choices=SOURCES)
    weight = models.DecimalField(
        _("权重"), max_digits=6, decimal_places=2, validators=NON_NEGATIVE, default=Decimal("0")
    )
    cap = models.DecimalField(
        _("计分上限"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("比率超过该值按该值计分（如 1.2 即 120%）；空为不设上限。"),
    )
    full_marks = models.DecimalField(
        _("满分"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("录入评分的满分（录入分 ÷ 满分 × 100 计分）。"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    per_project = models.BooleanField(
        _("按项目观摩评分"),
        default=False,
        help_text=_(
            "仅用于录入评分的指标（如观摩评议）：考核组按项目评分，区域得分为其项目评分的平均值。"
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标与权重")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="assessmentindicator_one_code"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} {self.weight}"

    def clean(self) -> None:
        super().clean()
        if self.per_project and not self.entered:
            raise ValidationError({"per_project": _("只有“考核组录入评分”的指标可以按项目评分。")})

    @property
    def entered(self) -> bool:
        return self.source == ENTERED


class ObservationScore(models.Model):
    """The score the assessors gave one project on an observation tour (观摩) for a
    `per_project` indicator of one year's assessment — optionally the observation inspection
    it was given on (its changes kept in the history). A district's points on the indicator
    are the mean of its projects' scores (`assessments.entered_scores`)."""

    indicator = models.ForeignKey(
        AssessmentIndicator,
        verbose_name=_("考核指标"),
        on_delete=models.PROTECT,
        related_name="observation_scores",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        "supervision.Inspection",
        verbose_name=_("观摩记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(_("评分"), max_digits=6, decimal_places=2, validators=NON_NEGATIVE)
    note = models.CharField(_("评分说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("观摩评分")
        verbose_name_plural = _("观摩评分")
        ordering = ["year", "indicator", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "project"], name="observationscore_one_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator.name} {self.project_id} {self.score}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, object] = {}
        if self.indicator_id and not self.indicator.per_project:
            errors["indicator"] = _("该指标不按项目评分。")
        if self.indicator_id and self.score is not None and self.score > self.indicator.full_marks:
            errors["score"] = _("评分应在 0 至 %(m)s 之间。") % {
                "m": format(self.indicator.full_marks.normalize(), "f")
            }
        if self.inspection_id and self.inspection is not None:
            if self.inspection.kind != InspectionKind.OBSERVATION:
                errors["inspection"] = _("只能选择观摩类型的督导记录。")
            elif self.inspection.project_id != self.project_id:
                errors["inspection"] = _("观摩记录不属于该项目。")
            elif self.inspection.date.year != self.year:
                errors["inspection"] = _("观摩记录不在该考核年度。")
        if errors:
            raise ValidationError(errors)


class AssessmentScore(models.Model):
    """A score the assessors entered for one district on one `entered` indicator of one year's
    assessment (its changes kept in the history)."""

    indicator = models.ForeignKey(
        AssessmentIndicator,
        verbose_name=_("考核指标"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        Region, verbose_name=_("被考核区域"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("评分"), max_digits=6, decimal_places=2, validators=NON_NEGATIVE)
    note = models.CharField(_("评分说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核评分")
        verbose_name_plural = _("考核评分")
        ordering = ["year", "indicator", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "region"], name="assessmentscore_one_per_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator.name} {self.region_id} {self.score}"

    def clean(self) -> None:
        if self.indicator_id is None:
            return
        if not self.indicator.entered:
            raise ValidationError({"indicator": _("该指标按统计数据计算，不能录入评分。")})
        if self.score is not None and self.score > self.indicator.full_marks:
            raise ValidationError(
                {
                    "score": _("评分不能超过满分 %(m)s。")
                    % {"m": format(self.indicator.full_marks.normalize(), "f")}
                }
            )


class AssessmentSnapshot(PublishedVersion):
    """A published assessment: one version of one year's half-year or year-end assessment of
    a region's districts. Immutable once saved (a correction is a new version with a reason);
    `rows` is exactly the API body's rows at publication, the praised and called-in flagged."""

    kind = models.CharField(_("考核类型"), max_length=20, choices=AssessmentKind.choices)
    subject = models.CharField(
        _("考核对象"),
        max_length=20,
        choices=AssessmentSubject.choices,
        default=AssessmentSubject.DISTRICT,
    )
    parent = models.ForeignKey(
        Region, verbose_name=_("上级区域"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rows = models.JSONField(_("考核结果"), default=list, blank=True)
    indicators = models.JSONField(_("考核指标"), default=list, blank=True)

    IMMUTABLE = "已发布的考核结果不可修改；如需更正，请发布新版本并说明原因。"
    REASON_REQUIRED = _("更正已发布的考核结果必须填写原因。")
    objects: ClassVar[AssessmentSnapshotManager[AssessmentSnapshot]] = (
        AssessmentSnapshotQuerySet.as_manager()
    )

    class Meta:
        verbose_name = _("考核发布")
        verbose_name_plural = _("考核发布")
        ordering = ["-year", "kind", "parent", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "parent", "year", "version"],
                name="assessmentsnapshot_one_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} {self.kind} {self.year} v{self.version}"
