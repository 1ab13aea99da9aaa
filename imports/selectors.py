"""Reads of the imports: the jobs a user may see — their own, and those of the regions they
oversee (a city official sees the districts' imports; `projects.access`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from projects import access
from projects.choices import RegionLevel
from projects.models import Project, Region

from .models import ImportJob

RECENT = 10


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("user")
    in_scope = access.region_filter(user, ImportJob)
    if in_scope is None:
        return jobs
    if not getattr(user, "is_authenticated", False):
        return jobs.none()
    return jobs.filter(Q(user=user) | in_scope)


def recent_jobs(user: Any) -> list[ImportJob]:
    """The latest uploads the user may see, newest first."""
    return list(visible_jobs(user).order_by("-created_at")[:RECENT])


def ledger_export_projects(*, user: Any, region: Region | None = None) -> QuerySet[Project]:
    """The projects `user` may change (the ledger export holds only rows its upload can take
    back), within `region`'s subtree when given (a town: the projects located in it)."""
    projects = access.scope(user, Project.objects.all(), for_change=True)
    if region is None:
        return projects
    if region.level == RegionLevel.TOWN:
        return projects.filter(town__code__startswith=region.prefix)
    return projects.filter(region__code__startswith=region.prefix)
