"""`issue.due_soon`: an issue due by the next working day is told to its assignee and the chain,
once — across the National Day holiday, by the working-day calendar."""

import datetime as dt

import pytest

from supervision import events
from supervision.choices import IssueStatus
from supervision.models import Notification

pytestmark = pytest.mark.django_db


def test_an_issue_due_on_the_next_working_day_is_told_once(
    clock, make_issue, assignee, unit_member
):
    issue = make_issue(IssueStatus.ASSIGNED)  # Mon 28 Sep + 5 working days: Sat 10 Oct (调休)
    assert issue.deadline == dt.date(2026, 10, 10)
    make_issue(IssueStatus.RESOLVED)  # resolved: nothing to remind
    for day in (dt.date(2026, 9, 30), dt.date(2026, 10, 7), dt.date(2026, 10, 8)):
        assert events.notify_issues_due_soon(today=day) == 0
    assert events.notify_issues_due_soon(today=dt.date(2026, 10, 9)) == 1  # Fri before Sat 10
    note = Notification.objects.get(kind="issue.due_soon")
    assert note.issue == issue
    assert (note.recipient_person, note.recipient_user) == (assignee, unit_member)
    assert "2026-10-10" in note.text
    assert events.notify_issues_due_soon(today=dt.date(2026, 10, 9)) == 0  # run twice: once
    assert events.notify_issues_due_soon(today=dt.date(2026, 10, 10)) == 0  # due today: no


def test_the_task_is_scheduled(clock, make_issue, celery_eager):
    from portfolio.celery import app
    from supervision.tasks import notify_issues_due_soon

    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "supervision.tasks.notify_issues_due_soon" in names
    make_issue(IssueStatus.ASSIGNED)
    clock.move_to(dt.datetime(2026, 10, 9, 8, 35, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert notify_issues_due_soon.delay().get() == 1
