"""Writes of the projects app. Views, the API, imports and tasks call these; none writes models
directly. Each service is atomic, validates with `full_clean`, and leaves history in the same
transaction (django-simple-history rows; StageChange and PlanRevision rows). Side effects
(recomputes) are sent with `transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import wan
from core.services import ConflictError, acting_user, changed_fields, set_history_user

from . import access, cycle, plausibility
from .choices import MilestoneKind, Stage, StoppageReason, WithdrawalStatus
from .models import (
    Category,
    ChainAssignment,
    ChainRole,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    StageChange,
    Stoppage,
    TaskForce,
    TaskForceMember,
    Unit,
    User,
    Withdrawal,
)
from .signals import send_reports_changed

# --- Projects -------------------------------------------------------------------------------

PROJECT_FIELDS = frozenset(Project.EDITABLE_FIELDS)


@transaction.atomic
def project_create(
    *,
    code: str,
    stage: str = Stage.CONCEIVED,
    categories: Iterable[Category] = (),
    actor: access.Viewer | None = None,
    stage_date: dt.date | None = None,
    **fields: Any,
) -> Project:
    """A new project, with its first StageChange (建档). Needs an editing role covering the
    project's region; a project is never created as withdrawn (退库 is a reviewed request)."""
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    if stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": _("不能以“退库”阶段建档。")})
    project = Project(code=code, stage=stage, **fields)
    project.full_clean()
    _check_responsible_unit(project)
    access.require_project_change(actor, project)
    set_history_user(project, actor)
    project.save()
    if categories:
        project.categories.set(categories)
    StageChange.objects.create(
        project=project,
        from_stage="",
        to_stage=stage,
        changed_on=stage_date or timezone.localdate(),
        changed_by=acting_user(actor),
        note=_("建档"),
    )
    return project


def _check_responsible_unit(project: Project) -> None:
    """The responsible unit is of the project's district (or its towns) or of a region above
    it, never of another district (the same rule as the chain's members)."""
    unit = project.responsible_unit
    if unit is not None and not access.may_serve(project.region, unit.region_id):
        raise ValidationError({"responsible_unit": _("责任单位应属于项目所在县市区或其上级区域。")})


@transaction.atomic
def project_update(
    *,
    project: Project,
    actor: access.Viewer | None = None,
    expected_version: int | None = None,
    categories: Collection[Category] | None = None,
    **fields: Any,
) -> Project:
    """Updates the given fields. With `expected_version`, refuses (ConflictError) if the
    project changed since the caller read it. Stage moves go through `project_set_stage`. The
    actor must be allowed to change the project where it is and where it goes."""
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    locked = Project.objects.select_for_update().get(pk=project.pk)
    access.require_project_change(actor, locked)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(locked.version)
    changed = changed_fields(locked, fields)
    categories_changed = categories is not None and (
        {c.pk for c in categories} != set(locked.categories.values_list("pk", flat=True))
    )
    if not changed and not categories_changed:
        return locked
    if locked.stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": _("已退库的项目不能修改（历史记录保留）。")})
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if {"region", "responsible_unit"} & set(changed):
        _check_responsible_unit(locked)
    access.require_project_change(actor, locked)
    locked.version += 1
    set_history_user(locked, actor)
    locked.save()
    locked.refresh_from_db()
    if categories is not None and categories_changed:
        locked.categories.set(categories)
    return locked


@transaction.atomic
def project_set_stage(
    *,
    project: Project,
    stage: str,
    actor: access.Viewer | None = None,
    on: dt.date | None = None,
    note: str = "",
) -> Project:
    """Moves a project to another stage and records the move (StageChange). Withdrawal (退库)
    is not a stage move anyone can make: it goes through `withdrawal_request/approve`."""
    if stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": _("退库需提交申请并经审核批准。")})
    if stage not in Stage.values:
        raise ValidationError({"stage": _("未知的建设阶段：%(s)s") % {"s": stage}})
    locked = Project.objects.select_for_update().get(pk=project.pk)
    access.require_project_change(actor, locked)
    if locked.stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": _("已退库的项目不能变更阶段。")})
    if locked.stage == stage:
        return locked
    if Stoppage.objects.filter(project=locked, resumed_on__isnull=True).exists():
        raise ValidationError({"stage": _("项目停工中，请先登记复工再变更阶段。")})
    return _move_stage(locked, stage, actor=actor, on=on, note=note)


