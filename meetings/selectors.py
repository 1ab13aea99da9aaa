"""Reads of the meetings app, scoped (`projects.access.scope`) and ready for their lists."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from projects import access

from .models import Meeting, ReminderLetter


def meeting_list(*, user: access.Viewer) -> QuerySet[Meeting]:
    return (
        access.scope(user, Meeting.objects.all())
        .select_related("region", "chair")
        .prefetch_related("attendees")
        .annotate(
            decision_count=Count("decisions", distinct=True),
            open_decision_count=Count(
                "decisions", filter=~Q(decisions__status="closed"), distinct=True
            ),
        )
        .order_by("-date", "-id")
    )


def letter_list(*, user: access.Viewer) -> QuerySet[ReminderLetter]:
    return access.scope(user, ReminderLetter.objects.all()).select_related("region")
