"""Reads of the meetings app, scoped (`projects.access.scope`) and ready for their lists."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from projects import access
from projects.choices import RegionLevel, Stage
from projects.models import Project, Region

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


PICKER_ROWS = 20


def decision_projects(*, user: access.Viewer, meeting: Meeting, text: str) -> QuerySet[Project]:
    """The projects a decision of `meeting` may be about, matching `text` (code prefix or part
    of the name): of the meeting's region, in the user's scope, not withdrawn; the first
    PICKER_ROWS by code. One query."""
    text = text.strip()[:50]
    projects = access.scope(
        user,
        Project.objects.filter(
            region_contains_q(meeting.region), ~Q(stage=Stage.WITHDRAWN)
        ).select_related("region"),
    )
    if text:
        projects = projects.filter(Q(code__istartswith=text) | Q(name__icontains=text))
    return projects.order_by("code")[:PICKER_ROWS]


def region_contains_q(region: Region) -> Q:
    """Projects of `region` (a town's by their town, others by their district's code)."""
    if region.level == RegionLevel.TOWN:
        return Q(town__code__startswith=region.prefix)
    return Q(region__code__startswith=region.prefix)
