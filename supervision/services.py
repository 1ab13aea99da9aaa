"""Writes of the supervision app. The API, the admin, the UI, the commands and the Celery tasks
call these; none writes the models directly.

Each service is atomic, validates (`full_clean` and the rules named in its docstring), checks
who may do it when a `user` is given (`user=None` is the system: the overdue job, the demo
seeder, the commands), writes its audit rows (IssueTransition) in the same transaction, and
sends side effects (emails) on commit. Bad input raises `ValidationError` naming the field,
a role that may not act raises `PermissionDenied`; nothing is changed in either case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import access
from projects.choices import Stage
from projects.models import Person, Project, Region, Unit, User

from . import selectors, workflow
from .choices import Difficulty, IssueCategory, IssueSource, IssueStatus
from .models import (
    HolidayOverride,
    HolidaySchedule,
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    Notification,
    NotificationPreference,
    StoredUpload,
    SupervisionSettings,
)
from .notifications import Pending, chain_people, chain_people_of, notify, notify_many
from .signals import calendar_changed
from .uploads import CheckedUpload, check_upload, exif_taken_at
from .workdays import WorkCalendar
from .workflow import Action

_Upload = TypeVar("_Upload", bound=StoredUpload)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _day(at: dt.datetime) -> dt.date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def _user(actor: access.Viewer | None) -> User | None:
    """The user to record as the author: a saved user, else None (the system)."""
    return actor if isinstance(actor, User) and actor.pk else None


def _fmt(day: dt.date | None, provisional: bool = False) -> str:
    if day is None:
        return "—"
    return f"{day:%Y-%m-%d}" + (_("（待确认）") if provisional else "")


class TransitionNotAllowed(ValidationError):
    """An action that is not possible from the issue's current state (400)."""

    def __init__(self, issue: Issue, action: str) -> None:
        allowed = workflow.actions_from(issue.status)
        names = "、".join(f"{a}（{workflow.Action(a).label}）" for a in allowed) or _("无")
        super().__init__(
            {
                "action": _(
                    "问题当前状态为“%(status)s”，不能执行“%(action)s”。当前可执行的操作：%(allowed)s。"
                )
                % {"status": issue.get_status_display(), "action": action, "allowed": names}
            }
        )
        self.allowed = allowed


def _check_editor(actor: access.Viewer | None, *, covers: bool) -> None:
    if actor is None:
        return
    if not covers or not getattr(actor, "can_edit", False):
        raise PermissionDenied(_("无权在该区域办理督导事项。"))


def check_supervisor(actor: access.Viewer | None, region: Region) -> None:
    """Only the supervising officials (administrators, reviewers) of `region` may act; the system
    (`user=None`) always may."""
    if actor is None:
        return
    if not (access.covers(actor, region.code) and getattr(actor, "can_review", False)):
        raise PermissionDenied(_("只有该区域的督导部门（管理员、审核人）可以执行此操作。"))


# --- Issues ----------------------------------------------------------------------------------