def stage_move(
    project: Project, stage: str, *, on: dt.date, actor: access.Viewer | None, note: str
) -> tuple[StageChange, list[str]]:
    """Moves `project` (in memory) to `stage` on `on`: returns the unsaved StageChange row and the
    changed fields; entering 在建 sets the actual start.
    Shared by `_move_stage` and the bulk importer."""
    change = StageChange(
        project=project,
        from_stage=project.stage,
        to_stage=stage,
        changed_on=on,
        changed_by=acting_user(actor),
        note=note,
    )
    project.stage = stage
    changed = ["stage"]
    if stage == Stage.CONSTRUCTION and project.actual_start is None:
        project.actual_start = on
        changed.append("actual_start")
    return change, changed


def _move_stage(
    project: Project, stage: str, *, actor: access.Viewer | None, on: dt.date | None, note: str
) -> Project:
    on = on or timezone.localdate()
    change, _changed = stage_move(project, stage, on=on, actor=actor, note=note)
    change.save()
    project.version += 1
    set_history_user(project, actor)
    project.save()
    project.refresh_from_db()
    return project


# --- Annual plans ---------------------------------------------------------------------------


def plan_change(
    py: ProjectYear, annual_plan: Decimal, *, reason: str = "", actor: access.Viewer | None = None
) -> PlanRevision | None:
    """The plan rule, on an unsaved ProjectYear: the first plan set is the original (年初计划);
    a later different amount is a revision (调整) that needs a reason — returned unsaved, for
    the caller to save (one at a time, or in bulk by the importer). Raises ValidationError on
    `annual_plan` for a revision without a reason; changes nothing for the same amount."""
    if py.annual_plan == annual_plan:
        return None
    revision = None
    if py.original_plan is None:
        py.original_plan = annual_plan
    else:
        if not (reason or "").strip():
            raise ValidationError(
                {
                    "annual_plan": _(
                        "%(y)s 年度计划已下达（%(old)s 万元），改为 %(new)s 万元属于计划调整，"
                        "须填写调整原因"
                    )
                    % {"y": py.year, "old": py.annual_plan, "new": annual_plan}
                }
            )
        revision = PlanRevision(
            project_year=py,
            previous_plan=py.annual_plan,
            new_plan=annual_plan,
            reason=reason.strip(),
            revised_by=acting_user(actor),
        )
    py.annual_plan = annual_plan
    return revision


@transaction.atomic
def project_year_set(
    *,
    project: Project,
    year: int,
    annual_plan: Decimal | None = None,
    new_start: bool | None = None,
    planned_completion: bool | None = None,
    reason: str = "",
    actor: access.Viewer | None = None,
) -> ProjectYear:
    """Sets a project's plan for a year (the plan rule: `plan_change`); both the original and
    the current plan stay visible."""
    access.require_project_change(actor, project)
    if project.stage == Stage.WITHDRAWN:
        raise ValidationError({"project": _("已退库的项目不能修改（历史记录保留）。")})
    py, created = ProjectYear.objects.select_for_update().get_or_create(project=project, year=year)
    dirty = False
    if new_start is not None and py.new_start != new_start:
        py.new_start, dirty = new_start, True
    if planned_completion is not None and py.planned_completion != planned_completion:
        py.planned_completion, dirty = planned_completion, True
    if annual_plan is not None and py.annual_plan != annual_plan:
        revision = plan_change(py, annual_plan, reason=reason, actor=actor)
        if revision is not None:
            revision.full_clean()
            revision.save()
        dirty = True
    if dirty or created:
        py.full_clean()
        set_history_user(py, actor)
        py.save()
    return py


# --- Monthly reports ------------------------------------------------------------------------


class UnconfirmedWarnings(ValidationError):
    """A report with plausibility warnings the user has not confirmed: a 400 with the warnings
    under `completed_investment` and how to confirm under `confirm_warnings`."""

    def __init__(self, warnings: list[plausibility.PlausibilityWarning]):
        self.warnings = warnings
        super().__init__(
            {
                "completed_investment": plausibility.messages(warnings),
                "confirm_warnings": [_("以上为合理性提示；如核实无误，请确认后再保存。")],
            }
        )


def _plausibility(
    report: MonthlyReport, actor: access.Viewer | None, confirm_warnings: bool
) -> None:
    """Checks the report's amount (a user's entry; the system's writes are not checked):
    unconfirmed warnings refuse it, confirmed ones are recorded on it with who confirmed."""
    report.confirmed_warnings, report.warnings_confirmed_by = [], None
    if actor is None:
        return
    found = plausibility.check(
        [plausibility.Entry(report.project, report.year, report.month, report.completed_investment)]
    ).get(0, [])
    if found and not confirm_warnings:
        raise UnconfirmedWarnings(found)
    if found:
        report.confirmed_warnings = plausibility.messages(found)
        report.warnings_confirmed_by = acting_user(actor)


