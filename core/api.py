"""REST framework pieces every app's API shares: pagination, the error format (400 with field
messages, never 500; 503 when the database stayed busy), the optimistic lock's precondition
(428), the text field that cleans control characters, and the period field."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .db import RETRY_AFTER_SECONDS, is_database_busy
from .periods import Period
from .text import clean_text


class PreconditionRequired(APIException):
    """428: a change of a versioned record (a project, a monthly report) sent neither the
    version the client read (`version` in the body) nor an `If-Match` header, so it could
    overwrite someone else's change unseen."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "缺少版本号：请把读取时的版本号作为 `version` 字段放在请求体中发送，"
        '或放在 If-Match 请求头中（如 If-Match: "3"）；'
        "版本号见读取结果的 `version` 字段或 ETag 头。"
    )
    default_code = "precondition_required"


def require_object(data: Any) -> None:
    """A request body must be a JSON object (or a form): a list, a string or a number is the
    request's 400, never a TypeError in a view that reads fields from it."""
    if not isinstance(data, Mapping):
        raise serializers.ValidationError({"non_field_errors": [_("请求体应为 JSON 对象。")]})


class DetailSerializer(serializers.Serializer[Any]):
    """An error answer: `{"detail": "…"}` (documents 403, 404, 428 …)."""

    detail = serializers.CharField()


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


class CleanCharField(serializers.CharField):
    """User text coming through the API, through the one rule for user text
    (`core.text.clean_text`): control characters are removed (tab, newline and carriage return
    stay) — except NUL, which is refused with the field's 400: it never belongs in text, and
    PostgreSQL cannot store it. Every writable text field of the API is one of these."""

    default_error_messages = {
        "null_characters": _("不能包含空字符（NUL，\\x00）。"),
    }

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if "\x00" in text:
            self.fail("null_characters")
        text = clean_text(text)
        if self.trim_whitespace:
            text = text.strip()
        if not text and not self.allow_blank:
            self.fail("blank")
        return text


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
