"""The daily overdue job (督导通报): flags, escalates by the configured rule, notifies the chain
(in-app, and email on commit when the person has an address) — and run twice does it once."""

import datetime as dt

import pytest
from django.core import mail

from projects.models import ChainAssignment, Person
from supervision import services
from supervision.choices import IssueStatus
from supervision.models import Notification, SupervisionSettings
from supervision.tasks import flag_overdue_issues
from supervision.workflow import Action
from tests.factories import chain_role

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, 0), tzinfo=SHANGHAI)


@pytest.fixture
def leader(project, regions):
    person = Person.objects.create(
        name="王区长", region=regions["district"], title="副区长", email="wang@example.cn"
    )
    ChainAssignment.objects.create(
        project=project, role=chain_role("leader"), person=person, start_date=dt.date(2026, 1, 1)
    )
    return person


@pytest.fixture
def eager(settings, celery_eager):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_task_has_the_name_of_the_beat_schedule():
    from portfolio.celery import app

    assert flag_overdue_issues.name == "supervision.tasks.flag_overdue_issues"
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert flag_overdue_issues.name in names


def test_overdue_job_run_twice_escalates_and_notifies_once(
    clock, make_issue, leader, assignee, eager, django_capture_on_commit_callbacks
):
    issue = make_issue(IssueStatus.IN_PROGRESS)  # deadline Sat 10 Oct 2026
    clock.move_to(at(dt.date(2026, 10, 10)))
    with django_capture_on_commit_callbacks(execute=True):
        assert flag_overdue_issues() == {"flagged": 0, "escalated": 0, "notifications": 0}

    clock.move_to(at(dt.date(2026, 10, 11)))
    with django_capture_on_commit_callbacks(execute=True):
        first = flag_overdue_issues()
    with django_capture_on_commit_callbacks(execute=True):
        second = flag_overdue_issues()

    assert first == {"flagged": 1, "escalated": 1, "notifications": 2}
    assert second == {"flagged": 0, "escalated": 0, "notifications": 0}
    issue.refresh_from_db()
    assert issue.status == IssueStatus.ESCALATED
    assert issue.overdue_flagged_on == dt.date(2026, 10, 11)
    escalations = issue.transitions.filter(action=Action.ESCALATE)
    assert escalations.count() == 1
    assert escalations.get().actor is None  # the system
    escalated = Notification.objects.filter(text__startswith="【督办通报】")
    recipients = set(escalated.values_list("recipient_person__name", flat=True))
    assert recipients == {"王区长", "张伟"}  # the chain's leader and the assignee
    assert escalated.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.cn", "zhangwei@example.cn"]


def test_no_email_without_an_address_or_with_mail_switched_off(
    clock, make_issue, leader, eager, django_capture_on_commit_callbacks
):
    leader.email = ""
    leader.save()
    conf = SupervisionSettings.current()
    conf.email_notifications = False
    conf.save()
    make_issue(IssueStatus.ASSIGNED)
    clock.move_to(at(dt.date(2026, 10, 12)))
    with django_capture_on_commit_callbacks(execute=True):
        services.issues_flag_overdue()
    assert Notification.objects.filter(text__startswith="【督办通报】").count() == 2
    assert mail.outbox == []


def test_escalation_waits_for_the_configured_working_days(clock, make_issue, leader):
    conf = SupervisionSettings.current()
    conf.escalate_after_workdays = 2
    conf.save()
    issue = make_issue(IssueStatus.ASSIGNED)  # deadline Sat 10 Oct

    clock.move_to(at(dt.date(2026, 10, 12)))  # Mon: 1 working day late → flagged only
    result = services.issues_flag_overdue()
    issue.refresh_from_db()
    assert (result.flagged, result.escalated) == (1, 0)
    assert issue.status == IssueStatus.ASSIGNED
    assert Notification.objects.filter(text__startswith="【逾期】").count() == 2
    assert not Notification.objects.filter(text__startswith="【督办通报】").exists()

    clock.move_to(at(dt.date(2026, 10, 13)))  # Tue: 2 working days late → escalated
    result = services.issues_flag_overdue()
    issue.refresh_from_db()
    assert (result.flagged, result.escalated) == (0, 1)
    assert issue.status == IssueStatus.ESCALATED
    assert Notification.objects.filter(text__contains="督办通报").count() == 2


