"""REST framework pieces every app's API shares: pagination, the error format (400 with field
messages, never 500) and the period field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .periods import Period


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django model validation errors turned into field errors (400)."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


class PeriodField(serializers.CharField):
    """ "YYYY-MM" ↔ `Period`; a bad value is the field's 400 message."""

    def to_internal_value(self, data: Any) -> Period:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            return Period.parse(text)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value: Any) -> str:
        return str(value)
