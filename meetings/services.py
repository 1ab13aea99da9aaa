"""Writes of the meetings app: meetings, their agendas and decisions, reminder letters. Each is
atomic and validated, and checks that the acting user supervises the region (`actor=None` is the
system: jobs, commands, the demo). A decision is an issue assigned through the supervision
services, so it follows the same closed loop."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import cndatetime
from core.services import acting_user
from projects import access
from projects.choices import RegionLevel
from projects.models import Person, Project, Region, Unit
from supervision import events
from supervision.choices import Difficulty, IssueCategory, IssueSource
from supervision.models import Issue
from supervision.notifications import notify
from supervision.services import check_supervisor, issue_create, issue_transition
from supervision.uploads import check_upload
from supervision.workdays import Deadline, WorkCalendar
from supervision.workflow import Action

from . import agenda, letters
from .choices import LetterVerdict, MeetingKind
from .models import Meeting, ReminderLetter

# --- Meetings --------------------------------------------------------------------------------

MEETING_FIELDS = {"title", "location", "chair", "minutes", "date", "kind"}


@transaction.atomic
def meeting_create(
    *,
    kind: str,
    region: Region,
    date: dt.date,
    actor: access.Viewer | None = None,
    title: str = "",
    location: str = "",
    chair: Person | None = None,
    attendees: Iterable[Person] = (),
    minutes: str = "",
) -> Meeting:
    """A dispatch meeting of a region; supervising officials of that region hold it."""
    check_supervisor(actor, region)
    attendees = list(attendees)
    _check_people(region, chair=chair, attendees=attendees)
    meeting = Meeting(
        kind=kind,
        region=region,
        date=date,
        title=title or _default_title(kind, region, date),
        location=location,
        chair=chair,
        minutes=minutes,
        created_by=acting_user(actor),
    )
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    _draft(meeting)
    return meeting


def _check_people(
    region: Region, *, chair: Person | None = None, attendees: Iterable[Person] | None = None
) -> None:
    """The chair and the attendees are of the meeting's region, below it or above it, never
    of another district (`access.may_serve`); the messages name nobody."""
    if chair is not None and not access.may_serve(region, chair.region_id):
        raise ValidationError({"chair": _("主持人应属于会议所在区域或其上级区域。")})
    if attendees is not None and any(
        not access.may_serve(region, person.region_id) for person in attendees
    ):
        raise ValidationError({"attendees": _("参会人员应属于会议所在区域或其上级区域。")})


def _default_title(kind: str, region: Region, date: dt.date) -> str:
    return f"{region.name}{date.year}年{date.month}月{date.day}日{MeetingKind(kind).label}"


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    actor: access.Viewer | None = None,
    attendees: Iterable[Person] | None = None,
    **fields: Any,
) -> Meeting:
    """Records minutes, attendees and corrections of a meeting."""
    unknown = set(fields) - MEETING_FIELDS
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    check_supervisor(actor, meeting.region)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    attendees = None if attendees is None else list(attendees)
    _check_people(locked.region, chair=fields.get("chair"), attendees=attendees)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if attendees is not None:
        locked.attendees.set(attendees)
    if locked.agenda_frozen_at is None and {"date", "kind"} & set(fields):
        _draft(locked)  # another day or kind: another period and time budget
    return locked


def _refuse_if_frozen(locked: Meeting) -> None:
    if locked.agenda_frozen_at is not None:
        raise ValidationError(
            {
                "agenda": _("议程已于 %(when)s 定稿，不能再更改。")
                % {"when": cndatetime(locked.agenda_frozen_at)}
            }
        )


@transaction.atomic
def meeting_refresh_agenda(*, meeting: Meeting, actor: access.Viewer | None = None) -> Meeting:
    """按最新数据刷新: the draft agenda generated again from the data as it is now (the period
    rule applied again: a month fully reported since is taken). Refused once frozen. The draft
    is otherwise kept as generated, so what the secretary reviewed is what gets frozen."""
    check_supervisor(actor, meeting.region)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_if_frozen(locked)
    _draft(locked)
    return locked


@transaction.atomic
def meeting_freeze_agenda(*, meeting: Meeting, actor: access.Viewer | None = None) -> Meeting:
    """Keeps the agenda as it was presented (定稿): the stored draft — exactly what the page
    showed, generated at "生成于" with data up to "数据截至" — becomes the meeting's record and
    never changes afterwards, whatever data arrives later. A meeting without a draft (made
    before drafts were kept) has one generated now."""
    check_supervisor(actor, meeting.region)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_if_frozen(locked)
    _freeze(locked)
    return locked


def _draft(locked: Meeting) -> None:
    # Through JSON once, so the stored copy is exactly what a reader gets back.
    locked.agenda = json.loads(json.dumps(agenda.build_agenda(locked), cls=DjangoJSONEncoder))
    locked.save(update_fields=["agenda", "updated_at"])


def _freeze(locked: Meeting) -> None:
    if locked.agenda is None:
        locked.agenda = json.loads(json.dumps(agenda.build_agenda(locked), cls=DjangoJSONEncoder))
    locked.agenda_frozen_at = timezone.now()
    locked.save(update_fields=["agenda", "agenda_frozen_at", "updated_at"])


def meeting_freeze_past_agendas(*, today: dt.date | None = None) -> int:
    """Freezes the agenda of every meeting held before `today` that was not frozen (the
    nightly job): a past meeting's agenda is then the record of what it discussed (its last
    draft), not a view of data that arrived later. Returns how many were frozen."""
    today = today or timezone.localdate()
    frozen = 0
    for meeting in Meeting.objects.filter(date__lt=today, agenda_frozen_at__isnull=True).order_by(
        "pk"
    ):
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
            if locked.agenda_frozen_at is None:
                _freeze(locked)
                frozen += 1
    return frozen


@transaction.atomic
def meeting_decide(
    *,
    meeting: Meeting,
    project: Project,
    title: str,
    unit: Unit,
    actor: access.Viewer | None = None,
    category: str = IssueCategory.OTHER,
    description: str = "",
    difficulty: str = Difficulty.ORDINARY,
    assignee: Person | None = None,
    deadline: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Issue:
    """A decision of a meeting (议定事项): an issue of a project of the meeting's region,
    assigned at once with a deadline, linked to the meeting and followed at the next meetings
    until closed."""
    check_supervisor(actor, meeting.region)
    if not access.region_contains(meeting.region, project.region_id, project.town_id):
        raise ValidationError(
            {"project": _("项目 %(code)s 不属于会议所在区域。") % {"code": project.code}}
        )
    issue = issue_create(
        project=project,
        title=title,
        category=category,
        description=description,
        difficulty=difficulty,
        actor=actor,
        at=at,
        source=IssueSource.MEETING,
        meeting=meeting,
        note=_("%(meeting)s议定事项") % {"meeting": meeting},
    )
    issue = issue_transition(
        issue=issue,
        action=Action.ASSIGN,
        actor=actor,
        unit=unit,
        assignee=assignee,
        deadline=deadline,
        at=at,
        note=_("会议议定交办"),
    )
    _notify_decision(issue, meeting, unit)
    return issue


def _notify_decision(issue: Issue, meeting: Meeting, unit: Unit) -> None:
    """`decision.assigned`: to the assigned unit's people (and the assignee), and to the
    officials of the project's district."""
    people = [*Person.objects.filter(unit=unit, active=True), issue.assignee]
    district = issue.project.region_id
    notify(
        event=f"decision.assigned:{issue.pk}:{unit.pk}",
        issue=issue,
        text=_(
            "【会议交办】%(meeting)s 议定：%(code)s %(name)s——%(title)s，"
            "交 %(unit)s 办理，时限 %(d)s。"
        )
        % {
            "meeting": meeting,
            "code": issue.project.code,
            "name": issue.project.name,
            "title": issue.title,
            "unit": unit.name,
            "d": f"{issue.deadline:%Y-%m-%d}" if issue.deadline else "—",
        },
        people=people,
        users=events.district_officials([district]).get(district, []),
    )


