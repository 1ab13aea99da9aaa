"""REST framework pieces every app's API shares: pagination, the error format (400 with field
messages, never 500; 503 when the database stayed busy) and the period field."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .db import RETRY_AFTER_SECONDS, is_database_busy
from .periods import Period

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class DatabaseBusy(APIException):
    """503 with `Retry-After`: a lock or statement timeout (`core.db.is_database_busy`)."""

    status_code = 503
    default_detail = _("数据正被其他操作（如导入、重算）占用，请稍后重试。")
    default_code = "busy"
    wait = RETRY_AFTER_SECONDS  # DRF's handler sends it as Retry-After


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django model validation errors turned into field errors (400) and
    a database that stayed busy (lock or statement timeout) into a 503 asking to retry."""
    if is_database_busy(exc):
        logger.warning("database busy: %s", exc)
        exc = DatabaseBusy()
    elif isinstance(exc, DjangoValidationError):
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
