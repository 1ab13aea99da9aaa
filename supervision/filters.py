"""FilterSets of the supervision app, one per listable model, shared by the API, the UI lists
and exports. They filter; they do not scope (the selectors did that)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Region, region_prefix

from .models import (
    Difficulty,
    Inspection,
    InspectionKind,
    Issue,
    IssueCategory,
    IssueSource,
    IssueStatus,
    Meeting,
    MeetingKind,
    Notification,
    ReminderLetter,
)


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
            from django.core.exceptions import ValidationError

            raise ValidationError({"region": _("区域代码 %(c)s 不存在。") % {"c": value}})
        return qs.filter(_region_q(value, self.region_path, self.town_path))


class IssueFilterSet(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__code", label=_("项目编号"))
    region = RegionCodeFilter(region_path="project__region__code", town_path="project__town__code")
    status = django_filters.MultipleChoiceFilter(choices=IssueStatus.choices, label=_("状态"))
    category = django_filters.MultipleChoiceFilter(choices=IssueCategory.choices, label=_("类别"))
    difficulty = django_filters.ChoiceFilter(choices=Difficulty.choices, label=_("难易程度"))
    source = django_filters.ChoiceFilter(choices=IssueSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(field_name="is_overdue", label=_("是否逾期"))
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_("议定会议"))
    assigned_unit = django_filters.NumberFilter(field_name="assigned_unit_id", label=_("责任单位"))
    raised_after = django_filters.DateFilter(
        field_name="raised_at", lookup_expr="date__gte", label=_("收集日期起")
    )
    raised_before = django_filters.DateFilter(
        field_name="raised_at", lookup_expr="date__lte", label=_("收集日期止")
    )
    q = django_filters.CharFilter(method="search", label=_("搜索"))

    class Meta:
        model = Issue
        fields = ["project", "region", "status", "category", "overdue"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(project__name__icontains=value)
            | Q(project__code__icontains=value)
        )


class MeetingFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter(region_path="region__code")
    kind = django_filters.MultipleChoiceFilter(choices=MeetingKind.choices, label=_("会议类型"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("止"))

    class Meta:
        model = Meeting
        fields = ["region", "kind"]


class PeriodCharFilter(django_filters.CharFilter):
    """`?period=YYYY-MM` on models with `year` and `month`."""

    def filter(self, qs, value):
        if not value:
            return qs
        from projects.filters import parse_period

        period = parse_period(value)
        return qs.filter(year=period.year, month=period.month)


class LetterFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter(region_path="region__code")
    period = PeriodCharFilter(label=_("期间（YYYY-MM）"))
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = ReminderLetter
        fields = ["region", "period", "year"]


class InspectionFilterSet(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__code", label=_("项目编号"))
    region = RegionCodeFilter(region_path="project__region__code", town_path="project__town__code")
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices, label=_("类型"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("止"))

    class Meta:
        model = Inspection
        fields = ["project", "region", "kind"]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("未读")
    )

    class Meta:
        model = Notification
        fields = ["unread"]
