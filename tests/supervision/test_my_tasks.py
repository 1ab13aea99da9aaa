"""我的待办 per role: the district's official sees the month to enter (its close in working days,
across the National Day holiday) and the letter to answer; the unit's person the issues and the
meeting decisions assigned to them, overdue first; the city the months to review and the replies
to verify. A fixed number of queries; the overview shows the summary."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from core.periods import Period
from meetings import services as meeting_services
from supervision import reporting
from supervision.choices import IssueStatus
from tests.factories import ProjectFactory
from tests.supervision.conftest import SHANGHAI
from tests.supervision.test_letters import colours  # noqa: F401  (the fixture)
from web import todo

pytestmark = pytest.mark.django_db

OCT_9 = dt.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def work(clock, colours, regions, make_issue, unit, assignee, unit_member, city_official):  # noqa: F811
    clock.move_to(dt.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI))
    old = make_issue(IssueStatus.ASSIGNED)  # 5 working days: due 8 Sep, overdue by 9 Oct
    clock.move_to(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI))
    new = make_issue(IssueStatus.IN_PROGRESS)
    make_issue(IssueStatus.CLOSED)  # done: not a task
    letter = meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official
    )
    meeting = meeting_services.meeting_create(
        kind="weekly", region=regions["district"], date=dt.date(2026, 9, 28), actor=city_official
    )
    decision = meeting_services.meeting_decide(
        meeting=meeting,
        project=colours["stalled"],
        title="协调解决临时用电",
        unit=unit,
        assignee=assignee,
        actor=city_official,
    )
    clock.move_to(OCT_9)
    return {"old": old, "new": new, "letter": letter, "decision": decision}


def test_the_district_official_sees_the_month_to_enter_and_the_letter(
    work, client, district_official
):
    tasks = todo.my_tasks(district_official)
    [report] = tasks.reports
    assert report.period == Period(2026, 9)
    # September's window closes Tue 13 Oct: from Fri 9 Oct, Sat 10 (调休), Mon 12, Tue 13
    assert report.due.date == dt.date(2026, 10, 13) and report.due.days == 3
    assert (report.missing, report.projects) == (3, 3)
    assert [t.obj.pk for t in tasks.letters] == [work["letter"].pk]
    assert tasks.issues == tasks.decisions == tasks.reviews == []
    client.force_login(district_official)
    html = client.get(reverse("web:my_tasks")).content.decode()
    assert "市南区 2026年9月月报" in html and "剩 3 个工作日" in html
    assert "/reporting/370202/2026-09/?missing=1" in html
    assert work["letter"].number in html


def test_the_units_person_sees_issues_overdue_first_and_the_decisions(work, unit_member):
    tasks = todo.my_tasks(unit_member)
    assert [t.obj.pk for t in tasks.issues] == [work["old"].pk, work["new"].pk]
    assert tasks.issues[0].due.overdue and tasks.issues[0].due.late_by > 0
    assert not tasks.issues[1].due.overdue
    assert [t.obj.pk for t in tasks.decisions] == [work["decision"].pk]
    assert tasks.reports == [] and tasks.letters == []  # a leader enters no reports


def test_a_submitted_month_leaves_the_district_and_reaches_the_city(
    work, district_official, city_official, regions
):
    reporting.month_submit(
        district=regions["district"],
        period=Period(2026, 9),
        actor=district_official,
        gaps=_gaps(regions),
    )
    assert todo.my_tasks(district_official).reports == []
    city = todo.my_tasks(city_official)
    assert [(m.region_id, m.month) for m in city.reviews] == [("370202", 9)]
    meeting_services.letter_reply(letter=work["letter"], text="已整改", actor=district_official)
    assert [letter.pk for letter in todo.my_tasks(city_official).to_verify] == [work["letter"].pk]
    assert todo.my_tasks(district_official).letters == []


def _gaps(regions):
    from projects.models import Project

    return {
        pk: "停工"
        for pk in Project.objects.filter(region=regions["district"]).values_list("pk", flat=True)
    }


def test_the_page_costs_a_fixed_number_of_queries(
    work, client, unit_member, regions, make_issue, django_assert_max_num_queries
):
    client.force_login(unit_member)
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse("web:my_tasks")).status_code == 200
    for _ in range(5):
        make_issue(IssueStatus.ASSIGNED, project=ProjectFactory(region=regions["district"]))
    with django_assert_max_num_queries(len(few)):
        html = client.get(reverse("web:my_tasks")).content.decode()
    assert len(re.findall(r'href="/issues/\d+/"', html)) == 8  # 7 issues + 1 decision


def test_the_overview_shows_the_summary(work, client, district_official):
    client.force_login(district_official)
    home = client.get(reverse("web:home")).content.decode()
    assert 'hx-get="/tasks/summary/"' in home
    nav = home.index('class="mainnav"')
    assert home.index("我的待办", nav) < home.index("总览", nav)  # first in the navigation
    summary = client.get(reverse("web:my_tasks_summary")).content.decode()
    assert "月报未填报 3 个项目" in summary and "提示函 1 份待反馈" in summary
