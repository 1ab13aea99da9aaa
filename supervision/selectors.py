"""Reads of the supervision app: querysets that take the user, go through
`projects.access.scope`, and carry what their lists show (select_related / prefetch /
annotations) so a list costs the same number of queries for 1 row or 500.

The FilterSets in `supervision.filters` narrow these further; the API, the UI and the admin use
the same selectors.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from projects import access

from .models import (
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    Notification,
)


def issue_list(*, user: access.Viewer, today: dt.date | None = None) -> QuerySet[Issue]:
    """Issues the user may see, with `is_overdue` for `today` (default: today)."""
    today = today or timezone.localdate()
    return (
        access.scope(user, Issue.objects.all())
        .with_overdue(today)
        .select_related(
            "project", "project__region", "assigned_unit", "assignee", "raised_by", "meeting"
        )
    )


def issue_detail(*, user: access.Viewer, today: dt.date | None = None) -> QuerySet[Issue]:
    return issue_list(user=user, today=today).prefetch_related(
        Prefetch("transitions", queryset=IssueTransition.objects.select_related("actor")),
        "attachments",
    )


def inspection_list(*, user: access.Viewer) -> QuerySet[Inspection]:
    return (
        access.scope(user, Inspection.objects.all())
        .select_related("project", "project__region", "created_by")
        .prefetch_related(
            "inspectors",
            Prefetch("findings", queryset=InspectionFinding.objects.order_by("pk")),
            "photos",
        )
    )


def attachment_list(*, user: access.Viewer) -> QuerySet[IssueAttachment]:
    """Attachments of the issues the user may see (for their downloads)."""
    return access.scope(user, IssueAttachment.objects.all())


def photo_list(*, user: access.Viewer) -> QuerySet[InspectionPhoto]:
    """Photos of the inspections the user may see (for their downloads)."""
    return access.scope(user, InspectionPhoto.objects.all())


def notification_list(*, user: access.Viewer) -> QuerySet[Notification]:
    """The user's own notifications (to the login or to the person it stands for)."""
    mine = Q(recipient_user_id=user.pk)
    person_id = getattr(user, "person_id", None)
    if person_id:
        mine |= Q(recipient_person_id=person_id)
    return access.scope(user, Notification.objects.filter(mine)).select_related("issue")
