"""Helpers every app's forms share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class PlainLabels:
    """Labels without Django's trailing colon (Chinese forms put none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Shows a service's ValidationError on `form`: each field's messages beside the field
    (`fields` maps a model field to the form field where their names differ), the rest at the
    top of the form."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, messages)
