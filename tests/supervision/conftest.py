"""Fixtures of the supervision tests: a clock frozen on Monday 28 Sep 2026 (the working days
before National Day), units and people of 市南区, issues brought to any state, an API client.

The three officials of tests/conftest.py are used everywhere: `city_official` (Role.ADMIN of
青岛市), `district_official` (Role.OFFICIAL of 市南区), `other_official` (市北区)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from projects.choices import Role, UnitKind
from projects.models import Person, Unit
from supervision import services
from supervision.choices import IssueStatus
from supervision.models import Issue
from supervision.workflow import Action
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The factories hash a password per user: the fast hasher keeps the role matrices quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


@pytest.fixture
def clock():
    """Frozen at Monday 2026-09-28 10:00 Asia/Shanghai; `clock.move_to(...)` to travel."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api():
    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def unit(regions):
    return Unit.objects.create(
        name="市南区自然资源局", region=regions["district"], kind=UnitKind.DEPARTMENT
    )


@pytest.fixture
def other_unit(regions):
    return Unit.objects.create(
        name="市北区自然资源局", region=regions["other"], kind=UnitKind.DEPARTMENT
    )


@pytest.fixture
def city_unit(regions):
    return Unit.objects.create(
        name="青岛市自然资源和规划局", region=regions["city"], kind=UnitKind.DEPARTMENT
    )


@pytest.fixture
def assignee(unit, regions):
    return Person.objects.create(
        name="张伟",
        unit=unit,
        region=regions["district"],
        title="科长",
        email="zhangwei@example.cn",
    )


@pytest.fixture
def unit_member(assignee, regions):
    """A login of the assigned unit's person, with no editing role (Role.LEADER)."""
    return UserFactory(
        username="zhangwei", role=Role.LEADER, region=regions["district"], person=assignee
    )


@pytest.fixture
def make_issue(project, unit, assignee):
    """Builds an issue of `project` and brings it to `status` through the services (as the
    system), so each state is reached the way users reach it."""

    def make(status: str = IssueStatus.COLLECTED, *, difficulty="ordinary", raised_by=None, **kw):
        issue = services.issue_create(
            project=kw.pop("project", project),
            title="施工许可证办理进度慢",
            category="approval",
            difficulty=difficulty,
            actor=raised_by,
        )
        paths: dict[str, list[str]] = {
            IssueStatus.COLLECTED: [],
            IssueStatus.ASSIGNED: [Action.ASSIGN],
            IssueStatus.IN_PROGRESS: [Action.ASSIGN, Action.START],
            IssueStatus.RESOLVED: [Action.ASSIGN, Action.START, Action.RESOLVE],
            IssueStatus.FEEDBACK: [Action.ASSIGN, Action.START, Action.RESOLVE, Action.FEEDBACK],
            IssueStatus.CLOSED: [
                Action.ASSIGN,
                Action.START,
                Action.RESOLVE,
                Action.FEEDBACK,
                Action.CLOSE,
            ],
            IssueStatus.ESCALATED: [Action.ASSIGN, Action.ESCALATE],
        }
        path = paths[status]
        for action in path:
            issue = services.issue_transition(
                issue=issue,
                action=action,
                unit=unit if action == Action.ASSIGN else None,
                assignee=assignee if action == Action.ASSIGN else None,
                plan="分三步推进" if action == Action.START else "",
                note="已办结" if action == Action.RESOLVE else "",
                **kw,
            )
        assert issue.status == status
        return Issue.objects.get(pk=issue.pk)

    return make
