"""Reads of the meetings app, scoped (`projects.access.scope`) and ready for their lists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from projects import access
from projects.choices import RegionLevel, Stage
from projects.models import Project, Region

from .choices import LetterState, LetterVerdict
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


def open_letters(
    *, region: Region, on: dt.date, user: access.Viewer | None = None
) -> QuerySet[ReminderLetter]:
    """The reminder letters of `region`'s districts (a district: its own) whose loop is open on
    `on` — unanswered past their reply deadline, or replied and found unsatisfactory — issued
    before `on`: what the next agenda follows up (`meetings.agenda`)."""
    letters = ReminderLetter.objects.filter(
        region__code__startswith=region.prefix, issued_on__lt=on
    ).filter(
        Q(replied_at__isnull=True, reply_deadline__lt=on) | Q(verdict=LetterVerdict.UNSATISFACTORY)
    )
    if user is not None:
        letters = access.scope(user, letters)
    return letters.select_related("region").order_by("reply_deadline", "region_id")


def letter_agenda_row(letter: ReminderLetter, on: dt.date) -> dict[str, object]:
    """A letter as the agenda lists it (JSON-ready, frozen with the agenda)."""
    state = letter.state_on(on)
    note = letter.verification_note if state == LetterState.UNSATISFACTORY else ""
    return {
        "id": letter.pk,
        "number": letter.number,
        "region": letter.region_id,
        "region_name": letter.region.name,
        "period": letter.period,
        "reply_deadline": letter.reply_deadline.isoformat(),
        "state": state.value,
        "state_label": str(state.label),
        "note": note,
        "red": letter.red_count,
        "yellow": letter.yellow_count,
    }


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
