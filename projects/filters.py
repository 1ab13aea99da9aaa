"""FilterSets of the projects app: one per listable model.

The API list, the HTML list and the xlsx export all filter through these, so a query string means
the same thing everywhere. They filter; they do not scope: the queryset handed to them comes from
`projects.selectors`, which has already been through `access.scope`.

`ProjectFilterSet` expects the status columns that `selectors.with_status` annotates
(`status_colour` …) for the period being looked at (`?period=YYYY-MM`, default the latest period
computed); the `colour` and `set` filters read them.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from assessment.choices import Colour, ProjectSet
from assessment.selectors import status_joined
from core.filters import IntegerFilter, PeriodFilter
from core.keyset import Key
from core.periods import Period

from . import cycle, stoppages
from .choices import Level, RegionLevel, Stage, UnitKind, WithdrawalStatus
from .models import (
    Category,
    ChainAssignment,
    MonthlyReport,
    Person,
    Project,
    ProjectYear,
    Region,
    Unit,
    Withdrawal,
    region_prefix,
)


def _category_choices() -> list[tuple[str, str]]:
    """Category codes, read when a form is built (not at import)."""
    return list(Category.objects.values_list("code", "name"))


# The project list's orderings as keyset keys (`core.keyset`), each ending with a unique column,
# each served by an index: (region, code), code, (name, id), (total_investment, id) on the
# project, (year, month, investment_rate, project) on its statuses. `""` is the default order:
# by district code (the official order of the codes), then project code.
PROJECT_ORDERINGS: dict[str, list[Key]] = {
    "": [Key("region_id"), Key("code")],
    "code": [Key("code")],
    "-code": [Key("code", descending=True)],
    "name": [Key("name"), Key("pk")],
    "-name": [Key("name", descending=True), Key("pk", descending=True)],
    "total_investment": [Key("total_investment"), Key("pk")],
    "-total_investment": [
        Key("total_investment", descending=True),
        Key("pk", descending=True),
    ],
    "investment_rate": [Key("status_investment_rate", nullable=True, places=6), Key("pk")],
    "-investment_rate": [
        Key("status_investment_rate", descending=True, nullable=True, places=6),
        Key("pk", descending=True),
    ],
}


class ProjectFilterSet(django_filters.FilterSet):
    """Filters of the project list (API, HTML list, export).

    - `region`: a region code; the region's whole subtree (a city: all its districts; a town:
      projects located in that town).
    - `level`, `stage`, `colour`: one or several values (`?stage=signed&stage=construction`).
    - `category`: category code(s); a project matches if it has any of them.
    - `year`: projects with a plan for that year. `new_start=true`: projects flagged 新开工 for
      `year` (or the year of `period`, or the current year when neither is given).
    - `leader`: by Person id when the value is a number, else by exact name. With `period`:
      the leader of the period's last day (stored with the period's status, as the leader
      ranking counts), among the period's portfolio; without: the chain's current leader
      (roles with `is_leader`).
    - `q`: part of the project's name or code.
    - `stopped=true`: projects 停工中 (at the end of `period` if given, else today).
    """

    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        method="filter_region",
        label=_("区域（代码，含下级）"),
        error_messages={"invalid_choice": _("未知的区域代码：%(value)s。")},
    )
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, label=_("项目级别"))
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("建设阶段"))
    category = django_filters.MultipleChoiceFilter(
        choices=_category_choices, method="filter_category", label=_("项目类别（代码）")
    )
    colour = django_filters.MultipleChoiceFilter(
        choices=Colour.choices, field_name="status_colour", label=_("四色")
    )
    year = extend_schema_field(OpenApiTypes.INT)(
        IntegerFilter(method="filter_year", label=_("年度"), min_value=2000, max_value=2100)
    )
    new_start = extend_schema_field(OpenApiTypes.BOOL)(
        django_filters.BooleanFilter(method="filter_new_start", label=_("新开工项目"))
    )
    leader = django_filters.CharFilter(method="filter_leader", label=_("包联领导（人员ID或姓名）"))
    in_statistics = django_filters.BooleanFilter(label=_("是否纳统"))
    q = django_filters.CharFilter(method="filter_q", label=_("名称或编号"))
    stopped = extend_schema_field(OpenApiTypes.BOOL)(
        django_filters.BooleanFilter(
            method="filter_stopped",
            label=_("停工中（有 period 时按该期末，否则按今天）"),
        )
    )
    period = PeriodFilter(label=_("期间 YYYY-MM（默认最近已计算期间）"))
    set = django_filters.ChoiceFilter(
        choices=ProjectSet.choices,
        method="filter_set",
        label=_("指标口径（本期统计的项目集合）"),
    )
    reported = django_filters.ChoiceFilter(
        choices=[("yes", _("已填报")), ("no", _("未填报")), ("late", _("逾期填报"))],
        method="filter_reported",
        label=_("本月填报（按 period 所报月份，默认上月；限应报项目）"),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("total_investment", "total_investment"),
            ("status_investment_rate", "investment_rate"),
        )
    )

    class Meta:
        model = Project
        fields = ["region", "level", "stage", "category", "colour", "year", "new_start"]

    def filter_set(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The projects a measure of the period counts (`ProjectSet`: its conditions on the
        period's status rows), so the list behind a figure counts what the figure counts."""
        if not value:
            return queryset
        if not status_joined(queryset):
            return queryset.none()  # no period computed: no measure counts anything
        conditions = {
            f"period_status_row__{field}": wanted
            for field, wanted in ProjectSet(value).conditions.items()
        }
        return queryset.filter(period_status_row__id__isnull=False, **conditions)

    def filter_reported(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The projects due to report for the month of `period` (default: last month) that
        reported (`yes`), did not (`no`) or reported late (`late`) — what the completeness page
        (`supervision.reporting.completeness`) counts, by the same `projects.cycle.due_q`."""
        if not value:
            return queryset
        period = self.form.cleaned_data.get("period") or Period.latest_complete()
        due = queryset.exclude(stage=Stage.WITHDRAWN).filter(cycle.due_q(period.year, period.month))
        reported = cycle.reported_in(period.year, period.month)
        if value == "yes":
            return due.filter(Exists(reported))
        if value == "late":
            return due.filter(Exists(reported.filter(late=True)))
        return due.exclude(Exists(reported))

    def filter_stopped(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """停工中 (`projects.stoppages.stopped_q`) at the end of `period` when the query gives
        one (the overview's figure links so), else today."""
        if value is None:
            return queryset
        period = self.form.cleaned_data.get("period") if "period" in self.data else None
        stopped = stoppages.stopped_q(period.end if period else None)
        return queryset.filter(stopped) if value else queryset.exclude(stopped)

    def filter_region(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        if value.level == RegionLevel.TOWN:
            return queryset.filter(town__code__startswith=value.prefix)
        return queryset.filter(region__code__startswith=value.prefix)

    def filter_category(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        tagged = Project.categories.through.objects.filter(
            project_id=OuterRef("pk"), category__code__in=value
        )
        return queryset.filter(Exists(tagged))

    def _plan_year(self) -> int:
        data = self.form.cleaned_data
        if data.get("year"):
            return data["year"]
        if data.get("period"):
            return data["period"].year
        return timezone.localdate().year

    def filter_year(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        planned = ProjectYear.objects.filter(project_id=OuterRef("pk"), year=value)
        return queryset.filter(Exists(planned))

    def filter_new_start(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        flagged = Exists(
            ProjectYear.objects.filter(
                project_id=OuterRef("pk"), year=self._plan_year(), new_start=True
            )
        )
        return queryset.filter(flagged if value else ~flagged)

    def filter_leader(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if self.form.cleaned_data.get("period") and status_joined(queryset):
            # A period asked for: the leader of its last day, as stored with the period's
            # status (`measures`: the chain's leader role on that day) — the leader ranking
            # counts these projects, so its row and this list agree after a handover.
            if not value.isdigit():
                return queryset.filter(period_status_row__leader__name=value)
            if len(value) > 18:
                return queryset.none()
            return queryset.filter(period_status_row__leader_id=int(value))
        if value.isdigit():
            # An id beyond any real one matches nobody (and never overflows the column).
            person = Q(person_id=int(value)) if len(value) <= 18 else Q(pk__in=[])
        else:
            person = Q(person__name=value)
        leads = ChainAssignment.objects.filter(
            person, project_id=OuterRef("pk"), role__is_leader=True, end_date__isnull=True
        )
        return queryset.filter(Exists(leads))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class MonthlyReportFilterSet(django_filters.FilterSet):
    """Filters of monthly reports: `year`, `month`."""

    year = IntegerFilter(label=_("年度"), min_value=2000, max_value=2100)
    month = IntegerFilter(label=_("月份"), min_value=1, max_value=12)

    class Meta:
        model = MonthlyReport
        fields = ["year", "month"]


class RegionFilterSet(django_filters.FilterSet):
    """`parent` (code: the direct children), `level`, `within` (code: the whole subtree)."""

    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区域代码"))
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("层级"))
    within = django_filters.CharFilter(method="filter_within", label=_("区域代码（含下级）"))

    class Meta:
        model = Region
        fields = ["parent", "level"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(code__startswith=region_prefix(value.strip()))


class UnitFilterSet(django_filters.FilterSet):
    """`region` (code: units of the region and its subtree), `kind`, `active`, `q` (name)."""

    region = django_filters.CharFilter(method="filter_region", label=_("区域代码（含下级）"))
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("类型"))
    active = django_filters.BooleanFilter(label=_("有效"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = Unit
        fields = ["region", "kind", "active"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region__code__startswith=region_prefix(value.strip()))


class PersonFilterSet(django_filters.FilterSet):
    """`region` (code, subtree), `unit` (id), `active`, `q` (name or title)."""

    region = django_filters.CharFilter(method="filter_region", label=_("区域代码（含下级）"))
    unit = IntegerFilter(field_name="unit_id", label=_("单位ID"))
    active = django_filters.BooleanFilter(label=_("有效"))
    q = django_filters.CharFilter(method="filter_q", label=_("姓名或职务"))

    class Meta:
        model = Person
        fields = ["region", "unit", "active"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region__code__startswith=region_prefix(value.strip()))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(title__icontains=value))


class WithdrawalFilterSet(django_filters.FilterSet):
    """`status` (pending, approved, rejected), `project` (code)."""

    status = django_filters.ChoiceFilter(choices=WithdrawalStatus.choices, label=_("状态"))
    project = django_filters.CharFilter(field_name="project__code", label=_("项目编号"))

    class Meta:
        model = Withdrawal
        fields = ["status", "project"]


# --- Shared by the other apps' FilterSets ----------------------------------------------------


def _region_q(code: str, region_path: str, town_path: str | None) -> Q:
    """Rows of the region with `code` and everything below it (a prefix match)."""
    prefix = region_prefix(code)
    if town_path and len(code) > 6:
        return Q(**{f"{town_path}__startswith": prefix})
    return Q(**{f"{region_path}__startswith": prefix})


class RegionCodeFilter(django_filters.CharFilter):
    """`?region=CODE`: the region and its descendants; an unknown code → 400."""

    def __init__(self, *args, region_path: str, town_path: str | None = None, **kwargs):
        self.region_path, self.town_path = region_path, town_path
        kwargs.setdefault("label", _("区域代码"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        value = value.strip()
        if not Region.objects.filter(code=value).exists():
            raise ValidationError({"region": _("区域代码 %(c)s 不存在。") % {"c": value}})
        return qs.filter(_region_q(value, self.region_path, self.town_path))