def _after_report_change(report: MonthlyReport) -> None:
    """Tells the apps above the ledger (the assessment's recompute) once the save commits."""
    send_reports_changed(MonthlyReport, [(report.project_id, report.year, report.month)])


@transaction.atomic
def report_create(
    *,
    project: Project,
    year: int,
    month: int,
    completed_investment: Decimal,
    note: str = "",
    actor: access.Viewer | None = None,
    confirm_warnings: bool = False,
    correction_reason: str = "",
) -> MonthlyReport:
    """Reports a month. A user's amount is checked for plausibility (`projects.plausibility`):
    warnings refuse it (`UnconfirmedWarnings`) unless `confirm_warnings`, then they are kept on
    the report (and its history) with who confirmed them."""
    access.require_project_change(actor, project)
    if project.stage == Stage.WITHDRAWN:
        raise ValidationError({"project": _("已退库的项目不能填报。")})
    entry = cycle.check_entry(
        project=project, year=year, month=month, correction_reason=correction_reason
    )
    report = MonthlyReport(
        project=project,
        year=year,
        month=month,
        completed_investment=completed_investment,
        note=note,
        reported_by=acting_user(actor),
        late=entry.late,
        correction_reason=correction_reason.strip() if entry.correction else "",
    )
    report.full_clean()  # includes the one-per-month unique check → a field error, not a 500
    _plausibility(report, actor, confirm_warnings)
    set_history_user(report, actor)
    report.save()
    _after_report_change(report)
    return report


@transaction.atomic
def report_update(
    *,
    report: MonthlyReport,
    actor: access.Viewer | None = None,
    expected_version: int | None = None,
    completed_investment: Decimal | None = None,
    note: str | None = None,
    confirm_warnings: bool = False,
    correction_reason: str = "",
) -> MonthlyReport:
    """Corrects a report (a changed amount is checked as in `report_create`). With
    `expected_version`, a stale edit raises ConflictError instead of overwriting what someone
    else saved in between (no lost update)."""
    locked = MonthlyReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    access.require_project_change(actor, locked.project)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(locked.version)
    changed = False
    amount_changed = False
    if completed_investment is not None and locked.completed_investment != completed_investment:
        locked.completed_investment, changed, amount_changed = completed_investment, True, True
    if note is not None and locked.note != note:
        locked.note, changed = note, True
    if not changed:
        return locked
    if locked.project.stage == Stage.WITHDRAWN:
        raise ValidationError({"project": _("已退库的项目不能修改月报。")})
    entry = cycle.check_entry(
        project=locked.project,
        year=locked.year,
        month=locked.month,
        correction_reason=correction_reason,
    )
    locked.correction_reason = correction_reason.strip() if entry.correction else ""
    locked.full_clean()
    if amount_changed:
        _plausibility(locked, actor, confirm_warnings)
    locked.version += 1
    set_history_user(locked, actor)
    locked.save()
    locked.refresh_from_db()
    _after_report_change(locked)
    return locked


@dataclass
class SheetLine:
    """One row of a monthly sheet as entered: the project, the version of its report the user
    saw (None: there was none), the amount (None: not reported) and the note."""

    project: Project
    seen_version: int | None
    amount: Decimal | None
    note: str = ""


