"""Agendas that fit the meeting and stay records (issue #14, items 1–2): the period rule with
the reporting cycle's acceptance across a month boundary, the ranking of the items (newly red,
red N months running, investment at risk × months behind, days overdue), the sections with
their top N, districts and time budget, the chair's views, the draft refreshed only on
request, the decision's project picked by search, the minutes edited on the page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import agenda as agenda_mod
from meetings import services as meeting_services
from meetings.agenda import TOP_N, Section, build_agenda, rank_colour_projects, sections
from meetings.models import Meeting
from projects.models import MonthStatus, Region, ReportingMonth
from tests.factories import ProjectFactory, stored_status
from tests.supervision.test_meetings import at, dataset  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_a_month_accepted_by_every_district_counts_as_fully_reported_before_its_window_closes(
    dataset,  # noqa: F811
    regions,
    city_official,
):
    """October's window closes on 4 November: a meeting on 3 November uses September — unless
    every district of the city had October accepted (已审核) before the meeting's day."""
    october = ProjectFactory(code="QD-011", name="十月红色项目", region=regions["district"])
    stored_status(october, 2026, 10, "red", rate="0.1", progress="0.8")

    def period_on(day):
        meeting = meeting_services.meeting_create(
            kind="weekly", region=regions["city"], date=day, actor=city_official
        )
        return build_agenda(meeting)["period"]

    assert period_on(dt.date(2026, 11, 3)) == "2026-09"
    districts = Region.objects.filter(level="county", code__startswith=regions["city"].prefix)
    for district in districts:
        ReportingMonth.objects.create(
            region=district,
            year=2026,
            month=10,
            status=MonthStatus.ACCEPTED,
            reviewed_at=at(dt.date(2026, 11, 2), 16),
        )
    assert period_on(dt.date(2026, 11, 3)) == "2026-10"
    assert period_on(dt.date(2026, 11, 2)) == "2026-09"  # accepted that afternoon: not before
    # one district returned: not fully reported
    ReportingMonth.objects.filter(region=districts[0]).update(status=MonthStatus.RETURNED)
    assert period_on(dt.date(2026, 11, 3)) == "2026-09"


def _row(code, section, red_months, score, region="370202"):
    return {
        "project": code,
        "region": region,
        "section": section,
        "red_months": red_months,
        "risk_score": score,
    }


def test_colour_projects_rank_newly_red_then_longest_red_then_yellow_by_risk():
    rows = [
        _row("Y-1", "yellow", 0, 50.0),
        _row("R-3", "red_running", 3, 10.0),
        _row("N-1", "newly_red", 1, 5.0),
        _row("Y-2", "yellow", 0, 900.0),
        _row("R-2", "red_running", 2, 999.0),
        _row("N-2", "newly_red", 1, 80.0),
        _row("R-4", "red_running", 4, 1.0),
    ]
    assert [r["project"] for r in rank_colour_projects(rows)] == [
        "N-2",
        "N-1",
        "R-4",
        "R-3",
        "R-2",
        "Y-2",
        "Y-1",
    ]


def test_red_months_running_and_the_investment_at_risk(dataset, regions):  # noqa: F811
    """QD-001 was yellow in August and is red in September: newly red. A project red since
    July: red three months running. At risk: 1200 × 0.75 − 600 = 300 万元, 0.4 × 12 = 4.8
    months behind."""
    long_red = ProjectFactory(code="QD-030", name="长期红色项目", region=regions["district"])
    for month in (7, 8, 9):
        stored_status(long_red, 2026, month, "red", rate="0.35", progress="0.75")
    agenda = build_agenda(dataset["meeting"])
    by_code = {p["project"]: p for p in agenda["colour_projects"]}
    assert by_code["QD-001"]["section"] == "newly_red" and by_code["QD-001"]["red_months"] == 1
    assert by_code["QD-030"]["section"] == "red_running"
    assert by_code["QD-030"]["red_months"] == 3
    assert by_code["QD-001"]["at_risk"] == "300.00"
    assert by_code["QD-001"]["months_behind"] == 4.8
    assert by_code["QD-001"]["risk_score"] == 1440.0
    assert by_code["QD-002"]["section"] == "yellow"
    assert [p["project"] for p in agenda["colour_projects"]] == ["QD-001", "QD-030", "QD-002"]