def test_issues_within_their_deadline_or_resolved_are_left_alone(clock, make_issue):
    running = make_issue(IssueStatus.IN_PROGRESS)
    resolved = make_issue(IssueStatus.RESOLVED)
    clock.move_to(at(dt.date(2026, 10, 10)))
    services.issues_flag_overdue()
    clock.move_to(at(dt.date(2026, 10, 20)))
    services.issues_flag_overdue()
    running.refresh_from_db()
    resolved.refresh_from_db()
    assert running.status == IssueStatus.ESCALATED
    assert resolved.status == IssueStatus.RESOLVED and resolved.overdue_flagged_on is None


def test_a_new_deadline_lets_the_issue_be_flagged_again(clock, make_issue, city_official):
    issue = make_issue(IssueStatus.ASSIGNED)
    clock.move_to(at(dt.date(2026, 10, 12)))
    services.issues_flag_overdue()
    issue = services.issue_transition(
        issue=issue,
        action=Action.SET_DEADLINE,
        actor=city_official,
        deadline=dt.date(2026, 10, 16),
    )
    assert issue.overdue_flagged_on is None and issue.status == IssueStatus.ESCALATED
    clock.move_to(at(dt.date(2026, 10, 19)))
    result = services.issues_flag_overdue()
    assert result.flagged == 1 and result.escalated == 0  # already escalated: flagged, notified
    issue.refresh_from_db()
    assert issue.overdue_flagged_on == dt.date(2026, 10, 19)


def test_notifications_api_shows_only_my_notifications(
    clock, make_issue, leader, unit_member, district_official, api
):
    make_issue(IssueStatus.ASSIGNED)
    clock.move_to(at(dt.date(2026, 10, 12)))
    services.issues_flag_overdue()
    mine = api(unit_member).get("/api/v1/notifications/").json()
    assert sorted(n["text"][:4] for n in mine["results"]) == ["【交办】", "【督办通"]
    assert api(district_official).get("/api/v1/notifications/").json()["count"] == 0
    pk = mine["results"][0]["id"]
    assert api(district_official).post(f"/api/v1/notifications/{pk}/read/").status_code == 404
    response = api(unit_member).post(f"/api/v1/notifications/{pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert api(unit_member).get("/api/v1/notifications/?unread=true").json()["count"] == 1


def test_manual_escalation_notifies_the_chain(clock, make_issue, leader, city_official):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    services.issue_transition(
        issue=issue, action=Action.ESCALATE, actor=city_official, note="进展缓慢，督办"
    )
    assert Notification.objects.filter(recipient_person=leader).count() == 1


def test_the_overdue_job_escalates_only_from_the_states_the_workflow_names(
    clock, make_issue, monkeypatch
):
    from dataclasses import replace

    from supervision import workflow

    issue = make_issue(IssueStatus.IN_PROGRESS)  # deadline Sat 10 Oct 2026
    rule = workflow.RULES[Action.ESCALATE]
    monkeypatch.setitem(
        workflow.RULES, Action.ESCALATE, replace(rule, sources=(IssueStatus.ASSIGNED,))
    )
    clock.move_to(at(dt.date(2026, 10, 12)))
    result = flag_overdue_issues()
    issue.refresh_from_db()
    assert (result["escalated"], issue.status) == (0, IssueStatus.IN_PROGRESS)
    assert issue.overdue_flagged_on == dt.date(2026, 10, 12)  # flagged all the same