@dataclass
class SheetOutcome:
    """What `report_sheet_save` did: counts, or — when anything was refused and nothing saved —
    each refused row's error (`errors[index]`) or, for a row someone else saved meanwhile,
    the report as it now stands (`conflicts[index]`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: dict[int, ValidationError] = field(default_factory=dict)
    conflicts: dict[int, MonthlyReport] = field(default_factory=dict)
    warnings: dict[int, list[plausibility.PlausibilityWarning]] = field(default_factory=dict)
    saved_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts and not self.warnings

    @property
    def refused(self) -> int:
        return len(self.errors) + len(self.conflicts) + len(self.warnings)


class _RollBack(Exception):
    pass


def report_sheet_save(
    *,
    lines: Sequence[SheetLine],
    year: int,
    month: int,
    actor: access.Viewer | None = None,
    confirm_warnings: bool = False,
    correction_reason: str = "",
) -> SheetOutcome:
    """Saves a district's month — every line or none (the house rule of the imports). A line
    whose report someone else saved since the user opened the sheet (a stale `seen_version`,
    or a report created meanwhile) is a conflict; a report cannot be blanked once made; every
    other rule is `report_create`'s and `report_update`'s. One refused line rolls back all.
    Plausibility warnings of the changed lines (checked set-wise) refuse the sheet too unless
    `confirm_warnings` (then each report records them)."""
    outcome = SheetOutcome()
    try:
        with transaction.atomic():
            current = {
                r.project_id: r
                for r in MonthlyReport.objects.select_for_update().filter(
                    project_id__in=[line.project.pk for line in lines], year=year, month=month
                )
            }
            if actor is not None and not confirm_warnings:
                _sheet_warnings(lines, current, year, month, outcome)
            for index, line in enumerate(lines):
                if index in outcome.warnings:
                    continue
                _save_line(
                    index,
                    line,
                    current.get(line.project.pk),
                    year,
                    month,
                    actor,
                    outcome,
                    confirm_warnings,
                    correction_reason,
                )
            if not outcome.ok:
                raise _RollBack
            # Before the commit: the recompute the commit starts (on commit) finishes after it,
            # which is how the page knows the colours it shows include this save.
            outcome.saved_at = timezone.now()
    except _RollBack:
        outcome.created = outcome.updated = 0
        outcome.saved_at = None
        return outcome
    return outcome


def _sheet_warnings(
    lines: Sequence[SheetLine],
    current: dict[int, MonthlyReport],
    year: int,
    month: int,
    outcome: SheetOutcome,
) -> None:
    """The plausibility warnings of the lines whose amount changes, by line index."""
    checked: list[tuple[int, plausibility.Entry]] = []
    for index, line in enumerate(lines):
        report = current.get(line.project.pk)
        if line.amount is None or (
            report is not None and report.completed_investment == line.amount
        ):
            continue
        checked.append((index, plausibility.Entry(line.project, year, month, line.amount)))
    found = plausibility.check([entry for _index, entry in checked])
    for position, warnings in found.items():
        outcome.warnings[checked[position][0]] = warnings


def _save_line(
    index: int,
    line: SheetLine,
    report: MonthlyReport | None,
    year: int,
    month: int,
    actor: access.Viewer | None,
    outcome: SheetOutcome,
    confirm_warnings: bool = False,
    correction_reason: str = "",
) -> None:
    if report is not None and report.version != line.seen_version:
        outcome.conflicts[index] = report
        return
    if line.amount is None:
        if report is not None:
            outcome.errors[index] = ValidationError(
                {
                    "completed_investment": _(
                        "本月已填报，不能清空；如需更正请填写正确数值（可为 0）。"
                    )
                }
            )
        return
    if (
        report is not None
        and report.completed_investment == line.amount
        and (report.note == line.note)
    ):
        outcome.unchanged += 1
        return
    try:
        if report is None:
            report_create(
                project=line.project,
                year=year,
                month=month,
                completed_investment=line.amount,
                note=line.note,
                actor=actor,
                confirm_warnings=confirm_warnings,
                correction_reason=correction_reason,
            )
            outcome.created += 1
        else:
            report_update(
                report=report,
                actor=actor,
                expected_version=line.seen_version,
                completed_investment=line.amount,
                note=line.note,
                confirm_warnings=confirm_warnings,
                correction_reason=correction_reason,
            )
            outcome.updated += 1
    except ValidationError as exc:
        outcome.errors[index] = exc
    except ConflictError:
        assert report is not None  # only report_update raises it
        outcome.conflicts[index] = MonthlyReport.objects.get(pk=report.pk)


# --- Responsibility chain -------------------------------------------------------------------


@transaction.atomic
def person_create(
    *, name: str, unit: Unit, title: str = "", phone: str = "", actor: Any = None
) -> Person:
    """A person in `unit` (a chain member, an assignee), registered in the unit's region. The
    actor needs an editing role covering that region: a district official adds people of their
    district's units; people of the city's departments are the city's to add."""
    if actor is not None and not (
        getattr(actor, "can_edit", False) and access.covers(actor, unit.region_id)
    ):
        raise PermissionDenied(_("无权在该单位新增人员。"))
    person = Person(
        name=(name or "").strip(),
        unit=unit,
        region_id=unit.region_id,
        title=(title or "").strip(),
        phone=(phone or "").strip(),
    )
    person.full_clean()
    set_history_user(person, actor)
    person.save()
    return person


def chain_handover(current: ChainAssignment, on: dt.date) -> None:
    """Ends `current`'s term (unsaved) because someone takes the role over on `on`: on that
    day, never before the term began. The new member's term starts on `on`."""
    current.end_date = max(on, current.start_date)


