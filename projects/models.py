"""The data model of the key-project portfolio (DOMAIN.md).

Money is in 万元 (10,000 CNY) as exact decimals. Regions are keyed by their national
administrative division code (GB/T 2260 style), so a region's descendants are exactly the
regions whose code starts with its `prefix` — scoping is a prefix match on an indexed column.

Business records are never hard-deleted (see `NoDeleteModel`): projects are withdrawn (退库),
chain assignments are ended, plans are revised with the original kept. Every change to projects,
plans, reports and chains is kept by django-simple-history (who, when, before, after).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    Colour,
    FactorKind,
    Level,
    MilestoneKind,
    RegionLevel,
    Role,
    Stage,
    UnitKind,
    WithdrawalStatus,
)

MONEY = {"max_digits": 16, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class DeletionForbidden(Exception):
    """Business records are never deleted; withdraw, end or revise them instead."""


class NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise DeletionForbidden(
            f"{self.model._meta.verbose_name} records are never deleted "
            "(withdraw, end or revise them instead)."
        )


class NoDeleteModel(models.Model):
    """Refuses hard deletes, one by one and in bulk."""

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionForbidden(
            f"{self._meta.verbose_name} records are never deleted "
            "(withdraw, end or revise them instead)."
        )


class SingletonModel(models.Model):
    """Settings of the installation kept as one row (pk=1), edited in the admin."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        """The row, created with its defaults the first time it is asked for."""
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def region_prefix(code: str) -> str:
    """The prefix shared by a region's code and all its descendants' codes.

    370000 (山东省) → "37"; 370200 (青岛市) → "3702"; 370211 (黄岛区) → "370211";
    town codes (9 or 12 digits, 370211001) are their own prefix, trailing "000" groups dropped.
    """
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return code
    while len(code) > 9 and code.endswith("000"):
        code = code[:-3]
    return code


class Region(models.Model):
    """A node of the region tree: province → city → county/district → town."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    prefix = models.CharField(_("代码前缀"), max_length=12, editable=False, db_index=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prefix = region_prefix(self.code)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.code.isdigit() or len(self.code) not in (6, 9, 12):
            raise ValidationError({"code": _("区划代码应为 6、9 或 12 位数字。")})
        if self.parent_id and not self.code.startswith(region_prefix(self.parent_id)):
            raise ValidationError(
                {
                    "code": _("区划代码 %(code)s 不在上级 %(parent)s 的代码范围内。")
                    % {"code": self.code, "parent": self.parent_id}
                }
            )

    def is_within(self, other: Region) -> bool:
        """True if this region is `other` or one of its descendants."""
        return self.code.startswith(other.prefix)


