"""Meetings: the agenda generated from the data for the meeting's region and date, decisions as
assigned issues carried to the next meeting until closed, and the meetings API."""

import datetime as dt

import pytest

from assessment.models import ProjectStatus
from meetings import services as meeting_services
from meetings.agenda import build_agenda
from meetings.models import Meeting
from projects.choices import Stage
from supervision import services
from supervision.choices import IssueStatus
from supervision.workflow import Action
from tests.factories import ProjectFactory, stored_status

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=SHANGHAI)


LATE_START = {  # the start check: planned for July 2026, not started by September
    "rate": None,
    "progress": None,
    "under_construction": False,
    "started": False,
    "new_start": True,
    "planned_start": dt.date(2026, 7, 1),
    "months_late": 2,
    "start_verdict": "yellow",
}


@pytest.fixture
def dataset(clock, regions, project, other_project, make_issue, unit, city_official):
    """青岛市 on 12 Oct 2026: the previous city meeting was on 14 Sep."""
    clock.move_to(at(dt.date(2026, 9, 14), 9))
    previous = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2026, 9, 14), actor=city_official
    )
    quiet = ProjectFactory(code="QD-003", name="市南区正常项目", region=regions["district"])
    jinan = ProjectFactory(code="JN-001", name="济南项目", region=regions["other_city_district"])
    late_start = ProjectFactory(
        code="QD-004",
        name="市南区应开未开项目",
        region=regions["district"],
        stage=Stage.SIGNED,
        actual_start=None,
        planned_start=dt.date(2026, 9, 1),
    )
    ProjectFactory(
        code="QD-005",
        region=regions["district"],
        stage=Stage.SIGNED,
        actual_start=None,
        planned_start=dt.date(2026, 11, 1),
    )
    # August: project red; September (the latest at the meeting): project red, QD-002 yellow.
    stored_status(project, 2026, 8, "yellow", rate="0.5", progress="0.666667")
    stored_status(project, 2026, 9, "red", rate="0.35", progress="0.75")
    stored_status(other_project, 2026, 9, "yellow", **LATE_START)
    stored_status(quiet, 2026, 9, "white", rate="0.7", progress="0.75")
    stored_status(jinan, 2026, 9, "red")
    stored_status(other_project, 2026, 11, "red")

    clock.move_to(at(dt.date(2026, 9, 1)))
    old = make_issue(IssueStatus.IN_PROGRESS)  # before the previous meeting; deadline 8 Sep
    services.issue_transition(issue=old, action=Action.SET_DEADLINE, deadline=dt.date(2026, 11, 30))
    clock.move_to(at(dt.date(2026, 9, 28)))
    overdue = make_issue(IssueStatus.IN_PROGRESS)  # deadline Sat 10 Oct
    clock.move_to(at(dt.date(2026, 10, 9)))
    new = make_issue(IssueStatus.COLLECTED, project=other_project)
    clock.move_to(at(dt.date(2026, 10, 12), 9))
    meeting = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2026, 10, 12), actor=city_official
    )
    return {
        "previous": previous,
        "meeting": meeting,
        "old": old,
        "overdue": overdue,
        "new": new,
        "late_start": late_start,
    }


def test_agenda_lists_red_and_yellow_projects_of_the_latest_period_with_reasons(dataset):
    agenda = build_agenda(dataset["meeting"])
    assert agenda["period"] == "2026-09"
    assert [(p["project"], p["colour"], p["reason"]) for p in agenda["colour_projects"]] == [
        ("QD-001", "red", "投资完成率 35.0%，时间进度 75.0%，落后 40.0 个百分点"),
        ("QD-002", "yellow", "计划于 2026年7月 开工，至今未开工，已滞后 2 个月"),
    ]


def test_agenda_lists_overdue_and_new_issues(dataset):
    agenda = build_agenda(dataset["meeting"])
    assert [i["id"] for i in agenda["overdue_issues"]] == [dataset["overdue"].pk]
    assert agenda["overdue_issues"][0]["deadline"] == "2026-10-10"
    assert agenda["overdue_issues"][0]["overdue"] is True
    assert [i["id"] for i in agenda["new_issues"]] == [dataset["overdue"].pk, dataset["new"].pk]
    assert agenda["previous_meeting"]["id"] == dataset["previous"].pk


