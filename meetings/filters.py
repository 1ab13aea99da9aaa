"""FilterSets of the meetings app (API and pages alike); they filter, the selectors scope."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import IntegerFilter, YearMonthFilter
from projects.filters import RegionCodeFilter

from .choices import MeetingKind
from .models import Meeting, ReminderLetter


class MeetingFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter(region_path="region__code")
    kind = django_filters.MultipleChoiceFilter(choices=MeetingKind.choices, label=_("会议类型"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("止"))

    class Meta:
        model = Meeting
        fields = ["region", "kind"]


class LetterFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter(region_path="region__code")
    period = YearMonthFilter(label=_("期间（YYYY-MM）"))
    year = IntegerFilter(label=_("年度"))

    class Meta:
        model = ReminderLetter
        fields = ["region", "period", "year"]
