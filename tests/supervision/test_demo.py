"""The demo seeder of the supervision app (called by seed_demo): realistic, every state present,
idempotent."""

import datetime as dt
import random

import pytest

from meetings.models import Meeting, ReminderLetter
from projects.choices import Role, UnitKind
from projects.models import Person, Unit
from seed.supervision import seed_supervision
from supervision.choices import IssueStatus
from supervision.models import Inspection, Issue, IssueTransition, Notification
from tests.factories import ProjectFactory, UserFactory, stored_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_city(clock, regions, city_official, district_official, other_official):
    for district in (regions["district"], regions["other"]):
        for name in ("自然资源局", "住房和城乡建设局", "行政审批服务局"):
            unit = Unit.objects.create(
                name=f"{district.name}{name}", region=district, kind=UnitKind.DEPARTMENT
            )
            Person.objects.create(name=f"{district.name}{name}科长", unit=unit, region=district)
        Person.objects.create(name=f"{district.name}副区长", region=district, title="副区长")
        for n in range(12):
            project = ProjectFactory(code=f"{district.code}-{n:02d}", region=district)
            if n < 3:
                colour = "red" if n == 0 else "yellow"
                stored_status(project, 2026, 8, colour, rate="0.3" if n == 0 else "0.5")
    UserFactory(username="shibei-official", role=Role.OFFICIAL, region=regions["other"])


def test_seed_supervision_writes_every_kind_of_record_once(small_city):
    counts = seed_supervision(rng=random.Random(7), today=dt.date(2026, 9, 28))
    assert counts["issues"] > 0 and counts["meetings"] > 5 and counts["decisions"] > 0
    assert counts["inspections"] == 12 and counts["letters"] == 2
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert {IssueStatus.COLLECTED, IssueStatus.CLOSED, IssueStatus.ESCALATED} <= statuses
    assert Issue.objects.filter(meeting__isnull=False).exists()
    assert Issue.objects.filter(source="inspection").exists()
    assert Notification.objects.exists()
    for issue in Issue.objects.all():  # every issue has its history, in order
        rows = list(issue.transitions.values_list("to_status", flat=True))
        assert rows[0] == IssueStatus.COLLECTED and rows[-1] == issue.status

    before = (
        Issue.objects.count(),
        IssueTransition.objects.count(),
        Meeting.objects.count(),
        Inspection.objects.count(),
        ReminderLetter.objects.count(),
    )
    assert seed_supervision(rng=random.Random(7), today=dt.date(2026, 9, 28))["issues"] == 0
    after = (
        Issue.objects.count(),
        IssueTransition.objects.count(),
        Meeting.objects.count(),
        Inspection.objects.count(),
        ReminderLetter.objects.count(),
    )
    assert after == before


def test_seed_supervision_without_projects_does_nothing(regions):
    assert seed_supervision(rng=random.Random(1), today=dt.date(2026, 9, 28))["issues"] == 0
    assert not Meeting.objects.exists()