def test_agenda_lists_projects_that_should_have_started(dataset):
    agenda = build_agenda(dataset["meeting"])
    assert [(p["project"], p["days_late"]) for p in agenda["not_started"]] == [("QD-004", 41)]


def test_agenda_carries_the_district_ranking(dataset):
    ranking = build_agenda(dataset["meeting"])["ranking"]
    assert ranking["parent"] == "370200"
    assert ranking["period"] == "2026-09"
    assert {row["key"] for row in ranking["rows"]} == {"370202", "370203"}
    assert all({"rank", "name", "score", "movement"} <= set(row) for row in ranking["rows"])


def test_district_agenda_sees_only_its_district(dataset, regions, city_official):
    meeting = meeting_services.meeting_create(
        kind="weekly", region=regions["district"], date=dt.date(2026, 10, 12), actor=city_official
    )
    agenda = build_agenda(meeting)
    assert [p["project"] for p in agenda["colour_projects"]] == ["QD-001"]
    assert [i["id"] for i in agenda["overdue_issues"]] == [dataset["overdue"].pk]
    assert dataset["new"].pk not in [i["id"] for i in agenda["new_issues"]]
    assert agenda["ranking"]["highlight"] == "370202"


def test_a_decision_is_an_assigned_issue_carried_to_next_meetings_until_closed(
    dataset, clock, regions, project, unit, assignee, city_official, district_official
):
    meeting = dataset["meeting"]
    decision = meeting_services.meeting_decide(
        meeting=meeting,
        project=project,
        title="协调解决临时用电",
        category="utilities",
        unit=unit,
        assignee=assignee,
        actor=city_official,
    )
    assert decision.status == IssueStatus.ASSIGNED
    assert decision.meeting == meeting and decision.source == "meeting"
    assert decision.deadline == dt.date(2026, 10, 19)  # 5 working days after Mon 12 Oct
    assert [i["id"] for i in build_agenda(meeting)["decisions"]] == [decision.pk]

    clock.move_to(at(dt.date(2026, 11, 9), 9))
    second = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2026, 11, 9), actor=city_official
    )
    carried = build_agenda(second)["carried_decisions"]
    assert [(i["id"], i["meeting"], i["overdue"]) for i in carried] == [
        (decision.pk, meeting.pk, True)
    ]
    assert decision.pk not in [i["id"] for i in build_agenda(second)["new_issues"]]

    for action, user, note in [
        (Action.START, district_official, ""),
        (Action.RESOLVE, district_official, "已通电"),
        (Action.FEEDBACK, district_official, ""),
        (Action.CLOSE, city_official, ""),
    ]:
        services.issue_transition(issue=decision, action=action, actor=user, note=note)
    clock.move_to(at(dt.date(2026, 12, 7), 9))
    third = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2026, 12, 7), actor=city_official
    )
    assert build_agenda(third)["carried_decisions"] == []


def test_a_decision_on_a_project_outside_the_meeting_region_is_refused(
    dataset, regions, other_project, unit, city_official
):
    from django.core.exceptions import ValidationError

    meeting = meeting_services.meeting_create(
        kind="weekly", region=regions["district"], date=dt.date(2026, 10, 12), actor=city_official
    )
    with pytest.raises(ValidationError) as err:
        meeting_services.meeting_decide(
            meeting=meeting, project=other_project, title="x", unit=unit, actor=city_official
        )
    assert "project" in err.value.message_dict


# --- API -------------------------------------------------------------------------------------


def test_agenda_endpoint_for_the_city_official(dataset, api, city_official):
    response = api(city_official).get(f"/api/v1/meetings/{dataset['meeting'].pk}/agenda/")
    assert response.status_code == 200
    body = response.json()
    assert body["meeting"]["kind_label"] == "月度联席会议"
    assert [p["project"] for p in body["colour_projects"]] == ["QD-001", "QD-002"]