def test_overdue_issues_rank_by_days_overdue(dataset):  # noqa: F811
    agenda = build_agenda(dataset["meeting"])
    days = [i["days_overdue"] for i in agenda["overdue_issues"]]
    assert days == sorted(days, reverse=True) and days[0] == 2  # due Sat 10 Oct, meeting 12 Oct


def _agenda(n_red=0, n_yellow=0, overdue=0, kind="monthly"):
    red = [
        {"project": f"R{i}", "colour": "red", "section": "newly_red", "region": "370202"}
        for i in range(n_red)
    ]
    yellow = [
        {
            "project": f"Y{i}",
            "colour": "yellow",
            "section": "yellow",
            "region": "370203" if i % 2 else "370202",
            "region_name": "市北区" if i % 2 else "市南区",
        }
        for i in range(n_yellow)
    ]
    return {
        "meeting": {"kind": kind},
        "colour_projects": red + yellow,
        "overdue_issues": [
            {"id": i, "project": "R0" if i % 2 else "Y1", "region": "370202"}
            for i in range(overdue)
        ],
        "new_issues": [],
        "not_started": [],
        "carried_decisions": [],
        "decisions": [],
        "ranking": None,
    }


def test_sections_show_the_top_n_and_group_the_full_list_by_district():
    parts = {s.key: s for s in sections(_agenda(n_red=3, n_yellow=25, overdue=4))}
    yellow = parts["yellow"]
    assert yellow.count == 25 and len(yellow.top) == TOP_N and yellow.more == 25 - TOP_N
    assert [(g["region"], g["count"]) for g in yellow.by_district] == [
        ("370202", 13),
        ("370203", 12),
    ]
    assert sum(len(g["items"]) for g in yellow.by_district) == 25  # the appendix: every item


def test_the_time_budget_adds_up_to_the_meeting_and_follows_the_rows_shown():
    parts = sections(_agenda(n_red=3, n_yellow=25, overdue=4, kind="monthly"))
    minutes = {s.key: s.minutes for s in parts}
    assert sum(minutes.values()) == agenda_mod.MEETING_MINUTES["monthly"]
    assert minutes["ranking"] == 5 and minutes["decisions"] == 10
    assert minutes["new_issues"] == 0  # nothing to discuss
    assert minutes["yellow"] > minutes["overdue_issues"] > minutes["newly_red"] >= 2


def test_time_budget_of_a_short_meeting_with_many_sections():
    parts = [Section(f"s{i}", "", "issues", [{}] * (i + 1)) for i in range(5)]
    agenda_mod.time_budget(parts, 8)
    assert sum(p.minutes for p in parts) <= 8 and all(p.minutes >= 1 for p in parts)


def test_the_chairs_views_only_red_and_one_district():
    agenda = _agenda(n_red=3, n_yellow=6, overdue=4)
    red = {s.key: s for s in sections(agenda, only_red=True)}
    assert "yellow" not in red and "new_issues" not in red
    assert [i["project"] for i in red["overdue_issues"].items] == ["R0", "R0"]  # of red projects
    shibei = {s.key: s for s in sections(agenda, district="370203")}
    assert shibei["yellow"].count == 3 and shibei["newly_red"].count == 0
    assert agenda["colour_projects"][0]["project"] == "R0"  # the record itself is untouched


def test_the_draft_changes_only_when_refreshed_and_not_at_all_once_frozen(
    dataset,  # noqa: F811
    regions,
    api,
    city_official,
):
    meeting = dataset["meeting"]
    client = api(city_official)
    url = f"/api/v1/meetings/{meeting.pk}/agenda/"
    before = client.get(url).json()
    late = ProjectFactory(code="QD-040", name="会前补录的红色项目", region=regions["district"])
    stored_status(late, 2026, 9, "red")
    assert client.get(url).json() == before  # the draft is what the secretary reviewed
    refreshed = client.post(f"/api/v1/meetings/{meeting.pk}/agenda/refresh/")
    assert refreshed.status_code == 200
    assert "QD-040" in [p["project"] for p in refreshed.json()["colour_projects"]]
    assert client.post(f"/api/v1/meetings/{meeting.pk}/agenda/freeze/").status_code == 200
    frozen = client.get(url).content
    again = client.post(f"/api/v1/meetings/{meeting.pk}/agenda/refresh/")
    assert again.status_code == 400 and "定稿" in str(again.json())
    assert client.get(url).content == frozen


