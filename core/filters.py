"""Filter and form fields every app's FilterSets share: the period and integers."""

from __future__ import annotations

from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .periods import Period

_M = TypeVar("_M", bound=Model)


class PeriodField(forms.CharField):
    """A form field for "YYYY-MM" that cleans to a `Period` (None when blank); a bad value is
    the field's error (`Period.parse`'s message)."""

    def to_python(self, value: Any) -> Period | None:  # type: ignore[override]
        return Period.parse_optional(super().to_python(value))


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2024-10"})
class PeriodFilter(django_filters.Filter):  # type: ignore[misc]  # django-filter has no types
    """Carries `?period=` through validation; the selector applies it (status columns)."""

    field_class = PeriodField

    def filter(self, qs: QuerySet[_M], value: Any) -> QuerySet[_M]:
        return qs


# The range of a 64-bit integer column: a larger number is the filter's 400, never an
# OverflowError from the database driver (SQLite refuses a Python int above 2**63 - 1).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter has no types
    """An integer query parameter (an id, a year), bounded by the column's range unless the
    filter sets tighter bounds."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class YearMonthFilter(PeriodFilter):
    """`?period=YYYY-MM` on models with `year` and `month` fields."""

    def filter(self, qs: QuerySet[_M], value: Any) -> QuerySet[_M]:
        return qs if value is None else qs.filter(year=value.year, month=value.month)
