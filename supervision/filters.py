"""FilterSets of the supervision app, one per listable model, shared by the API, the UI lists
and exports. They filter; they do not scope (the selectors did that)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IntegerFilter, PeriodFilter
from core.periods import Period
from projects.filters import RegionCodeFilter

from . import issue_sets
from .choices import Difficulty, InspectionKind, IssueCategory, IssueSource, IssueStatus
from .models import Inspection, Issue, Notification


class IssueFilterSet(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__code", label=_("项目编号"))
    region = RegionCodeFilter(region_path="project__region__code", town_path="project__town__code")
    status = django_filters.MultipleChoiceFilter(choices=IssueStatus.choices, label=_("状态"))
    category = django_filters.MultipleChoiceFilter(choices=IssueCategory.choices, label=_("类别"))
    difficulty = django_filters.ChoiceFilter(choices=Difficulty.choices, label=_("难易程度"))
    source = django_filters.ChoiceFilter(choices=IssueSource.choices, label=_("来源"))
    overdue = django_filters.BooleanFilter(field_name="is_overdue", label=_("是否逾期"))
    meeting = IntegerFilter(field_name="meeting_id", label=_("议定会议"))
    assigned_unit = IntegerFilter(field_name="assigned_unit_id", label=_("责任单位"))
    raised_after = django_filters.DateFilter(
        field_name="raised_at", lookup_expr="date__gte", label=_("收集日期起")
    )
    raised_before = django_filters.DateFilter(
        field_name="raised_at", lookup_expr="date__lte", label=_("收集日期止")
    )
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    period = PeriodFilter(label=_("期间 YYYY-MM（与 set 同用）"))
    set = django_filters.ChoiceFilter(
        choices=issue_sets.IssueSet.choices,
        method="filter_set",
        label=_("办结率口径（期间的问题集合，默认最近月份）"),
    )

    class Meta:
        model = Issue
        fields = ["project", "region", "status", "category", "overdue"]

    def filter_set(self, qs, name, value):
        """The issues 办结率 / 按期办结率 of `period` count (`supervision.issue_sets`): raised
        from 1 January to the period's end on the period's portfolio, and of those the resolved
        or resolved on time by then — so the board counts what the figure counts."""
        if not value:
            return qs
        period = self.form.cleaned_data.get("period") or Period.latest_complete()
        return issue_sets.filter_issues(qs, period=period, issue_set=value)

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
