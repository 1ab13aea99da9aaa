"""Helpers every app's services share: the optimistic lock's error, who made a change, and
`model_update` — set the fields that differ, validate, bump the version, save with history.

Services are keyword-only, atomic and validated; they take the `actor` who acts (a user, or
None for the system: a job, a command, the importer's own bookkeeping).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """Someone else changed the record since it was read (optimistic lock)."""

    def __init__(self, current_version: int):
        super().__init__(
            _("该记录已被他人修改（当前版本 %(v)s），请刷新后重试。") % {"v": current_version}
        )
        self.current_version = current_version


def acting_user(actor: Any) -> Any:
    """The user to record as the author of a change: `actor` if it is a saved user, else None
    (the system)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def set_history_user(obj: models.Model, actor: Any) -> None:
    """Makes django-simple-history record `actor` as the author of `obj`'s next save."""
    user = acting_user(actor)
    if user is not None:
        obj._history_user = user  # type: ignore[attr-defined]


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    field = instance._meta.get_field(name)
    current = getattr(instance, field.attname)  # type: ignore[union-attr]
    return bool(current != getattr(value, "pk", value))


def changed_fields(instance: models.Model, data: Mapping[str, Any]) -> list[str]:
    """The names in `data` whose value differs from `instance`'s (foreign keys by id)."""
    return [name for name, value in data.items() if _differs(instance, name, value)]


def model_update(
    *,
    instance: models.Model,
    data: Mapping[str, Any],
    allowed: Iterable[str],
    actor: Any = None,
    bump_version: bool = True,
) -> list[str]:
    """Sets the fields of `data` that differ from `instance`, validates (`full_clean`), bumps
    `version` where the model has one and saves, recording `actor` in the history. Returns the
    changed field names (nothing is saved when none changed). `allowed` is the list of fields a
    caller may set; any other name is a programming error (TypeError)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields of {type(instance).__name__}: {sorted(unknown)}")
    changed = changed_fields(instance, data)
    if not changed:
        return []
    for name in changed:
        setattr(instance, name, data[name])
    instance.full_clean()
    if bump_version and hasattr(instance, "version"):
        instance.version += 1
    set_history_user(instance, actor)
    instance.save()
    return changed
