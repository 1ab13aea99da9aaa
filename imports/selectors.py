"""Reads of the imports: the jobs a user may see — their own, and those of the regions they
oversee (a city official sees the districts' imports; `projects.access`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from projects import access

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
