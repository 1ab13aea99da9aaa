"""`project.colour`: a project that turns yellow or red in a recompute is told to its chain and to
its district's officials, once; an improvement is not an alarm; a replay of an older period tells
nobody; the changes are found in one query."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from assessment.colour_events import notify_colour_changes
from assessment.models import ColourAlert, ProjectStatus
from assessment.recompute import recompute_period
from core.periods import Period
from projects.choices import Role
from projects.models import ChainAssignment, MonthlyReport, ProjectYear
from supervision.models import Notification
from tests.factories import (
    PersonFactory,
    ProjectFactory,
    UserFactory,
    chain_role,
    stored_status,
)

SEPT = Period(2026, 9)


@pytest.fixture(autouse=True)
def october():
    """20 Oct 2026: September is the reporting period."""
    with time_machine.travel(dt.datetime(2026, 10, 20, 9, 0), tick=False):
        yield


@pytest.fixture
def people(regions, district_official, other_official):
    staff = PersonFactory(name="赵科员", region=regions["district"])
    leader = PersonFactory(name="钱区长", region=regions["district"])
    UserFactory(username="qian", role=Role.LEADER, region=regions["district"], person=leader)
    return {"staff": staff, "leader": leader}


def _chain(project, people):
    for code, person in (("staff", people["staff"]), ("leader", people["leader"])):
        ChainAssignment.objects.create(
            project=project, role=chain_role(code), person=person, start_date=dt.date(2026, 1, 1)
        )


def _notified(project) -> set[str]:
    rows = Notification.objects.filter(kind="project.colour", key__contains=f":{project.pk}:")
    return {
        n.recipient_person.name if n.recipient_person else getattr(n.recipient_user, "username", "")
        for n in rows
    }


def test_turning_red_or_yellow_is_told_to_the_chain_and_the_districts_officials(
    regions, people, django_assert_num_queries
):
    worse = ProjectFactory(region=regions["district"], code="SN-1", name="新能源产业园")
    yellow = ProjectFactory(region=regions["district"], code="SN-2")
    better = ProjectFactory(region=regions["district"], code="SN-3")
    same = ProjectFactory(region=regions["district"], code="SN-4")
    new = ProjectFactory(region=regions["other"], code="SB-1")
    for project in (worse, yellow, better, same, new):
        _chain(project, people)
    for project, before, after in (
        (worse, "green", "red"),
        (yellow, "white", "yellow"),
        (better, "red", "yellow"),  # an improvement
        (same, "red", "red"),  # still red: told when it turned
    ):
        stored_status(project, 2026, 8, before)
        stored_status(project, 2026, 9, after)
    stored_status(new, 2026, 9, "red")  # no colour before: it turned red now
    created = notify_colour_changes(SEPT)
    assert _notified(worse) == {"赵科员", "钱区长", "shinan"}
    assert _notified(yellow) == {"赵科员", "钱区长", "shinan"}
    assert _notified(better) == _notified(same) == set()
    assert _notified(new) == {"赵科员", "钱区长", "shibei"}
    assert created == 9
    text = Notification.objects.filter(key__startswith=f"project.colour:{worse.pk}:").first()
    assert "SN-1 新能源产业园" in text.text and "红色" in text.text
    assert text.link == "/projects/SN-1/?period=2026-09"
    assert text.region_id == "370202"
    assert "2026年9月" in text.text
    # the leader's login sees the person's notification (one row, to both)
    leader = Notification.objects.get(
        key__startswith=f"project.colour:{worse.pk}:", recipient_person=people["leader"]
    )
    assert leader.recipient_user.username == "qian"
    # a second recompute of the same period tells nobody again, in one query: the turns not yet
    # dealt with (each told turn is kept as a ColourAlert)
    assert ColourAlert.objects.filter(year=2026, month=9).count() == 3
    with django_assert_num_queries(1):
        assert notify_colour_changes(SEPT) == 0
    # an installation upgraded from before ColourAlert: its notifications are found (the
    # changes, the chains and their people, the officials, the notifications already there),
    # nobody is told twice, and the turns are recorded (one INSERT)
    ColourAlert.objects.all().delete()
    with django_assert_num_queries(6):
        assert notify_colour_changes(SEPT) == 0
    assert ColourAlert.objects.filter(year=2026, month=9).count() == 3
    # a correction that turns another project red in a re-run of the month: that one is told
    ProjectStatus.objects.filter(project=same, year=2026, month=8).update(colour="yellow")
    assert notify_colour_changes(SEPT) == 3
    assert _notified(same) == {"赵科员", "钱区长", "shinan"}
    # nothing changed: one query
    Notification.objects.all().delete()
    stored_status(ProjectFactory(region=regions["district"]), 2026, 9, "green")
    with django_assert_num_queries(1):
        notify_colour_changes(SEPT, project_ids=[same.pk, better.pk])


def test_nothing_turned_where_the_previous_period_was_never_computed(regions, people):
    project = ProjectFactory(region=regions["district"])
    _chain(project, people)
    stored_status(project, 2026, 9, "red")  # August never computed: a first run
    assert notify_colour_changes(SEPT) == 0


def test_a_month_before_the_reporting_period_is_history(regions, people):
    project = ProjectFactory(region=regions["district"])
    _chain(project, people)
    stored_status(project, 2026, 7, "green")
    stored_status(project, 2026, 8, "red")  # the latest computed, but September is reported now
    assert notify_colour_changes(Period(2026, 8)) == 0


def test_a_replay_of_an_older_period_tells_nobody(regions, people):
    project = ProjectFactory(region=regions["district"])
    _chain(project, people)
    stored_status(project, 2026, 8, "green")
    stored_status(project, 2026, 9, "red")
    stored_status(project, 2026, 10, "red")  # October (running) computed: September is replayed
    assert notify_colour_changes(SEPT) == 0
    assert not Notification.objects.exists()


def test_the_recompute_notifies_the_projects_that_turned_red(regions, people, district_official):
    started = {
        "actual_start": dt.date(2025, 3, 1),
        "in_statistics": True,
        "statistics_date": dt.date(2025, 4, 1),
    }
    silent = ProjectFactory(region=regions["district"], code="SN-9", **started)
    steady = ProjectFactory(region=regions["district"], code="SN-8", **started)
    for project in (silent, steady):
        _chain(project, people)
        ProjectYear.objects.create(
            project=project, year=2026, annual_plan=Decimal("1200"), original_plan=Decimal("1200")
        )
    MonthlyReport.objects.bulk_create(
        MonthlyReport(project=steady, year=2026, month=m, completed_investment=Decimal("100"))
        for m in range(1, 10)
    )
    silent.stage = "signed"  # not yet in August's portfolio …
    silent.actual_start = None
    silent.save()
    recompute_period(year=2026, month=8, today=dt.date(2026, 10, 20))
    silent.stage, silent.actual_start = "construction", dt.date(2025, 3, 1)  # … but in September's
    silent.save()
    recompute_period(year=2026, month=9, today=dt.date(2026, 10, 20))
    assert _notified(silent) == {"赵科员", "钱区长", "shinan"}
    assert _notified(steady) == set()
    count = Notification.objects.count()
    recompute_period(year=2026, month=9, today=dt.date(2026, 10, 20))  # the nightly run again
    assert Notification.objects.count() == count