@transaction.atomic
def chain_assign(
    *,
    project: Project,
    role: ChainRole,
    person: Person,
    on: dt.date | None = None,
    actor: access.Viewer | None = None,
) -> ChainAssignment:
    """Puts `person` in `role` for `project` from `on`, ending whoever held it (history kept)."""
    access.require_project_change(actor, project)
    if not _may_serve(person, project):
        raise ValidationError({"person": _("责任人应属于项目所在县市区或其上级区域。")})
    on = on or timezone.localdate()
    current = (
        ChainAssignment.objects.select_for_update()
        .filter(project=project, role=role, end_date__isnull=True)
        .first()
    )
    if current is not None:
        if current.person_id == person.pk:
            return current
        chain_handover(current, on)
        set_history_user(current, actor)
        current.save(update_fields=["end_date"])
    assignment = ChainAssignment(project=project, role=role, person=person, start_date=on)
    assignment.full_clean()
    set_history_user(assignment, actor)
    assignment.save()
    return assignment


# --- Withdrawal (退库) ------------------------------------------------------------------------


@transaction.atomic
def withdrawal_request(*, project: Project, reason: str, actor: User) -> Withdrawal:
    """退库 is requested with a written reason by someone who may change the project; a
    reviewer decides (`withdrawal_review`)."""
    access.require_project_change(actor, project)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("退库必须填写书面原因。")})
    if project.stage == Stage.WITHDRAWN:
        raise ValidationError({"project": _("项目已退库。")})
    if Withdrawal.objects.filter(project=project, status=WithdrawalStatus.PENDING).exists():
        raise ValidationError({"project": _("该项目已有待审核的退库申请。")})
    withdrawal = Withdrawal(project=project, reason=reason.strip(), requested_by=actor)
    withdrawal.full_clean()
    set_history_user(withdrawal, actor)
    withdrawal.save()
    return withdrawal


@transaction.atomic
def withdrawal_review(
    *,
    withdrawal: Withdrawal,
    actor: User,
    approve: bool,
    note: str = "",
    on: dt.date | None = None,
) -> Withdrawal:
    """A reviewer (not the requester) approves — the project moves to 退库 — or rejects."""
    locked = Withdrawal.objects.select_for_update().select_related("project").get(pk=withdrawal.pk)
    if locked.status != WithdrawalStatus.PENDING:
        raise ValidationError({"status": _("该申请已审核。")})
    if not getattr(actor, "can_review", False):
        raise ValidationError({"reviewer": _("只有审核人可以审核退库申请。")})
    if not access.covers_project(actor, locked.project):
        raise PermissionDenied(_("无权审核该项目的退库申请。"))
    if actor.pk == locked.requested_by_id:
        raise ValidationError({"reviewer": _("申请人不能审核自己的退库申请。")})
    locked.status = WithdrawalStatus.APPROVED if approve else WithdrawalStatus.REJECTED
    locked.reviewer = actor
    locked.reviewed_at = timezone.now()
    locked.review_note = note
    if approve:
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        locked.previous_stage = project.stage
        _move_stage(
            project,
            Stage.WITHDRAWN,
            actor=actor,
            on=on,
            note=_("退库：%(r)s") % {"r": locked.reason},
        )
    set_history_user(locked, actor)
    locked.save()
    return locked


# --- Milestones and 前期手续 ---------------------------------------------------------------

MILESTONE_FIELDS = (
    "name",
    "kind",
    "due_date",
    "responsible",
    "permit_number",
    "issuing_authority",
    "note",
)


def _changeable_project(project: Project, actor: access.Viewer | None) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    access.require_project_change(actor, locked)
    if locked.stage == Stage.WITHDRAWN:
        raise ValidationError(_("该项目已退库，不能再修改（历史记录保留）。"))
    return locked


def _save_milestone(milestone: Milestone, actor: access.Viewer | None) -> Milestone:
    if milestone.kind == MilestoneKind.CONSTRUCTION and (
        milestone.permit_number or milestone.issuing_authority
    ):
        raise ValidationError(
            {"permit_number": _("建设节点没有批文；批文编号和审批机关只用于前期手续。")}
        )
    if milestone.responsible is not None and not _may_serve(
        milestone.responsible, milestone.project
    ):
        raise ValidationError({"responsible": _("责任人须是本区县或上级区域的人员。")})
    milestone.full_clean()
    set_history_user(milestone, actor)
    milestone.save()
    return milestone


