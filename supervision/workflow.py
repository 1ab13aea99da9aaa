"""The issue state machine — the one place that says which action moves an issue from which
states to which, and who may take it.

    collected ─assign→ assigned ─start→ in_progress ─resolve→ resolved ─feedback→ feedback
                          │   ╲ escalate ╱      │                 ╲ reopen ╱         │
                          └──→ escalated ←──────┘                                 close→ closed
    (overdue issues are escalated, 督导通报; from escalated: start, resolve, assign go on)

Who (DOMAIN.md "Issue lists"; the user must also see the project — `covers`):
- assign (交办): the supervising officials of the region (Role.ADMIN, Role.REVIEWER), and the
  district's own officials — an editing role (经办人 included) whose region is the project's
  district itself (not a town's, not another district's, not the city's 经办人): a district's
  重点项目办 hands its own issues to its units (issue #11 item 10).
- escalate, set_deadline: the supervising officials of the region; the overdue job escalates as
  the system (no user).
- start, resolve: the assigned unit's people, or officials with an editing role.
- feedback: whoever raised the issue, or an editing official of the project's district
  (the district itself or one of its towns) — the side that lives with the result.
- close (销号): reviewers and administrators.
- reopen (退回重办, resolved or feedback → in progress): those who may give feedback, and the
  supervising officials.
- attachments (not a move): handlers and feedback givers (`may_attach`); files sent with an
  action (办结、销号的佐证材料) go with whoever may take that action.
A superuser may do everything. Services (`supervision.services.issue_transition`) enforce this;
the API and the UI ask `allowed_actions` to show only what the user may do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects import access
from projects.choices import Role
from projects.models import region_prefix

from .choices import IssueStatus
from .models import Issue

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from projects.models import User


class Action(models.TextChoices):
    ASSIGN = "assign", _("交办")
    START = "start", _("开始办理")
    RESOLVE = "resolve", _("办结")
    FEEDBACK = "feedback", _("结果反馈")
    CLOSE = "close", _("销号")
    ESCALATE = "escalate", _("督办通报")
    SET_DEADLINE = "set_deadline", _("设定办结时限")
    REOPEN = "reopen", _("退回重办")


# Recorded in IssueTransition.action, not taken by users.
COLLECT = "collect"  # 问题收集: the first row of every issue
RECOMPUTE_DEADLINE = "recompute_deadline"  # a holiday schedule moved a working-day deadline


def _active(user: access.Viewer | None) -> TypeGuard[User]:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def covers(user: access.Viewer | None, issue: Issue) -> TypeGuard[User]:
    """An active user whose scope contains the issue's project (`access.covers`, no query)."""
    return _active(user) and access.covers_project(user, issue.project)


def is_supervisor(user: access.Viewer | None, issue: Issue) -> bool:
    return covers(user, issue) and (user.is_superuser or user.role in Role.reviewers())


def is_district_official(user: access.Viewer | None, issue: Issue) -> bool:
    """An editing official of the project's own district (the district, not one of its towns)."""
    return covers(user, issue) and user.can_edit and user.region_id == issue.project.region_id


def may_assign(user: access.Viewer | None, issue: Issue) -> bool:
    return is_supervisor(user, issue) or is_district_official(user, issue)


def in_assigned_unit(user: access.Viewer | None, issue: Issue) -> bool:
    person = getattr(user, "person", None)
    return bool(
        issue.assigned_unit_id and person is not None and person.unit_id == issue.assigned_unit_id
    )


def is_handler(user: access.Viewer | None, issue: Issue) -> bool:
    return covers(user, issue) and (user.can_edit or in_assigned_unit(user, issue))


def is_feedback_giver(user: access.Viewer | None, issue: Issue) -> bool:
    if not covers(user, issue):
        return False
    if user.is_superuser or (issue.raised_by_id is not None and issue.raised_by_id == user.pk):
        return True
    return (
        user.can_edit
        and user.region is not None  # covered and not a superuser: the user has a region
        and user.region.code.startswith(region_prefix(issue.project.region_id))
    )


def is_closer(user: access.Viewer | None, issue: Issue) -> bool:
    return covers(user, issue) and user.can_review


def may_attach(user: access.Viewer | None, issue: Issue) -> bool:
    """Who may add attachments (documents, photos) to an issue at any time: those who handle
    it or give feedback on it. Evidence sent with an action is the action's (`RULES`)."""
    return is_handler(user, issue) or is_feedback_giver(user, issue)


def can_reopen(user: access.Viewer | None, issue: Issue) -> bool:
    return is_feedback_giver(user, issue) or is_supervisor(user, issue)


@dataclass(frozen=True)
class Rule:
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change (set_deadline)
    allowed: Callable[[access.Viewer | None, Issue], bool]
    who: StrOrPromise  # for the 403 message


S = IssueStatus
SUPERVISORS = _("督导部门（管理员、审核人）")
RULES: dict[str, Rule] = {
    Action.ASSIGN: Rule(
        (S.COLLECTED, S.ASSIGNED, S.ESCALATED),
        S.ASSIGNED,
        may_assign,
        _("督导部门（管理员、审核人）或项目所在县市区经办人员"),
    ),
    Action.START: Rule(
        (S.ASSIGNED, S.ESCALATED), S.IN_PROGRESS, is_handler, _("责任单位人员或经办人员")
    ),
    Action.RESOLVE: Rule(
        (S.IN_PROGRESS, S.ESCALATED), S.RESOLVED, is_handler, _("责任单位人员或经办人员")
    ),
    Action.FEEDBACK: Rule(
        (S.RESOLVED,), S.FEEDBACK, is_feedback_giver, _("问题提出人或项目所在县市区经办人员")
    ),
    Action.CLOSE: Rule((S.FEEDBACK,), S.CLOSED, is_closer, _("审核人或管理员")),
    Action.ESCALATE: Rule((S.ASSIGNED, S.IN_PROGRESS), S.ESCALATED, is_supervisor, SUPERVISORS),
    Action.SET_DEADLINE: Rule(
        (S.ASSIGNED, S.IN_PROGRESS, S.ESCALATED), None, is_supervisor, SUPERVISORS
    ),
    Action.REOPEN: Rule(
        (S.RESOLVED, S.FEEDBACK),
        S.IN_PROGRESS,
        can_reopen,
        _("问题提出人、县市区经办人员或督导部门"),
    ),
}


def actions_from(status: str) -> list[str]:
    """The actions that are possible from `status`, whoever asks."""
    return [action for action, rule in RULES.items() if status in rule.sources]


def allowed_actions(user: access.Viewer | None, issue: Issue) -> list[str]:
    """The actions `user` may take on `issue` now (for buttons; the service checks again)."""
    return [
        action
        for action, rule in RULES.items()
        if issue.status in rule.sources and rule.allowed(user, issue)
    ]