def test_the_meeting_page_ranks_groups_and_budgets(
    client,
    dataset,  # noqa: F811
    city_official,
    django_assert_max_num_queries,
):
    client.force_login(city_official)
    url = reverse("meetings:meeting_detail", args=[dataset["meeting"].pk])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "议程与时间安排" in body and "新增红色项目" in body and "附件" in body
    assert "数据截至" in body and "生成于" in body
    assert response.context["total_minutes"] == agenda_mod.MEETING_MINUTES["monthly"]
    red_only = client.get(url, {"view": "red"})
    assert "黄色项目" not in [s.title for s in red_only.context["sections"]]
    one = client.get(url, {"district": "370202"})
    assert one.context["view"]["district"] == "370202"
    unknown = client.get(url, {"district": "999999"})
    assert unknown.status_code == 200 and unknown.context["view"]["district"] == ""


def test_the_meeting_page_query_count_does_not_grow_with_the_agenda(
    client,
    dataset,  # noqa: F811
    city_official,
    django_assert_num_queries,
):
    """The agenda is one stored JSON document: a longer agenda is not more queries."""
    client.force_login(city_official)
    meeting = dataset["meeting"]
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    agenda = Meeting.objects.get(pk=meeting.pk).agenda
    agenda["colour_projects"] = agenda["colour_projects"] * 40
    Meeting.objects.filter(pk=meeting.pk).update(agenda=agenda)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["sections"][0].count >= 40


def test_a_decision_picks_its_project_by_search(
    client,
    dataset,  # noqa: F811
    city_official,
    unit,
    django_assert_max_num_queries,
):
    client.force_login(city_official)
    meeting = dataset["meeting"]
    search = reverse("meetings:decision_projects", args=[meeting.pk])
    with django_assert_max_num_queries(8):
        found = client.get(search, {"project": "应开未开"}, HTTP_HX_REQUEST="true")
    options = found.content.decode()
    assert 'value="QD-004"' in options and "济南" not in options  # the city's projects only
    assert 'value="JN-001"' not in client.get(search, {"project": "JN"}).content.decode()
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert 'list="project-options"' in page and f'hx-get="{search}"' in page
    response = client.post(
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        {"project": "QD-004", "title": "协调开工手续", "category": "other", "unit": unit.pk},
    )
    assert response.status_code == 302
    assert meeting.decisions.get().project.code == "QD-004"
    bad = client.post(
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        {"project": "JN-001", "title": "越界", "category": "other", "unit": unit.pk},
    )
    assert bad.status_code == 200 and "不在您的管辖范围内" in bad.content.decode()


def test_minutes_are_edited_on_the_meeting_page_with_history(
    client,
    dataset,  # noqa: F811
    city_official,
    district_official,
):
    meeting = dataset["meeting"]
    url = reverse("meetings:meeting_minutes", args=[meeting.pk])
    client.force_login(city_official)
    response = client.post(url, {"minutes": "会议要求市南区两周内解决用地问题。"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "会议要求市南区两周内解决用地问题。"
    assert meeting.history.filter(minutes=meeting.minutes).exists()
    too_long = client.post(url, {"minutes": "长" * 20001})
    assert too_long.status_code == 302 and Meeting.objects.get(pk=meeting.pk).minutes
    client.force_login(district_official)
    assert client.post(url, {"minutes": "x"}).status_code == 404  # a city meeting


def test_the_nightly_job_freezes_the_last_draft_as_it_was(dataset, clock, regions):  # noqa: F811
    meeting = Meeting.objects.get(pk=dataset["meeting"].pk)
    draft = meeting.agenda
    late = ProjectFactory(code="QD-050", name="会后导入", region=regions["district"])
    stored_status(late, 2026, 9, "red")
    clock.move_to(at(dt.date(2026, 10, 13), 1))
    meeting_services.meeting_freeze_past_agendas(today=timezone.localdate())
    meeting.refresh_from_db()
    assert meeting.agenda == draft and meeting.agenda_frozen_at is not None