@transaction.atomic
def milestone_save(
    *,
    project: Project,
    values: dict[str, Any],
    milestone: Milestone | None = None,
    actor: access.Viewer | None = None,
) -> Milestone:
    """Adds a milestone (节点) or 前期手续 approval to `project`, or edits one of its own
    (`MILESTONE_FIELDS`; the completion date moves through `milestone_complete/reopen`). An
    approval may carry its permit number and issuing authority; a construction node may not."""
    locked = _changeable_project(project, actor)
    if milestone is None:
        milestone = Milestone(project=locked)
    else:
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.project_id != locked.pk:
            raise PermissionDenied(_("该节点不属于此项目。"))
    milestone.project = locked
    for name in MILESTONE_FIELDS:
        if name in values:
            value = values[name]
            setattr(milestone, name, value.strip() if isinstance(value, str) else value)
    return _save_milestone(milestone, actor)


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone,
    on: dt.date,
    permit_number: str | None = None,
    actor: access.Viewer | None = None,
) -> Milestone:
    """Records a milestone as done on `on` (never in the future); an approval may get its permit
    number here. Completing it again moves the date."""
    _changeable_project(milestone.project, actor)
    locked = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    if on is None:
        raise ValidationError({"done_on": _("请填写实际完成日期。")})
    if on > timezone.localdate():
        raise ValidationError({"done_on": _("实际完成日期不能晚于今天。")})
    locked.done_on = on
    if permit_number is not None and permit_number.strip():
        locked.permit_number = permit_number.strip()
    return _save_milestone(locked, actor)


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, actor: access.Viewer | None = None) -> Milestone:
    """Takes a completion back (recorded in error): the milestone is open again, its earlier
    completion date kept in its history."""
    _changeable_project(milestone.project, actor)
    locked = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    if locked.done_on is None:
        return locked
    locked.done_on = None
    return _save_milestone(locked, actor)


# --- Factor guarantees (要素保障) ------------------------------------------------------------


@dataclass(frozen=True)
class FactorLine:
    kind: str
    demand: Decimal
    secured: Decimal
    note: str = ""


@transaction.atomic
def factors_save(
    *, project: Project, lines: Iterable[FactorLine], actor: access.Viewer | None = None
) -> list[FactorGuarantee]:
    """Records a project's demand and what has been secured, per kind (one row per kind,
    created on first use; an unchanged line writes nothing). A kind with neither demand nor
    secured and no row yet is not created. Returns the rows written."""
    locked = _changeable_project(project, actor)
    existing = {
        f.kind: f for f in FactorGuarantee.objects.select_for_update().filter(project=locked)
    }
    written = []
    errors: dict[str, list[str]] = {}
    for line in lines:
        row = existing.get(line.kind)
        if row is None:
            if not line.demand and not line.secured and not line.note.strip():
                continue
            row = FactorGuarantee(project=locked, kind=line.kind)
        elif (row.demand, row.secured, row.note) == (line.demand, line.secured, line.note.strip()):
            continue
        row.demand, row.secured, row.note = line.demand, line.secured, line.note.strip()
        try:
            row.full_clean()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                errors.setdefault(f"{line.kind}-{field_name}", []).extend(messages)
            continue
        set_history_user(row, actor)
        row.save()
        written.append(row)
    if errors:
        raise ValidationError(errors)
    return written


def _may_serve(person: Person, project: Project) -> bool:
    """A chain member comes from the project's district (or its towns) or a region above it
    (市级领导分包, a city department), never from another district."""
    return access.may_serve(project.region, person.region_id)


# --- 停工 / 复工 ------------------------------------------------------------------------------