class Unit(models.Model):
    """A department (部门) or town office; belongs to a region."""

    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(
        _("类型"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="units"
    )
    active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person in a unit: a chain member, an assignee, a leader."""

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="people"
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["region", "name"]
        indexes = [models.Index(fields=["region", "name"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class User(AbstractUser):
    """A login. What it may see is the subtree of `region`; what it may do, its `role`."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    region = models.ForeignKey(
        Region,
        verbose_name=_("管辖区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("可查看、可修改的范围：该区域及其下级区域。超级用户不受限制。"),
    )
    person = models.OneToOneField(
        Person,
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def can_edit(self) -> bool:
        return self.is_superuser or self.role in Role.editors()

    @property
    def can_review(self) -> bool:
        return self.is_superuser or self.role in Role.reviewers()


class Category(models.Model):
    """项目类别: tags, several per project (重大建设类, 四新经济, 制造业 …). Configurable."""

    name = models.CharField(_("类别名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ChainRole(models.Model):
    """A role of the responsibility chain (四包一 by default; five levels where used)."""

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("有效"), default=True)
    is_leader = models.BooleanField(
        _("包联领导"), default=False, help_text=_("排名“领导分包项目进展”按此角色统计。")
    )

    class Meta:
        verbose_name = _("责任链角色")
        verbose_name_plural = _("责任链角色")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(NoDeleteQuerySet):
    def active(self):
        return self.exclude(stage=Stage.WITHDRAWN)


class Project(NoDeleteModel):
    """A key project (重点项目)."""

    code = models.CharField(_("项目编号"), max_length=50, unique=True)
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
    total_investment = models.DecimalField(
        _("总投资（万元）"), **MONEY, validators=NON_NEGATIVE, default=Decimal("0")
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

    objects = ProjectQuerySet.as_manager()
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
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def period_status(self) -> ProjectStatus | None:
        """The status of the period a list asked for (`selectors.with_status` prefetches it);
        None where that period was not computed for the project, or not asked for."""
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


class ProjectYear(models.Model):
    """A project's plan for one year: annual plan (current and original), new-start and
    planned-completion flags. Revisions keep the original and the reason for each change."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="years"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    annual_plan = models.DecimalField(
        _("年度计划投资（万元）"), **MONEY, validators=NON_NEGATIVE, null=True, blank=True
    )
    original_plan = models.DecimalField(
        _("年初计划投资（万元）"),
        **MONEY,
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
    previous_plan = models.DecimalField(_("调整前（万元）"), **MONEY, null=True, blank=True)
    new_plan = models.DecimalField(_("调整后（万元）"), **MONEY, validators=NON_NEGATIVE)
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
    amount = models.DecimalField(_("计划投资（万元）"), **MONEY, validators=NON_NEGATIVE)

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
    completed_investment = models.DecimalField(
        _("本月完成投资（万元）"), **MONEY, validators=NON_NEGATIVE
    )
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
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


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


class ChainAssignment(NoDeleteModel):
    """One person in one chain role of one project, for a span of time.

    Exactly one current person per (project, role): a partial unique constraint on the rows
    with no end date. Replacing someone ends their row and opens a new one, so the chain's
    history is the table itself.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="chain"
    )
    role = models.ForeignKey(
        ChainRole, verbose_name=_("责任角色"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任链")
        verbose_name_plural = _("责任链")
        ordering = ["project", "role__order", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "role"],
                condition=Q(end_date__isnull=True),
                name="chain_one_current_person_per_role",
                violation_error_message=_("每个项目的每个责任角色只能有一名现任责任人。"),
            ),
        ]
        indexes = [models.Index(fields=["person", "end_date"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.role}: {self.person.name}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于起始日期。")})


class TaskForce(NoDeleteModel):
    """专班: a working group for a large project."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="task_forces"
    )
    name = models.CharField(_("专班名称"), max_length=200)
    lead = models.ForeignKey(
        Person,
        verbose_name=_("专班负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_task_forces",
    )
    members = models.ManyToManyField(
        Person, verbose_name=_("成员"), through="TaskForceMember", related_name="task_forces"
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专班")
        verbose_name_plural = _("专班")

    def __str__(self) -> str:
        return self.name


class TaskForceMember(models.Model):
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("成员"), on_delete=models.PROTECT)
    duty = models.CharField(_("分工"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("专班成员")
        verbose_name_plural = _("专班成员")
        constraints = [
            models.UniqueConstraint(fields=["task_force", "person"], name="taskforce_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.person}"


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

    history = HistoricalRecords()

    class Meta:
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
        verbose_name = _("项目月度状态")
        verbose_name_plural = _("项目月度状态")
        ordering = ["year", "month", "project_id"]  # no join: project's ordering joins regions
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="projectstatus_one_per_period"
            ),
        ]
        # a district's rows of a period: the summary and rankings read exactly those
        indexes = [models.Index(fields=["region", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}-{self.month:02d} {self.colour}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def reason(self) -> str:
        """Why the project has its colour, worded for an official (`projects.colours`)."""
        from . import colours

        return colours.reason(self)

    @property
    def checks(self) -> dict:
        """Each applied check's verdict, reason and numbers: {check: {verdict, reason, …}}."""
        from . import colours

        return colours.checks_dict(self)


# --- Rankings (排名通报) ------------------------------------------------------------------------


class RankingScope(models.TextChoices):
    DISTRICT = "district", _("县市区")
    LEADER = "leader", _("包联领导")
    UNIT = "unit", _("责任单位")


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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("排名指标")
        verbose_name_plural = _("排名指标与权重")
        ordering = ["order", "measure"]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.weight}"


class RankingSettings(SingletonModel):
    """How rankings are flagged and published, one row per installation (pk=1)."""

    praised_top = models.PositiveSmallIntegerField(_("通报表扬：前 N 名"), default=7)
    called_in_bottom = models.PositiveSmallIntegerField(_("约谈：后 N 名"), default=3)
    publish_day = models.PositiveSmallIntegerField(
        _("每月发布日"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月该日（或之后首次运行时）自动发布上月排名（未发布时）。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("排名设置")
        verbose_name_plural = _("排名设置")

    def __str__(self) -> str:
        return str(_("排名设置"))


class SnapshotImmutable(Exception):
    """A published ranking never changes; publish a correction (a new version) instead."""


class RankingSnapshotQuerySet(NoDeleteQuerySet):
    def update(self, **kwargs):
        raise SnapshotImmutable("已发布的排名不可修改；如需更正，请发布新版本并说明原因。")


class RankingSnapshot(NoDeleteModel):
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
    version = models.PositiveIntegerField(_("版本"))
    rows = models.JSONField(_("排名"), default=list, blank=True)
    indicators = models.JSONField(_("计分指标"), default=list, blank=True)
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

    objects = RankingSnapshotQuerySet.as_manager()

    class Meta:
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

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SnapshotImmutable("已发布的排名不可修改；如需更正，请发布新版本并说明原因。")
        super().save(*args, **kwargs)

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def clean(self) -> None:
        if self.version and self.version > 1 and not (self.reason or "").strip():
            raise ValidationError({"reason": _("更正已发布的排名必须填写原因。")})


# --- Recompute bookkeeping --------------------------------------------------------------------


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
    queued_at = models.DateTimeField(_("已排队"), null=True, blank=True)

    class Meta:
        verbose_name = _("重算请求")
        verbose_name_plural = _("重算请求")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="recomputerequest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
