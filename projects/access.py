"""Access scoping — the one place that decides what a user may see and change.

Every view, API endpoint, export, import and admin page gets its querysets through `scope()`.
A user sees the subtree of their region (a city official: every district of the city; a
district official: their district); a superuser sees everything; anyone else sees nothing.
Changing needs an editing role as well (`Role.editors()`).

Each scoped model says where its region is, as a path for the ORM, in `SCOPE_PATHS` below (kept
here, not on the models, so the whole rule reads in one screen). Town-level users are matched on
the town path where the model has one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from .choices import RegionLevel

# model label → (path to the region code, path to the town code or None)
SCOPE_PATHS: dict[str, tuple[str, str | None]] = {
    "projects.region": ("code", None),
    "projects.unit": ("region_id", None),
    "projects.person": ("region_id", None),
    "projects.user": ("region_id", None),
    "projects.project": ("region_id", "town_id"),
    "projects.projectyear": ("project__region_id", "project__town_id"),
    "projects.planrevision": ("project_year__project__region_id", None),
    "projects.monthlyplan": ("project_year__project__region_id", None),
    "projects.monthlyreport": ("project__region_id", "project__town_id"),
    "projects.milestone": ("project__region_id", "project__town_id"),
    "projects.factorguarantee": ("project__region_id", "project__town_id"),
    "projects.chainassignment": ("project__region_id", "project__town_id"),
    "projects.taskforce": ("project__region_id", "project__town_id"),
    "projects.taskforcemember": ("task_force__project__region_id", None),
    "projects.stagechange": ("project__region_id", "project__town_id"),
    "projects.withdrawal": ("project__region_id", "project__town_id"),
    "projects.projectstatus": ("project__region_id", "project__town_id"),
    "supervision.issue": ("project__region_id", "project__town_id"),
}


def register(label: str, region_path: str, town_path: str | None = None) -> None:
    """Other apps (supervision) declare their models' region paths here at import time."""
    SCOPE_PATHS[label] = (region_path, town_path)


def region_filter(user, model: type[Model]) -> Q | None:
    """The Q that limits `model` to `user`'s regions; None means no limit; raises for models
    that never declared their path (a new model cannot be forgotten silently)."""
    if getattr(user, "is_superuser", False):
        return None
    label = model._meta.label_lower
    try:
        region_path, town_path = SCOPE_PATHS[label]
    except KeyError:
        raise LookupError(f"{label} has no scope path in projects.access.SCOPE_PATHS") from None
    region = getattr(user, "region", None)
    if not getattr(user, "is_authenticated", False) or region is None or not user.is_active:
        return Q(pk__in=[])
    if region.level == RegionLevel.TOWN and town_path:
        return Q(**{f"{town_path}__startswith": region.prefix})
    return Q(**{f"{region_path}__startswith": region.prefix})


def scope(user, queryset: QuerySet, *, for_change: bool = False) -> QuerySet:
    """`queryset` limited to what `user` may see, or (for_change) may change."""
    if for_change and not getattr(user, "can_edit", False):
        return queryset.none()
    q = region_filter(user, queryset.model)
    return queryset if q is None else queryset.filter(q)


def can_see(user, obj: Model) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_change(user, obj: Model) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), for_change=True).exists()


def region_in_scope(user, region) -> bool:
    """True if `region` (a Region) lies within the user's subtree."""
    if getattr(user, "is_superuser", False):
        return True
    own = getattr(user, "region", None)
    return bool(own and user.is_authenticated and region.code.startswith(own.prefix))


def require_change(user, obj: Model) -> None:
    if not can_change(user, obj):
        raise PermissionDenied("无权修改该记录。")