def _record(
    issue: Issue,
    *,
    action: str,
    from_status: str,
    actor: access.Viewer | None,
    at: dt.datetime,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> IssueTransition:
    return IssueTransition.objects.create(
        issue=issue,
        action=action,
        from_status=from_status,
        to_status=issue.status,
        actor=_user(actor),
        at=at,
        note=note,
        details=details or {},
    )


@transaction.atomic
def issue_create(
    *,
    project: Project,
    title: str,
    category: str,
    description: str = "",
    difficulty: str = Difficulty.ORDINARY,
    actor: access.Viewer | None = None,
    at: dt.datetime | None = None,
    source: str = IssueSource.COLLECTED,
    meeting: Model | None = None,  # a meetings.Meeting: the decision it records
    note: str = "",
) -> Issue:
    """问题收集: a new issue of a project, state `collected`, with its first transition row.
    Needs an editing role covering the project; a withdrawn project takes no new issues."""
    _check_editor(actor, covers=access.covers_project(actor, project))
    at = _now(at)
    if project.stage == Stage.WITHDRAWN:
        raise ValidationError(
            {"project": _("项目 %(code)s 已退库，不能登记问题。") % {"code": project.code}}
        )
    issue = Issue(
        project=project,
        title=(title or "").strip(),
        description=description or "",
        category=category,
        difficulty=difficulty,
        status=IssueStatus.COLLECTED,
        raised_by=_user(actor),
        raised_at=at,
        source=source,
        meeting=meeting,  # type: ignore[misc]  # a meetings.Meeting (an app above this one)
    )
    issue.full_clean()
    issue.save()
    _record(issue, action=workflow.COLLECT, from_status="", actor=actor, at=at, note=note)
    return issue


def assignable_units_q(project: Project) -> Q:
    """Units an issue of `project` may be assigned to: those of the project's district and its
    towns, and those of the regions above it (city and province departments) — never another
    district's. The rule does not depend on who assigns."""
    return access.may_serve_q(project.region)


def _validate_deadline(deadline: dt.date, today: dt.date) -> None:
    if deadline < today:
        raise ValidationError(
            {
                "deadline": _("办结时限 %(d)s 早于今天（%(t)s），请选择今天或以后的日期。")
                % {"d": deadline, "t": today}
            }
        )


@transaction.atomic
def issue_transition(  # noqa: C901  (one short branch per action of the workflow)
    *,
    issue: Issue,
    action: str,
    actor: access.Viewer | None = None,
    note: str = "",
    unit: Unit | None = None,
    assignee: Person | None = None,
    deadline: dt.date | None = None,
    plan: str = "",
    at: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
    evidence: Sequence[UploadedFile[bytes]] = (),
) -> Issue:
    """Moves an issue by `action` (see supervision.workflow for the states and roles).

    `evidence`: files (checked like any attachment) attached to the issue in the same
    transaction as the move — the 办结 or 销号 material; a bad file refuses the move, a refused
    move stores no file. Their ids are in the transition's `details["attachments"]`.

    - assign: `unit` required, `assignee` optional (a person of that unit), `deadline`
      optional: by default an ordinary issue gets N working days (SupervisionSettings,
      default 5); a hard issue gets no deadline yet but a plan due in 2 working days, and the
      assigner sets the deadline explicitly later (`set_deadline`).
    - start: a hard issue needs its plan (`plan`, 办理方案).
    - resolve: `note` (the result) required. reopen: `note` (why) required.
    - set_deadline: `deadline` required. Deadlines are never in the past.
    """
    note = (note or "").strip()
    at = _now(at)
    today = _day(at)
    if action not in workflow.RULES:
        raise ValidationError(
            {
                "action": _("未知的操作“%(a)s”，可选：%(all)s。")
                % {"a": action, "all": "、".join(workflow.RULES)}
            }
        )
    locked = Issue.objects.select_for_update().select_related("project__region").get(pk=issue.pk)
    rule = workflow.RULES[action]
    if locked.status not in rule.sources:
        raise TransitionNotAllowed(locked, action)
    if actor is not None and not rule.allowed(actor, locked):
        raise PermissionDenied(
            _("无权执行“%(action)s”：该操作由%(who)s办理。")
            % {"action": workflow.Action(action).label, "who": rule.who}
        )
    checked_evidence = [check_upload(upload, field="evidence") for upload in evidence]
    from_status = locked.status
    details: dict[str, Any] = {}
    notify_assignee = False
    if action == Action.ASSIGN:
        details = _assign(locked, actor, unit, assignee, deadline, today, calendar)
        notify_assignee = True
    elif action == Action.START:
        plan = (plan or "").strip()
        if plan:
            locked.plan = plan
            locked.plan_submitted_at = at
            details["plan"] = plan
        elif locked.difficulty == Difficulty.HARD and locked.plan_submitted_at is None:
            raise ValidationError({"plan": _("疑难问题开始办理前须报送办理方案（plan）。")})
    elif action == Action.RESOLVE:
        if not note:
            raise ValidationError({"note": _("请填写办理结果（note）。")})
        locked.resolved_at = at
    elif action == Action.REOPEN:
        if not note:
            raise ValidationError({"note": _("请填写退回重办的原因（note）。")})
        locked.resolved_at = None
    elif action == Action.CLOSE:
        locked.closed_at = at
    elif action == Action.ESCALATE:
        locked.escalated_at = at
    elif action == Action.SET_DEADLINE:
        if deadline is None:
            raise ValidationError({"deadline": _("请指定办结时限（deadline）。")})
        _validate_deadline(deadline, today)
        details["previous_deadline"] = locked.deadline.isoformat() if locked.deadline else None
        details["deadline"] = deadline.isoformat()
        locked.deadline = deadline
        locked.deadline_workdays = None
        locked.deadline_provisional = False
        locked.overdue_flagged_on = None
    if rule.target is not None:
        locked.status = rule.target
    locked.full_clean()
    locked.save()
    with _files_removed_on_failure() as stored:
        if checked_evidence:
            details["attachments"] = [
                store_upload(
                    IssueAttachment(issue=locked, kind=checked.file_type.kind),
                    checked,
                    caption=str(Action(action).label),
                    actor=actor,
                    stored=stored,
                ).pk
                for checked in checked_evidence
            ]
        _record(
            locked,
            action=action,
            from_status=from_status,
            actor=actor,
            at=at,
            note=note,
            details=details,
        )
    if notify_assignee and locked.assignee_id:
        notify(
            event=f"issue.assigned:{locked.pk}:{at.isoformat()}",
            issue=locked,
            text=_("【交办】%(code)s %(name)s：%(title)s，办结时限 %(deadline)s。")
            % {
                "code": locked.project.code,
                "name": locked.project.name,
                "title": locked.title,
                "deadline": _fmt(locked.deadline, locked.deadline_provisional)
                if locked.deadline
                else _("方案报送时限 %(d)s")
                % {"d": _fmt(locked.plan_due, locked.plan_due_provisional)},
            },
            people=[locked.assignee],
        )
    if action == Action.ESCALATE:
        _notify_escalated(locked, manual=True)
    return locked


def _assign(
    issue: Issue,
    actor: access.Viewer | None,
    unit: Unit | None,
    assignee: Person | None,
    deadline: dt.date | None,
    today: dt.date,
    calendar: WorkCalendar | None,
) -> dict[str, Any]:
    if unit is None:
        raise ValidationError({"unit": _("交办须指定责任单位（unit）。")})
    # The messages name no unit or person: the caller may have sent the id of one of another
    # district, which is not theirs to learn about.
    if not access.may_serve(issue.project.region, unit.region_id):
        raise ValidationError({"unit": _("责任单位应属于项目所在县市区或其上级区域。")})
    if assignee is not None and not access.may_serve(issue.project.region, assignee.region_id):
        raise ValidationError({"assignee": _("责任人应属于项目所在县市区或其上级区域。")})
    if assignee is not None and assignee.unit_id not in (None, unit.pk):
        raise ValidationError({"assignee": _("责任人不属于所选的责任单位。")})
    settings_row = SupervisionSettings.current()
    calendar = calendar or WorkCalendar.load()
    issue.assigned_unit = unit
    issue.assignee = assignee
    issue.assigned_by = _user(actor)
    issue.assigned_on = today
    issue.overdue_flagged_on = None
    issue.plan_due, issue.plan_due_provisional, issue.plan_workdays = None, False, None
    if issue.difficulty == Difficulty.HARD:
        issue.plan_workdays = settings_row.hard_plan_workdays
        plan_due = calendar.add_workdays(today, issue.plan_workdays)
        issue.plan_due, issue.plan_due_provisional = plan_due
        issue.plan, issue.plan_submitted_at = "", None
    if deadline is not None:
        _validate_deadline(deadline, today)
        issue.deadline, issue.deadline_provisional, issue.deadline_workdays = deadline, False, None
    elif issue.difficulty == Difficulty.HARD:
        issue.deadline, issue.deadline_provisional, issue.deadline_workdays = None, False, None
    else:
        days = settings_row.ordinary_workdays
        computed = calendar.add_workdays(today, days)
        issue.deadline, issue.deadline_provisional = computed
        issue.deadline_workdays = days
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "assignee": assignee.pk if assignee else None,
        "assignee_name": assignee.name if assignee else "",
        "deadline": issue.deadline.isoformat() if issue.deadline else None,
        "deadline_provisional": issue.deadline_provisional,
        "deadline_workdays": issue.deadline_workdays,
        "plan_due": issue.plan_due.isoformat() if issue.plan_due else None,
    }


