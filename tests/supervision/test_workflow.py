"""The issue state machine: every action allowed and forbidden by role, out-of-order actions,
the transition rows, working-day deadlines at assignment, hard issues, bad input."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import DeletionForbidden
from projects.models import Person
from supervision import services, workflow
from supervision.choices import IssueStatus
from supervision.models import Issue, IssueTransition, SupervisionSettings
from supervision.workflow import Action

pytestmark = pytest.mark.django_db

S = IssueStatus
SOURCE = {  # the state each action is tried from in the role matrix
    Action.ASSIGN: S.COLLECTED,
    Action.START: S.ASSIGNED,
    Action.RESOLVE: S.IN_PROGRESS,
    Action.FEEDBACK: S.RESOLVED,
    Action.CLOSE: S.FEEDBACK,
    Action.ESCALATE: S.IN_PROGRESS,
    Action.SET_DEADLINE: S.ASSIGNED,
    Action.REOPEN: S.RESOLVED,
}
TARGET = {
    Action.ASSIGN: S.ASSIGNED,
    Action.START: S.IN_PROGRESS,
    Action.RESOLVE: S.RESOLVED,
    Action.FEEDBACK: S.FEEDBACK,
    Action.CLOSE: S.CLOSED,
    Action.ESCALATE: S.ESCALATED,
    Action.SET_DEADLINE: S.ASSIGNED,
    Action.REOPEN: S.IN_PROGRESS,
}
# actor → actions they may take (everything else is forbidden to them)
ALLOWED = {
    "city_official": {  # Role.ADMIN of the city: supervises, edits, closes; not the district side
        Action.ASSIGN,
        Action.START,
        Action.RESOLVE,
        Action.CLOSE,
        Action.ESCALATE,
        Action.SET_DEADLINE,
        Action.REOPEN,
    },
    "reviewer": set(Action),  # Role.REVIEWER of the district: everything
    "district_official": {  # Role.OFFICIAL of the district: assigns its own issues (#11 item 10)
        Action.ASSIGN,
        Action.START,
        Action.RESOLVE,
        Action.FEEDBACK,
        Action.REOPEN,
    },
    "unit_member": {Action.START, Action.RESOLVE},  # the assigned unit's person, no edit role
    "viewer": set(),
    "other_official": set(),  # another district: not even in scope
}


def _inputs(action, unit):
    return {
        "unit": unit if action == Action.ASSIGN else None,
        "deadline": dt.date(2026, 10, 30) if action == Action.SET_DEADLINE else None,
        "note": "办理说明",
        "plan": "方案",
    }


@pytest.mark.parametrize("actor", list(ALLOWED))
@pytest.mark.parametrize("action", list(Action))
def test_each_action_allowed_or_forbidden_by_role(request, clock, make_issue, unit, actor, action):
    request.getfixturevalue("unit_member")
    user = request.getfixturevalue(actor)
    issue = make_issue(SOURCE[action])
    rows_before = IssueTransition.objects.filter(issue=issue).count()
    if action in ALLOWED[actor]:
        moved = services.issue_transition(
            issue=issue, action=action, actor=user, **_inputs(action, unit)
        )
        assert moved.status == TARGET[action]
        last = IssueTransition.objects.filter(issue=issue).last()
        assert (last.action, last.from_status, last.to_status, last.actor) == (
            action,
            SOURCE[action],
            TARGET[action],
            user,
        )
    else:
        with pytest.raises(PermissionDenied):
            services.issue_transition(
                issue=issue, action=action, actor=user, **_inputs(action, unit)
            )
        issue.refresh_from_db()
        assert issue.status == SOURCE[action]
        assert IssueTransition.objects.filter(issue=issue).count() == rows_before


def test_whoever_raised_the_issue_may_give_feedback(clock, make_issue, city_official):
    issue = make_issue(S.RESOLVED, raised_by=city_official)
    moved = services.issue_transition(issue=issue, action=Action.FEEDBACK, actor=city_official)
    assert moved.status == S.FEEDBACK


OUT_OF_ORDER = [
    (status, action)
    for status in S.values
    for action in Action
    if status not in workflow.RULES[action].sources
]


@pytest.mark.parametrize(("status", "action"), OUT_OF_ORDER)
def test_out_of_order_action_is_refused_naming_the_allowed_ones(
    clock, make_issue, unit, admin_user, status, action
):
    issue = make_issue(status)
    rows_before = IssueTransition.objects.filter(issue=issue).count()
    with pytest.raises(services.TransitionNotAllowed) as err:
        services.issue_transition(
            issue=issue, action=action, actor=admin_user, **_inputs(action, unit)
        )
    message = err.value.message_dict["action"][0]
    assert set(err.value.allowed) == set(workflow.actions_from(status))
    for allowed in workflow.actions_from(status):
        assert allowed in message
    issue.refresh_from_db()
    assert issue.status == status
    assert IssueTransition.objects.filter(issue=issue).count() == rows_before


def test_the_full_closed_loop_leaves_one_row_per_step(
    clock, project, unit, assignee, city_official, district_official
):
    issue = services.issue_create(
        project=project, title="临时用电未接入", category="utilities", actor=district_official
    )
    steps = [
        (Action.ASSIGN, city_official, {"unit": unit, "assignee": assignee}),
        (Action.START, district_official, {}),
        (Action.RESOLVE, district_official, {"note": "已通电"}),
        (Action.FEEDBACK, district_official, {"note": "满意"}),
        (Action.CLOSE, city_official, {"note": "销号"}),
    ]
    for action, user, kwargs in steps:
        clock.shift(dt.timedelta(hours=3))
        issue = services.issue_transition(issue=issue, action=action, actor=user, **kwargs)
    rows = list(issue.transitions.values_list("action", "from_status", "to_status", "actor"))
    assert rows == [
        ("collect", "", "collected", district_official.pk),
        ("assign", "collected", "assigned", city_official.pk),
        ("start", "assigned", "in_progress", district_official.pk),
        ("resolve", "in_progress", "resolved", district_official.pk),
        ("feedback", "resolved", "feedback", district_official.pk),
        ("close", "feedback", "closed", city_official.pk),
    ]
    assert issue.resolved_at is not None and issue.closed_at is not None
    times = list(issue.transitions.values_list("at", flat=True))
    assert times == sorted(times)


def test_ordinary_issue_gets_five_working_days_by_default(clock, make_issue):
    issue = make_issue(S.ASSIGNED)
    assert issue.assigned_on == dt.date(2026, 9, 28)
    assert issue.deadline == dt.date(2026, 10, 10)  # across National Day, the adjusted Saturday
    assert issue.deadline_workdays == 5
    assert issue.deadline_provisional is False


def test_ordinary_deadline_is_configurable_to_three_working_days(clock, make_issue):
    conf = SupervisionSettings.current()
    conf.ordinary_workdays = 3
    conf.save()
    assert make_issue(S.ASSIGNED).deadline == dt.date(2026, 10, 8)


def test_ordinary_deadline_outside_three_to_five_is_refused():
    conf = SupervisionSettings.current()
    conf.ordinary_workdays = 7
    with pytest.raises(ValidationError) as err:
        conf.full_clean()
    assert "ordinary_workdays" in err.value.message_dict


def test_explicit_deadline_is_used_as_given(clock, make_issue, unit, city_official):
    issue = make_issue()
    moved = services.issue_transition(
        issue=issue,
        action=Action.ASSIGN,
        actor=city_official,
        unit=unit,
        deadline=dt.date(2026, 11, 20),
    )
    assert (moved.deadline, moved.deadline_workdays, moved.deadline_provisional) == (
        dt.date(2026, 11, 20),
        None,
        False,
    )


def test_hard_issue_needs_a_plan_in_two_working_days_then_an_explicit_deadline(
    clock, make_issue, unit, city_official, district_official
):
    issue = make_issue(difficulty="hard")
    issue = services.issue_transition(
        issue=issue, action=Action.ASSIGN, actor=city_official, unit=unit
    )
    assert issue.deadline is None
    assert issue.plan_due == dt.date(2026, 9, 30)  # Tue 29, Wed 30 Sep
    with pytest.raises(ValidationError) as err:
        services.issue_transition(issue=issue, action=Action.START, actor=district_official)
    assert "plan" in err.value.message_dict
    issue = services.issue_transition(
        issue=issue, action=Action.START, actor=district_official, plan="先完成组卷，再报批"
    )
    assert issue.plan == "先完成组卷，再报批" and issue.plan_submitted_at is not None
    issue = services.issue_transition(
        issue=issue,
        action=Action.SET_DEADLINE,
        actor=city_official,
        deadline=dt.date(2026, 10, 30),
    )
    assert issue.deadline == dt.date(2026, 10, 30)
    assert issue.status == S.IN_PROGRESS


def test_a_hard_issue_with_a_late_plan_is_overdue(clock, make_issue, unit):
    issue = make_issue(difficulty="hard")
    issue = services.issue_transition(issue=issue, action=Action.ASSIGN, unit=unit)
    assert not issue.overdue_on(dt.date(2026, 9, 30))
    assert issue.overdue_on(dt.date(2026, 10, 1))
    assert Issue.objects.overdue(dt.date(2026, 10, 1)).filter(pk=issue.pk).exists()


def test_deadline_in_the_past_is_refused_and_nothing_changes(
    clock, make_issue, unit, city_official
):
    issue = make_issue()
    with pytest.raises(ValidationError) as err:
        services.issue_transition(
            issue=issue,
            action=Action.ASSIGN,
            actor=city_official,
            unit=unit,
            deadline=dt.date(2026, 9, 27),
        )
    assert "deadline" in err.value.message_dict
    issue.refresh_from_db()
    assert issue.status == S.COLLECTED and issue.assigned_unit is None
    assert issue.transitions.count() == 1


def test_resolving_needs_the_result(clock, make_issue, district_official):
    issue = make_issue(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as err:
        services.issue_transition(issue=issue, action=Action.RESOLVE, actor=district_official)
    assert "note" in err.value.message_dict


def test_unit_of_another_district_cannot_be_assigned(clock, make_issue, other_unit, admin_user):
    issue = make_issue()
    with pytest.raises(ValidationError) as err:
        services.issue_transition(
            issue=issue, action=Action.ASSIGN, actor=admin_user, unit=other_unit
        )
    assert "unit" in err.value.message_dict


def test_a_city_department_can_be_assigned(clock, make_issue, city_unit, city_official):
    issue = make_issue()
    moved = services.issue_transition(
        issue=issue, action=Action.ASSIGN, actor=city_official, unit=city_unit
    )
    assert moved.assigned_unit == city_unit


def test_assignee_must_belong_to_the_unit(clock, make_issue, unit, city_unit, city_official):
    stranger = Person.objects.create(name="李四", unit=city_unit, region=city_unit.region)
    issue = make_issue()
    with pytest.raises(ValidationError) as err:
        services.issue_transition(
            issue=issue, action=Action.ASSIGN, actor=city_official, unit=unit, assignee=stranger
        )
    assert "assignee" in err.value.message_dict


def test_viewer_cannot_raise_an_issue(clock, project, viewer):
    with pytest.raises(PermissionDenied):
        services.issue_create(project=project, title="x", category="land", actor=viewer)


def test_issues_and_their_transitions_are_never_deleted(clock, make_issue):
    issue = make_issue(S.ASSIGNED)
    with pytest.raises(DeletionForbidden):
        issue.delete()
    with pytest.raises(DeletionForbidden):
        Issue.objects.all().delete()
    with pytest.raises(DeletionForbidden):
        IssueTransition.objects.filter(issue=issue).delete()


def test_reopen_clears_the_resolution(clock, make_issue, district_official):
    issue = make_issue(S.RESOLVED)
    issue = services.issue_transition(
        issue=issue, action=Action.REOPEN, actor=district_official, note="问题仍未解决"
    )
    assert issue.status == S.IN_PROGRESS and issue.resolved_at is None


def test_allowed_actions_lists_what_the_user_may_do(clock, make_issue, district_official, viewer):
    issue = make_issue(S.ASSIGNED)
    assert workflow.allowed_actions(district_official, issue) == [Action.ASSIGN, Action.START]
    assert workflow.allowed_actions(viewer, issue) == []