# --- Reminder letters ------------------------------------------------------------------------


@transaction.atomic
def letter_generate(
    *,
    region: Region,
    year: int,
    month: int,
    actor: access.Viewer | None = None,
    on: dt.date | None = None,
    regenerate: bool = False,
) -> ReminderLetter:
    """提示函 of a district for a period: its yellow and red projects with their colour
    reasons, in the official format (supervision.letters), stored as a DOCX file.

    One letter per district and period: asking again returns the stored letter;
    `regenerate=True` rebuilds it from the current colours, keeping its number."""
    if region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("提示函发往县市区政府，请选择县市区。")})
    check_supervisor(actor, region)
    existing = (
        ReminderLetter.objects.select_for_update()
        .filter(region=region, year=year, month=month)
        .first()
    )
    if existing is not None and not regenerate:
        return existing
    letter = letters.build_letter(
        region=region,
        year=year,
        month=month,
        user=acting_user(actor),
        on=on or timezone.localdate(),
        letter=existing,
    )
    notify(
        event=f"letter.issued:{letter.pk}",
        text=_("【提示函】%(title)s（%(number)s）已印发，请于 %(d)s 前反馈整改情况。")
        % {
            "title": letter.title,
            "number": letter.number,
            "d": f"{letter.reply_deadline:%Y-%m-%d}",
        },
        region=region,
        link=reverse("meetings:letter_reply", args=[letter.pk]),
        users=events.district_officials([region.code]).get(region.code, []),
    )
    return letter