@transaction.atomic
def project_stop(
    *,
    project: Project,
    reason: str,
    on: dt.date,
    note: str = "",
    actor: access.Viewer | None = None,
) -> Stoppage:
    """停工: records that a project under construction (在建) stopped on `on` (never in the
    future, never before it started) for `reason` (`StoppageReason`; 其他 needs the text). The
    project stays 在建 — its stage, rates and colours are unchanged (docs/stoppages.md). Same
    permission as a stage move; one open stoppage at most (also a constraint)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    access.require_project_change(actor, locked)
    if locked.stage != Stage.CONSTRUCTION:
        raise ValidationError({"project": _("只有在建项目才能登记停工。")})
    if Stoppage.objects.filter(project=locked, resumed_on__isnull=True).exists():
        raise ValidationError({"project": _("该项目已处于停工状态，请先登记复工。")})
    if reason not in StoppageReason.values:
        raise ValidationError({"reason": _("请选择停工原因。")})
    note = (note or "").strip()
    if reason == StoppageReason.OTHER and not note:
        raise ValidationError({"note": _("停工原因为“其他”时须填写说明。")})
    if on is None:
        raise ValidationError({"stopped_on": _("请填写停工日期。")})
    if on > timezone.localdate():
        raise ValidationError({"stopped_on": _("停工日期不能晚于今天。")})
    if locked.actual_start and on < locked.actual_start:
        raise ValidationError({"stopped_on": _("停工日期不能早于实际开工日期。")})
    last = Stoppage.objects.filter(project=locked).order_by("-resumed_on").first()
    if last is not None and last.resumed_on and on < last.resumed_on:
        raise ValidationError(
            {"stopped_on": _("停工日期不能早于上次复工日期（%(d)s）。") % {"d": last.resumed_on}}
        )
    stoppage = Stoppage(project=locked, reason=reason, note=note, stopped_on=on)
    stoppage.full_clean()
    set_history_user(stoppage, actor)
    stoppage.save()
    return stoppage


@transaction.atomic
def project_resume(
    *,
    project: Project,
    on: dt.date,
    note: str = "",
    actor: access.Viewer | None = None,
) -> Stoppage:
    """复工: ends the project's open stoppage on `on` (not before it stopped, not after today)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    access.require_project_change(actor, locked)
    stoppage = (
        Stoppage.objects.select_for_update().filter(project=locked, resumed_on__isnull=True).first()
    )
    if stoppage is None:
        raise ValidationError({"project": _("该项目未处于停工状态。")})
    if on is None:
        raise ValidationError({"resumed_on": _("请填写复工日期。")})
    if on > timezone.localdate():
        raise ValidationError({"resumed_on": _("复工日期不能晚于今天。")})
    if on < stoppage.stopped_on:
        raise ValidationError(
            {"resumed_on": _("复工日期不能早于停工日期（%(d)s）。") % {"d": stoppage.stopped_on}}
        )
    stoppage.resumed_on = on
    stoppage.resume_note = (note or "").strip()
    stoppage.full_clean()
    set_history_user(stoppage, actor)
    stoppage.save()
    return stoppage


# --- Monthly plan (分月计划) ------------------------------------------------------------------


def monthly_plan_check(
    annual_plan: Decimal | None, amounts: Sequence[Decimal | None], *, confirm_mismatch: bool
) -> Decimal:
    """The monthly plan's rule, in one place (the page, and any import or API that sets one):
    12 cells, all blank (no monthly plan) or all filled, none negative; the annual plan must be
    set; a sum that differs from it is refused unless the user confirms (`confirm_mismatch`).
    Returns the difference Σ months − annual plan. Errors are keyed `m1`…`m12`, `__all__`
    and `confirm_mismatch`."""
    if len(amounts) != 12:
        raise ValidationError(_("分月计划须有12个月。"))
    filled = [a for a in amounts if a is not None]
    if not filled:
        return Decimal("0")
    if len(filled) != 12:
        raise ValidationError(
            {
                f"m{i}": _("分月计划须12个月全部填写（不编分月计划则全部留空）。")
                for i, a in enumerate(amounts, start=1)
                if a is None
            }
        )
    negative = {f"m{i}": _("金额不能为负。") for i, a in enumerate(filled, start=1) if a < 0}
    if negative:
        raise ValidationError(negative)
    if annual_plan is None:
        raise ValidationError(_("请先下达该年度的年度计划，再编分月计划。"))
    total = sum(filled, Decimal("0"))
    difference = total - annual_plan
    if difference and not confirm_mismatch:
        raise ValidationError(
            {
                "confirm_mismatch": _(
                    "12个月合计 %(t)s 万元，与年度计划 %(p)s 万元相差 %(d)s 万元。"
                    "请修改，或勾选“确认与年度计划不一致”后保存。"
                )
                % {
                    "t": wan(total),
                    "p": wan(annual_plan),
                    "d": ("+" if difference > 0 else "") + wan(difference),
                }
            }
        )
    return difference


