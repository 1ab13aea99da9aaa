"""Access scoping — the one place that decides what a user may see and change.

Every view, API endpoint, export, import and admin page gets its querysets through `scope()`.
A user sees the subtree of their region (a city official: every district of the city; a
district official: their district); a superuser sees everything; anyone else sees nothing.
Changing needs an editing role as well (`Role.editors()`).

Each scoped model says where its region is, as a path for the ORM: the ledger's models in
`SCOPE_PATHS` below, the other apps' in their `apps.py` (`register()`, when the app is ready).
Town-level users are matched on the town path where the model has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from .choices import RegionLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Project, Region, User

# Who is asking: `request.user` (a login or the anonymous user).
Viewer: TypeAlias = "User | AnonymousUser"

_QS = TypeVar("_QS", bound=QuerySet[Any])

# model label → (path to the region code, path to the town code or None). Paths end in the
# Region's primary key (`…region__code`): Django compares the foreign-key column itself with
# LIKE 'prefix%' (no join), whereas `region_id__startswith` is not a lookup Django offers.
SCOPE_PATHS: dict[str, tuple[str, str | None]] = {
    "projects.region": ("code", None),
    "projects.unit": ("region__code", None),
    "projects.person": ("region__code", None),
    "projects.user": ("region__code", None),
    "projects.project": ("region__code", "town__code"),
    "projects.projectyear": ("project__region__code", "project__town__code"),
    "projects.planrevision": ("project_year__project__region__code", None),
    "projects.monthlyplan": ("project_year__project__region__code", None),
    "projects.monthlyreport": ("project__region__code", "project__town__code"),
    "projects.milestone": ("project__region__code", "project__town__code"),
    "projects.factorguarantee": ("project__region__code", "project__town__code"),
    "projects.chainassignment": ("project__region__code", "project__town__code"),
    "projects.taskforce": ("project__region__code", "project__town__code"),
    "projects.taskforcemember": ("task_force__project__region__code", None),
    "projects.stagechange": ("project__region__code", "project__town__code"),
    "projects.withdrawal": ("project__region__code", "project__town__code"),
    "projects.stoppage": ("project__region__code", "project__town__code"),
    "projects.reportingmonth": ("region__code", None),
    "projects.reportinggap": ("project__region__code", "project__town__code"),
}


def register(paths: dict[str, tuple[str, str | None]]) -> None:
    """Other apps declare their models' region paths (from `AppConfig.ready`); a label
    registered twice with another path is a programming error."""
    for label, path in paths.items():
        if SCOPE_PATHS.get(label, path) != path:
            raise ValueError(f"{label} is already registered with {SCOPE_PATHS[label]}")
        SCOPE_PATHS[label] = path


def region_filter(user: Viewer, model: type[Model], *, include_ancestors: bool = False) -> Q | None:
    """The Q that limits `model` to `user`'s regions; None means no limit; raises for models
    that never declared their path (a new model cannot be forgotten silently).

    `include_ancestors` adds rows of the regions above the user's (the city, the province):
    a district official may pick a city leader (市级领导分包) or a city department as a chain
    member or assignee, but never sees rows of a sibling district."""
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
        q = Q(**{f"{town_path}__startswith": region.prefix})
    else:
        q = Q(**{f"{region_path}__startswith": region.prefix})
    if include_ancestors:
        q |= Q(**{f"{region_path}__in": region.ancestor_codes()})
    return q


# Reference models whose rows of higher regions may be chosen (see region_filter).
CHOOSABLE_FROM_ANCESTORS = {"projects.person", "projects.unit"}


def scope(
    user: Viewer, queryset: _QS, *, for_change: bool = False, for_choice: bool = False
) -> _QS:
    """`queryset` limited to what `user` may see, or (for_change) may change, or (for_choice)
    may pick in a form: people and units of the user's subtree and of the regions
    above it."""
    if for_change and not getattr(user, "can_edit", False):
        return queryset.none()
    label = queryset.model._meta.label_lower
    q = region_filter(
        user, queryset.model, include_ancestors=for_choice and label in CHOOSABLE_FROM_ANCESTORS
    )
    return queryset if q is None else queryset.filter(q)


def may_serve(region: Any, member_region_code: str) -> bool:
    """True if a person or unit of region `member_region_code` may be put on a record of
    `region` (a project's district, a meeting's region): as assignee or assigned unit, chain
    member, responsible unit, chair, attendee or inspector. That is the region itself and what
    lies below it, or a region above it (市级领导分包, a city department) — never a sibling
    district. No query: read off the codes."""
    return member_region_code in region.ancestor_codes() or member_region_code.startswith(
        region.prefix
    )


def may_serve_q(region: Any, path: str = "region__code") -> Q:
    """`may_serve` as a filter on people or units (`path` leads to their region code)."""
    return Q(**{f"{path}__in": region.ancestor_codes()}) | Q(
        **{f"{path}__startswith": region.prefix}
    )


def can_see(user: Viewer, obj: Model) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_change(user: Viewer, obj: Model) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), for_change=True).exists()


class _NoTown:
    """The row has no town (a meeting, a unit): a town-level user is matched on the region."""


NO_TOWN = _NoTown()


def region_contains(
    region: Region, region_code: str, town_code: str | _NoTown | None = NO_TOWN
) -> bool:
    """True if a row of region `region_code` (and town `town_code`, where the row has a town
    dimension: projects and what hangs on them) lies within `region`'s subtree — matched on the
    town for a town, as `region_filter` does."""
    if region.level == RegionLevel.TOWN and not isinstance(town_code, _NoTown):
        return bool(town_code and town_code.startswith(region.prefix))
    return region_code.startswith(region.prefix)


def covers(
    user: Viewer | None, region_code: str, town_code: str | _NoTown | None = NO_TOWN
) -> bool:
    """The Python twin of `region_filter`, for one row and without a query: True if the row
    (`region_contains`) lies within `user`'s scope."""
    if getattr(user, "is_superuser", False):
        return True
    region = getattr(user, "region", None)
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or region is None
        or not user.is_active
    ):
        return False
    return region_contains(region, region_code, town_code)


def covers_project(user: Viewer | None, project: Project) -> bool:
    """`covers` for a project (its district and town)."""
    return covers(user, project.region_id, project.town_id)


def may_change_project(user: Viewer, project: Project) -> bool:
    """An editing role whose scope covers the project (the services' own check)."""
    return bool(getattr(user, "can_edit", False)) and covers_project(user, project)


def require_change(user: Viewer, obj: Model) -> None:
    if not can_change(user, obj):
        raise PermissionDenied(_("无权修改该记录。"))


def require_project_change(actor: Viewer | None, project: Project) -> None:
    """For services: the system (`actor=None`) may; a user needs `may_change_project`."""
    if actor is not None and not may_change_project(actor, project):
        raise PermissionDenied(_("无权修改该项目（不在您的管辖范围内，或您的账号只读）。"))