def _escalated_text(issue: Issue, *, manual: bool) -> str:
    due = issue.deadline or issue.plan_due
    return _("【督办通报】%(code)s %(name)s：问题“%(title)s”%(why)s，已督办通报，请抓紧办理。") % {
        "code": issue.project.code,
        "name": issue.project.name,
        "title": issue.title,
        "why": _("被督办") if manual else _("超过时限（%(d)s）未办结") % {"d": _fmt(due)},
    }


def _notify_escalated(issue: Issue, *, manual: bool) -> list[Notification]:
    escalated_at = issue.escalated_at
    assert escalated_at is not None  # called once the issue is escalated
    return notify(
        event=f"issue.escalated:{issue.pk}:{escalated_at.isoformat()}",
        issue=issue,
        text=_escalated_text(issue, manual=manual),
        people=chain_people(issue),
        users=[issue.assigned_by],
    )


@dataclass
class OverdueResult:
    flagged: int = 0
    escalated: int = 0
    notifications: int = 0
    issues: list[int] = field(default_factory=list)


def issues_flag_overdue(*, today: dt.date | None = None) -> OverdueResult:
    """The daily job (督导通报): marks overdue issues, escalates those overdue for at least
    `escalate_after_workdays` working days (default 0: at once), and notifies the chain.

    Set-wise (issue #15): one transaction that claims its issues with one locking SELECT
    (`FOR UPDATE SKIP LOCKED` on PostgreSQL: a run at the same time gets the others or none,
    and finds those it waited for already flagged), then flags and escalates them in bulk
    UPDATEs (per 500 ids), writes the transitions with one bulk INSERT and the notifications
    with `notify_many` (unique per event and recipient). Idempotent and safe to run twice at
    once: each issue is flagged once, escalated once, notified once.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    conf = SupervisionSettings.current()
    calendar = WorkCalendar.load()
    rule = workflow.RULES[Action.ESCALATE]  # the state machine says from where
    result = OverdueResult()
    with transaction.atomic():
        claimed = list(
            Issue.objects.overdue(today)
            .filter(Q(overdue_flagged_on__isnull=True) | ~Q(status=IssueStatus.ESCALATED))
            .select_related("project", "assignee", "assigned_by")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        to_flag = [issue.pk for issue in claimed if issue.overdue_flagged_on is None]
        escalating: list[Issue] = []
        for issue in claimed:
            due = issue.deadline or issue.plan_due
            assert due is not None  # overdue: a deadline or a plan's due date has passed
            if issue.status in rule.sources and calendar.workdays_at_least(
                due, today, conf.escalate_after_workdays
            ):
                escalating.append(issue)
        for ids in _chunks(to_flag):
            Issue.objects.filter(pk__in=ids, overdue_flagged_on__isnull=True).update(
                overdue_flagged_on=today
            )
        for ids in _chunks([issue.pk for issue in escalating]):
            Issue.objects.filter(pk__in=ids, status__in=rule.sources).update(
                status=rule.target, escalated_at=now
            )
        transitions = []
        for issue in escalating:
            due = issue.deadline or issue.plan_due
            assert due is not None
            from_status = issue.status
            assert rule.target is not None  # escalating changes the state
            issue.status, issue.escalated_at = rule.target, now
            transitions.append(
                IssueTransition(
                    issue=issue,
                    action=Action.ESCALATE,
                    from_status=from_status,
                    to_status=issue.status,
                    actor=None,
                    at=now,
                    note=_("超过时限 %(d)s 未办结，系统自动督办通报。") % {"d": _fmt(due)},
                    details={"overdue_since": due.isoformat(), "automatic": True},
                )
            )
        IssueTransition.objects.bulk_create(transitions, batch_size=1000)
        escalated_ids = {issue.pk for issue in escalating}
        flagged_ids = set(to_flag)
        noticed = [i for i in claimed if i.pk in escalated_ids or i.pk in flagged_ids]
        chains = chain_people_of(noticed)
        pending = []
        for issue in noticed:
            due = issue.deadline or issue.plan_due
            assert due is not None
            if issue.pk in escalated_ids:
                assert issue.escalated_at is not None
                event = f"issue.escalated:{issue.pk}:{issue.escalated_at.isoformat()}"
                text = _escalated_text(issue, manual=False)
            else:
                event = f"issue.overdue:{issue.pk}:{due.isoformat()}"
                text = _("【逾期】%(code)s %(name)s：问题“%(title)s”已超过%(what)s（%(d)s）。") % {
                    "code": issue.project.code,
                    "name": issue.project.name,
                    "title": issue.title,
                    "what": _("办结时限") if issue.deadline else _("办理方案报送时限"),
                    "d": _fmt(due),
                }
            pending.append(
                Pending(
                    event=event,
                    text=text,
                    issue=issue,
                    people=chains[issue.pk],
                    users=[issue.assigned_by],
                )
            )
        result.notifications = notify_many(pending)
        result.flagged = len(flagged_ids)
        result.escalated = len(escalated_ids)
        result.issues = sorted(flagged_ids | escalated_ids)
    return result


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- Working-day deadlines ---------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayDay:
    date: dt.date
    is_workday: bool
    name: str = ""


@dataclass
class HolidayLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years: list[int] = field(default_factory=list)
    recomputed: int = 0


@transaction.atomic
def holidays_load(
    *,
    days: Sequence[HolidayDay],
    complete_years: Iterable[int] = (),
    source: str = "",
    actor: access.Viewer | None = None,
) -> HolidayLoadResult:
    """Loads a holiday schedule (or corrections) into HolidayOverride, marks `complete_years`
    as fully known (HolidaySchedule), and recomputes the working-day deadlines these days
    touch — provisional ones become final. All or nothing."""
    result = HolidayLoadResult(years=sorted(set(complete_years)))
    for day in days:
        existing = HolidayOverride.objects.filter(date=day.date).first()
        if existing is None:
            HolidayOverride(date=day.date, is_workday=day.is_workday, name=day.name).save()
            result.created += 1
        elif existing.is_workday != day.is_workday or existing.name != day.name:
            existing.is_workday, existing.name = day.is_workday, day.name
            existing.save()
            result.updated += 1
        else:
            result.unchanged += 1
    for year in result.years:
        HolidaySchedule.objects.update_or_create(year=year, defaults={"source": source})
    spans = [d.date for d in days] + [dt.date(y, 1, 1) for y in result.years]
    spans += [dt.date(y, 12, 31) for y in result.years]
    if spans:
        result.recomputed = deadlines_recompute(since=min(spans), until=max(spans), actor=actor)
    return result


@transaction.atomic
def deadlines_recompute(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actor: access.Viewer | None = None,
) -> int:
    """Recomputes working-day deadlines of running issues (and reply deadlines of letters) that
    are provisional, or whose span [assigned_on, deadline] touches [since, until] — after a
    schedule is loaded or a day corrected. Each moved deadline leaves a transition row."""
    calendar = WorkCalendar.load()
    now = timezone.now()
    today = timezone.localdate()
    touched = Q(deadline_provisional=True) | Q(plan_due_provisional=True)
    if since is not None and until is not None:
        touched |= Q(assigned_on__lte=until) & (
            Q(deadline_workdays__isnull=False, deadline__gte=since)
            | Q(plan_submitted_at__isnull=True, plan_due__gte=since)
        )
    candidates = (
        Issue.objects.select_for_update()
        .filter(touched, status__in=IssueStatus.running(), assigned_on__isnull=False)
        .order_by("pk")
    )
    changed = 0
    for issue in candidates:
        assert issue.assigned_on is not None  # only assigned issues are candidates
        before = (
            issue.deadline,
            issue.deadline_provisional,
            issue.plan_due,
            issue.plan_due_provisional,
        )
        if issue.deadline_workdays:
            issue.deadline, issue.deadline_provisional = calendar.add_workdays(
                issue.assigned_on, issue.deadline_workdays
            )
        if issue.plan_workdays and issue.plan_submitted_at is None:
            issue.plan_due, issue.plan_due_provisional = calendar.add_workdays(
                issue.assigned_on, issue.plan_workdays
            )
        after = (
            issue.deadline,
            issue.deadline_provisional,
            issue.plan_due,
            issue.plan_due_provisional,
        )
        if after == before:
            continue
        if issue.overdue_flagged_on and not issue.overdue_on(today):
            issue.overdue_flagged_on = None
        issue.save()
        _record(
            issue,
            action=workflow.RECOMPUTE_DEADLINE,
            from_status=issue.status,
            actor=actor,
            at=now,
            note=_("节假日安排更新：办结时限 %(old)s → %(new)s。")
            % {"old": _fmt(before[0], before[1]), "new": _fmt(after[0], after[1])},
            details={
                "previous_deadline": before[0].isoformat() if before[0] else None,
                "deadline": after[0].isoformat() if after[0] else None,
                "previous_plan_due": before[2].isoformat() if before[2] else None,
                "plan_due": after[2].isoformat() if after[2] else None,
            },
        )
        changed += 1
    for _receiver, count in calendar_changed.send(sender=WorkCalendar, calendar=calendar):
        changed += cast(int, count)  # the receivers return how many deadlines they moved
    return changed


# --- Attachments -----------------------------------------------------------------------------


@transaction.atomic
def issue_attach(
    *,
    issue: Issue,
    upload: UploadedFile[bytes],
    actor: access.Viewer | None = None,
    caption: str = "",
) -> IssueAttachment:
    """Attaches a document or on-site photo (checked by content and size) to an issue. Anyone
    who may handle or follow the issue may attach (editors covering it, the assigned unit)."""
    return issue_attach_files(issue=issue, uploads=[upload], actor=actor, caption=caption)[0]


@transaction.atomic
def issue_attach_files(
    *,
    issue: Issue,
    uploads: Sequence[UploadedFile[bytes]],
    actor: access.Viewer | None = None,
    caption: str = "",
) -> list[IssueAttachment]:
    """Attaches several files at once, all or nothing: each is checked before any is stored."""
    if actor is not None and not workflow.may_attach(actor, issue):
        raise PermissionDenied(_("无权为该问题上传附件。"))
    if not uploads:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    checked = [check_upload(upload) for upload in uploads]
    with _files_removed_on_failure() as stored:
        return [
            store_upload(
                IssueAttachment(issue=issue, kind=one.file_type.kind),
                one,
                caption=caption,
                actor=actor,
                stored=stored,
            )
            for one in checked
        ]


def store_upload(
    record: _Upload,
    checked: CheckedUpload,
    *,
    caption: str = "",
    actor: access.Viewer | None = None,
    stored: list[FieldFile] | None = None,
) -> _Upload:
    """Writes an upload checked by `uploads.check_upload` as `record` (an unsaved attachment
    or photo, its parent set): the file's facts, then the file, then the row. The file is
    appended to `stored` (see `_files_removed_on_failure`) as soon as it is written."""
    record.original_name = checked.original_name
    record.content_type = checked.file_type.content_type
    record.size = checked.size
    record.sha256 = checked.sha256
    record.caption = caption
    record.uploaded_by = _user(actor)
    record.full_clean(exclude=["file"])
    record.file.save(checked.original_name, checked.file, save=False)
    if stored is not None:
        stored.append(record.file)
    record.save()
    return record


@contextmanager
def _files_removed_on_failure() -> Iterator[list[FieldFile]]:
    """The files a service stores inside the block are deleted again if the block raises: the
    rows roll back with the service's transaction, and no file is left without its row. (A
    caller's own transaction rolled back later is not seen here: the services are the
    outermost transaction of a request — ATOMIC_REQUESTS is off.)"""
    stored: list[FieldFile] = []
    try:
        yield stored
    except BaseException:
        for written in stored:
            written.storage.delete(str(written.name))
        raise


# --- Inspections -----------------------------------------------------------------------------


@dataclass
class PhotoInput:
    """A photo of a new inspection: the upload, and when it was taken where the browser said
    (its file's lastModified) — a JPEG's own EXIF DateTimeOriginal wins where present."""

    upload: UploadedFile[bytes]
    taken_at: dt.datetime | None = None
    caption: str = ""


@dataclass
class FindingInput:
    description: str
    category: str = IssueCategory.OTHER
    raise_issue: bool = False
    title: str = ""
    difficulty: str = Difficulty.ORDINARY


@transaction.atomic
def inspection_create(
    *,
    project: Project,
    date: dt.date,
    actor: access.Viewer | None = None,
    kind: str = "patrol",
    inspectors: Iterable[Person] = (),
    summary: str = "",
    findings: Iterable[FindingInput] = (),
    photos: Sequence[PhotoInput] = (),
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    at: dt.datetime | None = None,
) -> Inspection:
    """A visit to a project with its findings and photos, all or nothing: every photo is
    checked (an image, within the size limit) before anything is written, so one bad photo
    saves nothing. A finding with `raise_issue` becomes an issue in the same step. `latitude`
    and `longitude` (where the phone gave them) are stored with the inspection."""
    _check_editor(actor, covers=access.covers_project(actor, project))
    checked_photos = [
        (check_upload(photo.upload, images_only=True, field="photos"), photo) for photo in photos
    ]
    today = _day(_now(at))
    if date > today:
        raise ValidationError({"date": _("巡查日期 %(d)s 晚于今天。") % {"d": date}})
    inspectors = list(inspectors)
    if any(not access.may_serve(project.region, person.region_id) for person in inspectors):
        raise ValidationError({"inspectors": _("巡查人员应属于项目所在县市区或其上级区域。")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("位置须同时有纬度和经度。")})
    inspection = Inspection(
        project=project,
        date=date,
        kind=kind,
        summary=summary,
        latitude=latitude,
        longitude=longitude,
        created_by=_user(actor),
    )
    inspection.full_clean()
    inspection.save()
    inspection.inspectors.set(inspectors)
    for item in findings:
        finding = InspectionFinding(
            inspection=inspection,
            description=(item.description or "").strip(),
            category=item.category,
        )
        finding.full_clean()
        finding.save()
        if item.raise_issue:
            finding_raise_issue(
                finding=finding, actor=actor, title=item.title, difficulty=item.difficulty, at=at
            )
    with _files_removed_on_failure() as stored:
        for checked, photo in checked_photos:
            taken_at = exif_taken_at(checked.file) or photo.taken_at
            store_upload(
                InspectionPhoto(inspection=inspection, taken_at=_plausible(taken_at, at)),
                checked,
                caption=photo.caption,
                actor=actor,
                stored=stored,
            )
    return inspection


def _plausible(taken_at: dt.datetime | None, at: dt.datetime | None) -> dt.datetime | None:
    """A photo's time as the browser reported it, unless it lies in the future (a phone with a
    wrong clock): then unknown rather than wrong."""
    if taken_at is None or taken_at > _now(at) + dt.timedelta(minutes=5):
        return None
    return taken_at


@transaction.atomic
def finding_raise_issue(
    *,
    finding: InspectionFinding,
    actor: access.Viewer | None = None,
    title: str = "",
    difficulty: str = Difficulty.ORDINARY,
    at: dt.datetime | None = None,
) -> Issue:
    """Turns an inspection finding into an issue (once)."""
    locked = (
        InspectionFinding.objects.select_for_update()
        .select_related("inspection__project")
        .get(pk=finding.pk)
    )
    if locked.issue_id is not None:
        raise ValidationError(
            {"finding": _("该巡查发现已转为问题（编号 %(id)s）。") % {"id": locked.issue_id}}
        )
    inspection = locked.inspection
    description = locked.description
    issue = issue_create(
        project=inspection.project,
        title=(title or description.splitlines()[0])[:200],
        description=description,
        category=locked.category,
        difficulty=difficulty,
        actor=actor,
        at=at,
        source=IssueSource.INSPECTION,
        note=_("%(date)s %(kind)s发现")
        % {"date": inspection.date, "kind": inspection.get_kind_display()},
    )
    locked.issue = issue
    locked.save(update_fields=["issue"])
    finding.issue = issue
    return issue


@transaction.atomic
def inspection_add_photo(
    *,
    inspection: Inspection,
    upload: UploadedFile[bytes],
    actor: access.Viewer | None = None,
    caption: str = "",
    taken_at: dt.datetime | None = None,
) -> InspectionPhoto:
    _check_editor(actor, covers=access.covers_project(actor, inspection.project))
    checked = check_upload(upload, images_only=True)
    return store_upload(
        InspectionPhoto(
            inspection=inspection,
            taken_at=_plausible(exif_taken_at(checked.file) or taken_at, None),
        ),
        checked,
        caption=caption,
        actor=actor,
    )


# --- Notifications ---------------------------------------------------------------------------


def notification_mark_read(
    *,
    notification: Notification,
    actor: access.Viewer | None,  # noqa: ARG001  (the caller fetched one of the actor's own)
) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notification_preferences_save(*, user: User, choices: dict[str, tuple[bool, bool]]) -> int:
    """Saves a user's channels per event kind: kind → (e-mail, daily digest). In-app is always
    on. Only rows that change are written (each with its history); returns how many."""
    current = {pref.kind: pref for pref in NotificationPreference.objects.filter(user=user)}
    changed = 0
    for kind, (email, digest) in choices.items():
        pref = current.get(kind)
        if pref is None:
            if (email, digest) == (True, False):
                continue  # the default: no row needed
            pref = NotificationPreference(user=user, kind=kind)
        elif (pref.email, pref.digest) == (email, digest):
            continue
        pref.email, pref.digest = email, digest
        pref.save()
        changed += 1
    return changed


def notifications_mark_all_read(*, user: access.Viewer) -> int:
    """全部已读: marks every unread notification of the user (their login and their person)
    read, in one statement; returns how many."""
    return (
        selectors.notification_list(user=user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )
