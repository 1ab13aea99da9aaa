"""The reporting cycle's events (`supervision.events`): the daily reminder job across the National
Day holiday (the window's dates come from the working-day calendar), 催报 to the district's
officials and the chain's 工作人员, idempotency (a job run twice notifies once), the city's
return and acceptance, the beat entry and the management command."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from core.periods import Period
from projects import services
from projects.choices import Role
from projects.models import ChainAssignment
from supervision import events, reporting
from supervision.models import Notification
from tests.factories import PersonFactory, ProjectFactory, UserFactory, chain_role

SEPT = Period(2026, 9)
# September 2026's window (rule: 1st to 5th working day of October): 1–7 Oct are holidays,
# Saturday 10 Oct is a working day (调休) → opens Thu 8 Oct, closes Tue 13 Oct.
OPENS, CLOSING, CLOSES, AFTER = (
    dt.date(2026, 10, 8),
    dt.date(2026, 10, 12),
    dt.date(2026, 10, 13),
    dt.date(2026, 10, 14),
)


def _at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 0), tick=False)


@pytest.fixture
def cycle(regions, district_official, other_official, city_official):
    shinan, shibei = regions["district"], regions["other"]
    reviewer = UserFactory(username="sn-reviewer", role=Role.REVIEWER, region=shinan)
    UserFactory(username="sn-viewer", role=Role.VIEWER, region=shinan)  # not an official
    UserFactory(username="sn-gone", role=Role.OFFICIAL, region=shinan, is_active=False)
    a, b, c = (ProjectFactory(region=shinan, code=f"SN-{i}") for i in range(3))
    d = ProjectFactory(region=shibei, code="SB-1")
    staff = PersonFactory(name="赵科员", region=shinan)
    staff_login = UserFactory(username="zhao", role=Role.VIEWER, region=shinan, person=staff)
    leader = PersonFactory(name="钱区长", region=shinan)
    for project in (b, c):
        ChainAssignment.objects.create(
            project=project, role=chain_role("staff"), person=staff, start_date=dt.date(2026, 1, 1)
        )
        ChainAssignment.objects.create(
            project=project,
            role=chain_role("leader"),
            person=leader,
            start_date=dt.date(2026, 1, 1),
        )
    return {
        "shinan": shinan,
        "shibei": shibei,
        "projects": (a, b, c, d),
        "reviewer": reviewer,
        "staff": staff,
        "staff_login": staff_login,
        "leader": leader,
    }


def _report(project, actor):
    return services.report_create(
        project=project, year=2026, month=9, completed_investment=Decimal("100"), actor=actor
    )


def _recipients(kind: str) -> set[str]:
    rows = Notification.objects.filter(kind=kind).select_related(
        "recipient_user", "recipient_person"
    )
    return {
        n.recipient_user.username if n.recipient_user else getattr(n.recipient_person, "name", "")
        for n in rows
    }


def test_nothing_during_the_national_day_holiday(cycle):
    for day in range(1, 8):
        result = events.send_reporting_reminders(today=dt.date(2026, 10, day))
        assert result.notifications == 0
    assert not Notification.objects.exists()


def test_the_window_opens_on_the_first_working_day_after_the_holiday(cycle):
    result = events.send_reporting_reminders(today=OPENS)
    assert result.opened == 3  # shinan's official and reviewer, shibei's official
    assert _recipients("reporting.open") == {"shinan", "sn-reviewer", "shibei"}
    opened = Notification.objects.get(kind="reporting.open", recipient_user__username="shinan")
    assert opened.region_id == "370202"
    assert "2026-10-13" in opened.text
    assert opened.link == "/reporting/370202/2026-09/"


def test_closing_tomorrow_the_working_day_before_the_close(cycle, district_official):
    a, _b, _c, _d = cycle["projects"]
    with _at(dt.date(2026, 10, 9)):
        _report(a, district_official)
    # Sat 10 Oct is a working day, but the working day before Tue 13 Oct is Mon 12 Oct
    assert events.send_reporting_reminders(today=dt.date(2026, 10, 10)).closing == 0
    assert events.send_reporting_reminders(today=dt.date(2026, 10, 11)).closing == 0
    result = events.send_reporting_reminders(today=CLOSING)
    assert result.closing == 3
    closing = Notification.objects.get(kind="reporting.closing", recipient_user__username="shinan")
    assert "尚有 2 个项目未填报" in closing.text
    assert closing.link == "/reporting/370202/2026-09/?missing=1"


def test_missing_after_the_close_to_officials_and_the_chains_staff(
    cycle, district_official, other_official
):
    a, _b, _c, d = cycle["projects"]
    with _at(dt.date(2026, 10, 9)):
        _report(a, district_official)
        _report(d, other_official)
    assert events.send_reporting_reminders(today=CLOSES).missing == 0  # the last day: not yet
    with _at(AFTER):
        result = events.send_reporting_reminders(today=AFTER)
    # shinan: its two officials and the staff person of b and c; shibei reported everything
    assert result.missing == 3
    assert _recipients("reporting.missing") == {"shinan", "sn-reviewer", "zhao"}
    official = Notification.objects.get(kind="reporting.missing", recipient_user__username="shinan")
    assert "仍有 2 个项目未填报" in official.text
    assert official.link == "/reporting/370202/2026-09/?missing=1"
    staff = Notification.objects.get(kind="reporting.missing", recipient_person=cycle["staff"])
    assert staff.recipient_user == cycle["staff_login"]  # the person's login sees it too
    assert "SN-1、SN-2" in staff.text
    # the chain's leader is not the 工作人员: not told
    assert not Notification.objects.filter(recipient_person=cycle["leader"]).exists()


def test_running_the_job_twice_sends_each_message_once(cycle):
    for day in (OPENS, CLOSING, AFTER):
        first = events.send_reporting_reminders(today=day)
        assert first.notifications > 0
        count = Notification.objects.count()
        again = events.send_reporting_reminders(today=day)
        assert again.notifications == 0
        assert Notification.objects.count() == count
    # later days after the close send no second 催报
    assert events.send_reporting_reminders(today=dt.date(2026, 10, 20)).notifications == 0


def test_a_submitted_district_is_not_reminded(cycle, district_official):
    a, b, c, _d = cycle["projects"]
    with _at(dt.date(2026, 10, 9)):
        reporting.month_submit(
            district=cycle["shinan"],
            period=SEPT,
            actor=district_official,
            gaps={a.pk: "停工", b.pk: "停工", c.pk: "停工"},
        )
    events.send_reporting_reminders(today=CLOSING)
    events.send_reporting_reminders(today=AFTER)
    assert _recipients("reporting.closing") == {"shibei"}
    assert _recipients("reporting.missing") == {"shibei"}


def test_return_and_accept_notify_the_districts_officials(cycle, district_official, city_official):
    a, b, c, _d = cycle["projects"]
    with _at(dt.date(2026, 10, 9)):
        for project in (a, b, c):
            _report(project, district_official)
        reporting.month_submit(district=cycle["shinan"], period=SEPT, actor=district_official)
        reporting.month_return(
            district=cycle["shinan"], period=SEPT, actor=city_official, note="SN-1 金额偏大"
        )
        assert _recipients("reporting.returned") == {"shinan", "sn-reviewer"}
        returned = Notification.objects.get(
            kind="reporting.returned", recipient_user__username="shinan"
        )
        assert "SN-1 金额偏大" in returned.text
        assert returned.link == "/reporting/370202/2026-09/"
        reporting.month_submit(district=cycle["shinan"], period=SEPT, actor=district_official)
        reporting.month_return(
            district=cycle["shinan"], period=SEPT, actor=city_official, note="再核"
        )
        assert Notification.objects.filter(kind="reporting.returned").count() == 4  # twice
        reporting.month_submit(district=cycle["shinan"], period=SEPT, actor=district_official)
        reporting.month_accept(district=cycle["shinan"], period=SEPT, actor=city_official)
    assert _recipients("reporting.accepted") == {"shinan", "sn-reviewer"}
    accepted = Notification.objects.get(
        kind="reporting.accepted", recipient_user__username="shinan"
    )
    assert accepted.link == "/reporting/completeness/?period=2026-09"
    assert not Notification.objects.filter(recipient_user__username="shibei").exists()


def test_the_job_is_in_the_beat_schedule_at_half_past_eight():
    from portfolio.celery import app

    entry = app.conf.beat_schedule["send-reporting-reminders"]
    assert entry["task"] == "supervision.tasks.send_reporting_reminders"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {30}


def test_the_task_and_the_command_run_the_same_job(cycle, celery_eager):
    from supervision.tasks import send_reporting_reminders

    with _at(OPENS):
        assert send_reporting_reminders.delay().get() == {"opened": 3, "closing": 0, "missing": 0}
    out = StringIO()
    call_command("send_reporting_reminders", "--date", CLOSING.isoformat(), stdout=out)
    assert "明日截止提醒 3 条" in out.getvalue()
    out = StringIO()
    call_command("send_reporting_reminders", "--date", CLOSING.isoformat(), stdout=out)
    assert "明日截止提醒 0 条" in out.getvalue()


def test_the_reminders_link_shows_only_the_missing_projects_and_saves_them(
    cycle, client, district_official
):
    a, b, c, _d = cycle["projects"]
    with _at(dt.date(2026, 10, 9)):
        _report(a, district_official)
        client.force_login(district_official)
        url = "/reporting/370202/2026-09/?missing=1"
        html = client.get(url).content.decode()
        assert 'id="row-SN-0"' not in html
        assert 'id="row-SN-1"' in html and 'id="row-SN-2"' in html
        assert "只显示本月未填报的 2 个项目（共 3 个）" in html
        form = {
            "r-TOTAL_FORMS": "2",
            "r-INITIAL_FORMS": "2",
            "r-MIN_NUM_FORMS": "0",
            "r-MAX_NUM_FORMS": "1000",
        }
        page = client.get(url)
        for i, row in enumerate(page.context["rows"]):
            form[f"r-{i}-project"] = str(row.project.pk)
            form[f"r-{i}-completed_investment"] = "80"
            for name, value in page.context["formset"].forms[i].initial.items():
                form.setdefault(f"r-{i}-{name}", "" if value is None else str(value))
        response = client.post(url, form)
        assert response.status_code == 302, response.content.decode()[:2000]
    assert {p.code for p in (b, c) if p.reports.filter(year=2026, month=9).exists()} == {
        "SN-1",
        "SN-2",
    }