def test_district_officials_cannot_see_a_city_meeting(
    dataset, api, district_official, other_official
):
    url = f"/api/v1/meetings/{dataset['meeting'].pk}/agenda/"
    assert api(district_official).get(url).status_code == 404
    assert api(other_official).get(url).status_code == 404


def test_district_official_sees_own_district_meetings_only(
    dataset, api, regions, city_official, district_official, other_official
):
    own = meeting_services.meeting_create(
        kind="weekly", region=regions["district"], date=dt.date(2026, 10, 12), actor=city_official
    )
    assert [m["id"] for m in api(district_official).get("/api/v1/meetings/").json()["results"]] == [
        own.pk
    ]
    assert api(other_official).get("/api/v1/meetings/").json()["count"] == 0
    assert api(other_official).get(f"/api/v1/meetings/{own.pk}/agenda/").status_code == 404
    assert api().get("/api/v1/meetings/").status_code == 401


def test_meeting_list_query_count_does_not_grow(
    dataset, api, regions, city_official, django_assert_num_queries
):
    client = api(city_official)
    with django_assert_num_queries(3):
        # 1 count, 2 page of meetings with region, chair and decision counts, 3 attendees
        client.get("/api/v1/meetings/")
    for day in range(1, 8):
        meeting_services.meeting_create(
            kind="weekly", region=regions["city"], date=dt.date(2026, 8, day), actor=city_official
        )
    with django_assert_num_queries(3):
        client.get("/api/v1/meetings/")