@transaction.atomic
def monthly_plan_set(
    *,
    project: Project,
    year: int,
    amounts: Sequence[Decimal | None],
    confirm_mismatch: bool = False,
    actor: access.Viewer | None = None,
) -> list[MonthlyPlan]:
    """Sets a year's monthly plan: all 12 months in one transaction (`monthly_plan_check`), or
    none (all blank: the monthly plan is removed, the removal kept in its history). Unchanged
    months write nothing. Returns the year's months."""
    locked = _changeable_project(project, actor)
    py = ProjectYear.objects.select_for_update().filter(project=locked, year=year).first()
    if py is None:
        raise ValidationError(_("请先下达该年度的年度计划，再编分月计划。"))
    monthly_plan_check(py.annual_plan, amounts, confirm_mismatch=confirm_mismatch)
    existing = {m.month: m for m in MonthlyPlan.objects.select_for_update().filter(project_year=py)}
    # 时间进度 of every month of the year reads the monthly plan: the project's computed months
    # of the year are recomputed on commit (the reports' signal, from January), as after a report.
    changed = [(locked.pk, year, 1)]
    if all(a is None for a in amounts):
        for row in existing.values():
            set_history_user(row, actor)
            row.delete()  # an optional breakdown, not a business record: history keeps it
        send_reports_changed(MonthlyPlan, changed if existing else [])
        return []
    rows, written = [], False
    for month, amount in enumerate(amounts, start=1):
        row = existing.get(month) or MonthlyPlan(project_year=py, month=month)
        if row.pk is None or row.amount != amount:
            row.amount = amount
            row.full_clean()
            set_history_user(row, actor)
            row.save()
            written = True
        rows.append(row)
    send_reports_changed(MonthlyPlan, changed if written else [])
    return rows


# --- Task forces (专班) -----------------------------------------------------------------------


def _task_force_for_change(task_force: TaskForce, actor: access.Viewer | None) -> TaskForce:
    _changeable_project(task_force.project, actor)
    locked = TaskForce.objects.select_for_update().select_related("project").get(pk=task_force.pk)
    if locked.dissolved_on is not None:
        raise ValidationError(_("该专班已撤销。"))
    return locked


def _check_member(person: Person | None, project: Project, field_name: str) -> None:
    if person is not None and not _may_serve(person, project):
        raise ValidationError({field_name: _("专班人员应属于项目所在县市区或其上级区域。")})


@transaction.atomic
def task_force_create(
    *,
    project: Project,
    name: str,
    lead: Person | None = None,
    established_on: dt.date | None = None,
    actor: access.Viewer | None = None,
) -> TaskForce:
    """成立专班 for a project: a name, a lead (of the district or a region above it) and the
    date it was set up (default today, never in the future)."""
    locked = _changeable_project(project, actor)
    _check_member(lead, locked, "lead")
    established_on = established_on or timezone.localdate()
    if established_on > timezone.localdate():
        raise ValidationError({"established_on": _("成立日期不能晚于今天。")})
    task_force = TaskForce(
        project=locked, name=(name or "").strip(), lead=lead, established_on=established_on
    )
    task_force.full_clean()
    set_history_user(task_force, actor)
    task_force.save()
    return task_force


@transaction.atomic
def task_force_member_add(
    *,
    task_force: TaskForce,
    person: Person,
    duty: str = "",
    on: dt.date | None = None,
    actor: access.Viewer | None = None,
) -> TaskForceMember:
    """Adds a member with their duty (分工); someone already a member is refused."""
    locked = _task_force_for_change(task_force, actor)
    _check_member(person, locked.project, "person")
    if TaskForceMember.objects.filter(
        task_force=locked, person=person, left_on__isnull=True
    ).exists():
        raise ValidationError({"person": _("此人已是该专班成员。")})
    member = TaskForceMember(
        task_force=locked,
        person=person,
        duty=(duty or "").strip(),
        joined_on=on or timezone.localdate(),
    )
    member.full_clean()
    set_history_user(member, actor)
    member.save()
    return member


@transaction.atomic
def task_force_member_remove(
    *, member: TaskForceMember, on: dt.date | None = None, actor: access.Viewer | None = None
) -> TaskForceMember:
    """Ends a membership on `on` (the row and its history stay)."""
    _task_force_for_change(member.task_force, actor)
    locked = TaskForceMember.objects.select_for_update().get(pk=member.pk)
    if locked.left_on is not None:
        return locked
    locked.left_on = max(on or timezone.localdate(), locked.joined_on or dt.date.min)
    set_history_user(locked, actor)
    locked.save(update_fields=["left_on"])
    return locked


@transaction.atomic
def task_force_dissolve(
    *, task_force: TaskForce, on: dt.date, actor: access.Viewer | None = None
) -> TaskForce:
    """撤销专班 on `on` (not before it was set up, not after today); kept with its members."""
    locked = _task_force_for_change(task_force, actor)
    if on is None:
        raise ValidationError({"dissolved_on": _("请填写撤销日期。")})
    if on > timezone.localdate():
        raise ValidationError({"dissolved_on": _("撤销日期不能晚于今天。")})
    locked.dissolved_on = on
    locked.full_clean()
    set_history_user(locked, actor)
    locked.save()
    return locked