def letters_generate_for_period(
    *,
    parent: Region,
    year: int,
    month: int,
    actor: access.Viewer | None = None,
    on: dt.date | None = None,
) -> list[ReminderLetter]:
    """A letter for every district under `parent` that has yellow or red projects."""
    return [
        letter_generate(region=region, year=year, month=month, actor=actor, on=on)
        for region in letters.districts_with_colours(parent=parent, year=year, month=month)
    ]


def letter_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    """What a regeneration changed, in words: the projects added and removed, the colours that
    changed — or that nothing changed."""
    old = {row["code"]: row for row in before}
    new = {row["code"]: row for row in after}
    added = [new[c]["name"] for c in new if c not in old]
    removed = [old[c]["name"] for c in old if c not in new]
    recoloured = [
        _("%(n)s（%(a)s→%(b)s）")
        % {"n": new[c]["name"], "a": old[c]["colour_label"], "b": new[c]["colour_label"]}
        for c in new
        if c in old and old[c]["colour"] != new[c]["colour"]
    ]
    reworded = sum(
        1
        for c in new
        if c in old
        and old[c]["colour"] == new[c]["colour"]
        and old[c]["reason"] != new[c]["reason"]
    )
    parts = []
    if added:
        parts.append(_("新增 %(n)s 个项目：%(p)s") % {"n": len(added), "p": "、".join(added)})
    if removed:
        parts.append(_("移出 %(n)s 个项目：%(p)s") % {"n": len(removed), "p": "、".join(removed)})
    if recoloured:
        parts.append(
            _("颜色变化 %(n)s 个：%(p)s") % {"n": len(recoloured), "p": "、".join(recoloured)}
        )
    if reworded:
        parts.append(_("%(n)s 个项目的原因说明更新") % {"n": reworded})
    return "；".join(parts) if parts else _("项目清单没有变化")


@transaction.atomic
def letter_regenerate(*, letter: ReminderLetter, actor: access.Viewer | None = None) -> str:
    """Rebuilds a letter from the current colours (its number kept) and says what changed."""
    before = ReminderLetter.objects.select_for_update().get(pk=letter.pk).rows  # as stored now
    rebuilt = letter_generate(
        region=letter.region, year=letter.year, month=letter.month, actor=actor, regenerate=True
    )
    return _("%(number)s 已重新生成：%(changes)s。") % {
        "number": rebuilt.number,
        "changes": letter_changes(before, rebuilt.rows),
    }


@transaction.atomic
def letter_reply(
    *,
    letter: ReminderLetter,
    text: str,
    measures: str = "",
    attachment: Any = None,
    actor: access.Viewer | None = None,
) -> ReminderLetter:
    """The district's written reply (反馈) to a letter: what was done and the measures, with an
    attachment. Given by an editing user of the district; after an unsatisfactory verification
    a new reply goes back to the city for verification. Refused once the letter is closed."""
    locked = ReminderLetter.objects.select_for_update().get(pk=letter.pk)
    if actor is not None and not (
        getattr(actor, "can_edit", False) and access.covers(actor, locked.region_id)
    ):
        raise PermissionDenied(_("只有%(r)s的填报人员可以反馈提示函。") % {"r": locked.region.name})
    if locked.verdict == LetterVerdict.ACCEPTED:
        raise ValidationError(_("该提示函已核验通过，不能再修改反馈。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reply_text": _("请填写反馈情况。")})
    locked.reply_text, locked.reply_measures = text, (measures or "").strip()
    if attachment is not None:
        check_upload(attachment, field="attachment")  # by content and size, before storing
        locked.reply_attachment.save(getattr(attachment, "name", "reply"), attachment, save=False)
    locked.replied_at = timezone.now()
    locked.replied_by = acting_user(actor)
    locked.verdict = LetterVerdict.PENDING
    locked.full_clean(exclude=["file", "reply_attachment"])
    locked.save()
    return locked


@transaction.atomic
def letter_verify(
    *,
    letter: ReminderLetter,
    accepted: bool,
    note: str = "",
    actor: access.Viewer | None = None,
) -> ReminderLetter:
    """The city's verification of the reply: accepted (the loop is closed) or unsatisfactory
    with a note (the district replies again; the letter stays on the next agendas)."""
    locked = ReminderLetter.objects.select_for_update().get(pk=letter.pk)
    check_supervisor(actor, locked.region.parent or locked.region)
    if locked.replied_at is None:
        raise ValidationError(_("区县尚未反馈，不能核验。"))
    note = (note or "").strip()
    if not accepted and not note:
        raise ValidationError({"verification_note": _("认定整改不到位时请写明核验意见。")})
    locked.verdict = LetterVerdict.ACCEPTED if accepted else LetterVerdict.UNSATISFACTORY
    locked.verification_note = note
    locked.verified_at = timezone.now()
    locked.verified_by = acting_user(actor)
    locked.full_clean(exclude=["file", "reply_attachment"])
    locked.save()
    return locked


def letters_after_publish(
    sender: object,  # noqa: ARG001  (a signal receiver's)
    instance: Any,
    created: bool = False,
    **kwargs: object,
) -> None:
    """A district ranking published (a `RankingSnapshot` created): the month's colours are
    official, so its letters are generated — for every district with yellow or red projects
    under the ranking's region — once the publication commits, when
    `LETTERS_AUTO_GENERATE` is on. Existing letters are kept as they are."""
    if not created or instance.scope != "district" or not settings.LETTERS_AUTO_GENERATE:
        return
    parent, year, month = instance.parent, instance.year, instance.month
    transaction.on_commit(
        lambda: letters_generate_for_period(parent=parent, year=year, month=month)
    )


def letters_recompute(calendar: WorkCalendar) -> int:
    """Reply deadlines of letters that were provisional, after a holiday schedule is loaded
    (connected to `supervision.signals.calendar_changed`)."""
    changed = 0
    for letter in ReminderLetter.objects.select_for_update().filter(
        reply_deadline_provisional=True
    ):
        new = calendar.add_workdays(letter.issued_on, letter.reply_workdays)
        if new != Deadline(letter.reply_deadline, True):
            letter.reply_deadline, letter.reply_deadline_provisional = new
            letters.render_file(letter)
            letter.save()
            changed += 1
    return changed


def letters_recompute_receiver(
    sender: object,  # noqa: ARG001  (a signal receiver's)
    calendar: WorkCalendar,
    **kwargs: object,
) -> int:
    return letters_recompute(calendar)