def test_create_meeting_and_decision_through_the_api(
    dataset, api, regions, unit, assignee, city_official
):
    client = api(city_official)
    response = client.post(
        "/api/v1/meetings/",
        {
            "kind": "weekly",
            "region": "370202",
            "date": "2026-10-12",
            "attendees": [assignee.pk],
            "minutes": "会议纪要",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    meeting = response.json()
    assert meeting["kind_label"] == "周调度" and meeting["attendees"][0]["name"] == "张伟"
    response = client.post(
        f"/api/v1/meetings/{meeting['id']}/decisions/",
        {"project": "QD-001", "title": "协调用地", "category": "land", "unit": unit.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    issue = response.json()
    assert (issue["status"], issue["meeting"], issue["deadline"]) == (
        "assigned",
        meeting["id"],
        "2026-10-19",
    )
    listed = client.get(f"/api/v1/meetings/{meeting['id']}/").json()
    assert (listed["decisions"], listed["open_decisions"]) == (1, 1)
    response = client.patch(
        f"/api/v1/meetings/{meeting['id']}/", {"minutes": "修订纪要"}, format="json"
    )
    assert response.status_code == 200 and response.json()["minutes"] == "修订纪要"


def test_district_official_cannot_hold_a_meeting(dataset, api, district_official):
    response = api(district_official).post(
        "/api/v1/meetings/",
        {"kind": "weekly", "region": "370202", "date": "2026-10-12"},
        format="json",
    )
    assert response.status_code == 403
    assert Meeting.objects.count() == 2


def test_meeting_in_another_district_is_a_400(dataset, api, district_official):
    response = api(district_official).post(
        "/api/v1/meetings/",
        {"kind": "weekly", "region": "370203", "date": "2026-10-12"},
        format="json",
    )
    assert response.status_code == 400
    assert "region" in response.json()


def test_a_frozen_agenda_stays_as_presented(dataset, clock, api, city_official, district_official):
    meeting = dataset["meeting"]
    client = api(city_official)
    assert client.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()["frozen_at"] is None
    refused = api(district_official).post(f"/api/v1/meetings/{meeting.pk}/agenda/freeze/")
    assert refused.status_code == 404  # a city meeting: not even visible to the district
    frozen = client.post(f"/api/v1/meetings/{meeting.pk}/agenda/freeze/")
    assert frozen.status_code == 200 and frozen.json()["frozen_at"]
    ProjectStatus.objects.filter(year=2026, month=9).update(colour="green")
    agenda = client.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()
    assert [p["project"] for p in agenda["colour_projects"]] == ["QD-001", "QD-002"]
    assert build_agenda(meeting)["colour_projects"] == []  # the live data has moved on


def test_a_meeting_uses_the_latest_month_fully_reported_before_its_day(
    dataset, regions, city_official
):
    """October 2026's reporting window is its first 3 working days of November (2, 3, 4):
    a meeting on 4 November still uses September, one on 5 November October — never the
    meeting's own month, though November's colours exist."""
    october = ProjectFactory(code="QD-010", name="十月红色项目", region=regions["district"])
    stored_status(october, 2026, 10, "red", rate="0.1", progress="0.8")

    def period_on(day):
        meeting = meeting_services.meeting_create(
            kind="weekly", region=regions["city"], date=day, actor=city_official
        )
        return build_agenda(meeting)["period"]

    assert period_on(dt.date(2026, 11, 4)) == "2026-09"
    assert period_on(dt.date(2026, 11, 5)) == "2026-10"
    assert period_on(dt.date(2026, 11, 20)) == "2026-10"  # November's own colours: not yet
    assert period_on(dt.date(2026, 12, 20)) == "2026-11"  # once November's window closed


def test_a_frozen_agenda_is_a_record_byte_for_byte(dataset, clock, api, city_official, regions):
    meeting = dataset["meeting"]
    client = api(city_official)
    assert client.post(f"/api/v1/meetings/{meeting.pk}/agenda/freeze/").status_code == 200
    before = client.get(f"/api/v1/meetings/{meeting.pk}/agenda/").content
    # Data arrives after the meeting: a project entered later, a colour changed, a new issue.
    clock.move_to(at(dt.date(2026, 12, 2)))
    late = ProjectFactory(code="QD-020", name="会后导入的项目", region=regions["district"])
    stored_status(late, 2026, 9, "red")
    ProjectStatus.objects.filter(year=2026, month=9).update(colour="green")
    services.issue_create(project=late, title="会后新增问题", category="land", actor=city_official)
    assert client.get(f"/api/v1/meetings/{meeting.pk}/agenda/").content == before
    again = client.post(f"/api/v1/meetings/{meeting.pk}/agenda/freeze/")
    assert again.status_code == 400 and "定稿" in str(again.json())
    assert client.get(f"/api/v1/meetings/{meeting.pk}/agenda/").content == before


def test_a_past_meetings_live_agenda_leaves_out_projects_entered_after_it(dataset, clock, regions):
    clock.move_to(at(dt.date(2026, 12, 2)))
    late = ProjectFactory(code="QD-021", name="会后导入的项目", region=regions["district"])
    stored_status(late, 2026, 9, "red")
    codes = [p["project"] for p in build_agenda(dataset["meeting"])["colour_projects"]]
    assert "QD-021" not in codes and codes == ["QD-001", "QD-002"]


def test_the_nightly_job_freezes_the_agendas_of_past_meetings_only(dataset, clock):
    clock.move_to(at(dt.date(2026, 10, 13), 0))
    from meetings.tasks import freeze_past_agendas

    assert freeze_past_agendas() == 2  # 14 Sep and 12 Oct; nothing is in the future
    assert freeze_past_agendas() == 0  # idempotent
    meeting = Meeting.objects.get(pk=dataset["meeting"].pk)
    assert meeting.agenda["period"] == "2026-09" and meeting.agenda_frozen_at is not None


def test_freezing_from_the_meeting_page(client, dataset, city_official, district_official):
    from django.urls import reverse

    meeting = dataset["meeting"]
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    client.force_login(city_official)
    page = client.get(url).content.decode()
    assert "未定稿" in page and 'id="freeze-agenda"' in page
    response = client.post(reverse("meetings:meeting_freeze", args=[meeting.pk]), follow=True)
    body = response.content.decode()
    assert "已定稿" in body and 'id="freeze-agenda"' not in body
    assert Meeting.objects.get(pk=meeting.pk).agenda is not None
    client.force_login(district_official)  # a city meeting: the district does not see it
    assert client.post(reverse("meetings:meeting_freeze", args=[meeting.pk])).status_code == 404
