"""Who can be put on a record through the API: people and units of the record's district (its
towns) or of a region above it (a city department, a city leader), never of another district.
Someone of another district is a 400 naming the field; and no message names a unit or person
the caller sent from outside their regions — it reads "对象不存在", like an id that does not
exist (issue #10, item 8)."""

from __future__ import annotations

import pytest

from projects.models import Person
from supervision.choices import IssueStatus

pytestmark = pytest.mark.django_db

NOT_FOUND = "对象不存在。"


@pytest.fixture
def stranger(other_unit, regions):
    """A person of 市北区 (another district) with no unit, so only the region rule refuses."""
    return Person.objects.create(name="王市北", region=regions["other"], title="科员")


@pytest.fixture
def city_person(city_unit, regions):
    return Person.objects.create(name="赵市级", unit=city_unit, region=regions["city"])


def messages(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    return body[field]


def assert_names_nothing(response, *objects) -> None:
    text = response.content.decode()
    for obj in objects:
        assert obj.name not in text, text


def transition(client, issue, **body):
    return client.post(
        f"/api/v1/issues/{issue.pk}/transition/", {"action": "assign", **body}, format="json"
    )


# --- Issues: the assigned unit and the assignee ------------------------------------------------
# `reviewer` is 市南区's reviewer, a district role that may assign (交办).


def test_reviewer_cannot_assign_a_unit_of_another_district(
    clock, make_issue, other_unit, api, reviewer
):
    issue = make_issue()
    response = transition(api(reviewer), issue, unit=other_unit.pk)
    assert messages(response, "unit") == [NOT_FOUND]
    assert_names_nothing(response, other_unit)
    issue.refresh_from_db()
    assert (issue.status, issue.assigned_unit_id) == (IssueStatus.COLLECTED, None)


def test_an_unknown_unit_reads_the_same_as_one_of_another_district(
    clock, make_issue, other_unit, api, reviewer
):
    issue = make_issue()
    unknown = transition(api(reviewer), issue, unit=other_unit.pk + 1000)
    foreign = transition(api(reviewer), issue, unit=other_unit.pk)
    assert messages(unknown, "unit") == messages(foreign, "unit")


def test_city_official_cannot_assign_another_districts_unit_to_a_district_project(
    clock, make_issue, other_unit, api, city_official
):
    """The city official may see 市北区's unit, but it cannot serve a 市南区 project."""
    issue = make_issue()
    response = transition(api(city_official), issue, unit=other_unit.pk)
    assert messages(response, "unit")
    assert_names_nothing(response, other_unit)
    issue.refresh_from_db()
    assert issue.assigned_unit_id is None


def test_an_assignee_of_another_district_is_refused(
    clock, make_issue, unit, stranger, api, city_official, reviewer
):
    issue = make_issue()
    by_district = transition(api(reviewer), issue, unit=unit.pk, assignee=stranger.pk)
    assert messages(by_district, "assignee") == [NOT_FOUND]
    by_city = transition(api(city_official), issue, unit=unit.pk, assignee=stranger.pk)
    assert messages(by_city, "assignee")
    assert_names_nothing(by_city, stranger, unit)
    issue.refresh_from_db()
    assert issue.assignee_id is None


def test_an_assignee_of_another_unit_is_refused_without_names(
    clock, make_issue, unit, city_person, api, city_official
):
    issue = make_issue()
    response = transition(api(city_official), issue, unit=unit.pk, assignee=city_person.pk)
    assert messages(response, "assignee")
    assert_names_nothing(response, city_person, unit)


def test_a_city_department_and_own_district_unit_can_be_assigned(
    clock, make_issue, unit, city_unit, city_person, assignee, api, reviewer
):
    client = api(reviewer)
    to_city = transition(client, make_issue(), unit=city_unit.pk, assignee=city_person.pk)
    assert to_city.status_code == 200, to_city.content
    assert to_city.json()["assigned_unit_name"] == city_unit.name
    own = transition(client, make_issue(), unit=unit.pk, assignee=assignee.pk)
    assert own.status_code == 200, own.content
    assert own.json()["assignee_name"] == assignee.name


# --- Meeting decisions, chair and attendees ----------------------------------------------------


@pytest.fixture
def meeting(api, city_official, clock):
    response = api(city_official).post(
        "/api/v1/meetings/",
        {"kind": "weekly", "region": "370202", "date": "2026-09-28"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_decision_cannot_go_to_a_unit_or_person_of_another_district(
    meeting, project, unit, other_unit, stranger, api, city_official
):
    client = api(city_official)
    url = f"/api/v1/meetings/{meeting['id']}/decisions/"
    body = {"project": project.code, "title": "协调用地", "category": "land"}
    to_unit = client.post(url, {**body, "unit": other_unit.pk}, format="json")
    assert messages(to_unit, "unit")
    assert_names_nothing(to_unit, other_unit)
    to_person = client.post(url, {**body, "unit": unit.pk, "assignee": stranger.pk}, format="json")
    assert messages(to_person, "assignee")
    assert_names_nothing(to_person, stranger)
    assert client.get(url).json() == []


def test_a_district_meeting_has_no_chair_or_attendee_of_another_district(
    project, stranger, city_person, api, city_official, clock
):
    client = api(city_official)
    body = {"kind": "weekly", "region": "370202", "date": "2026-09-28"}
    chaired = client.post("/api/v1/meetings/", {**body, "chair": stranger.pk}, format="json")
    assert messages(chaired, "chair")
    attended = client.post(
        "/api/v1/meetings/", {**body, "attendees": [city_person.pk, stranger.pk]}, format="json"
    )
    assert messages(attended, "attendees")
    assert_names_nothing(attended, stranger)
    fine = client.post(
        "/api/v1/meetings/",
        {**body, "chair": city_person.pk, "attendees": [city_person.pk]},
        format="json",
    )
    assert fine.status_code == 201, fine.content


def test_changing_a_meeting_keeps_the_rule(meeting, stranger, api, city_official):
    response = api(city_official).patch(
        f"/api/v1/meetings/{meeting['id']}/", {"attendees": [stranger.pk]}, format="json"
    )
    assert messages(response, "attendees")


# --- Inspections -------------------------------------------------------------------------------


def test_inspectors_come_from_the_projects_district_or_above(
    clock, project, stranger, city_person, api, city_official, district_official
):
    body = {"project": project.code, "date": "2026-09-28", "summary": "现场查看"}
    by_city = api(city_official).post(
        "/api/v1/inspections/", {**body, "inspectors": [stranger.pk]}, format="json"
    )
    assert messages(by_city, "inspectors")
    by_district = api(district_official).post(
        "/api/v1/inspections/", {**body, "inspectors": [stranger.pk]}, format="json"
    )
    assert messages(by_district, "inspectors")
    assert_names_nothing(by_district, stranger)
    fine = api(district_official).post(
        "/api/v1/inspections/", {**body, "inspectors": [city_person.pk]}, format="json"
    )
    assert fine.status_code == 201, fine.content


# --- The project's chain and its responsible unit ----------------------------------------------


def test_chain_members_come_from_the_projects_district_or_above(
    project, stranger, city_person, api, city_official, district_official
):
    url = f"/api/v1/projects/{project.code}/chain/"
    by_city = api(city_official).post(url, {"role": "leader", "person": stranger.pk})
    assert messages(by_city, "person")
    by_district = api(district_official).post(url, {"role": "leader", "person": stranger.pk})
    assert messages(by_district, "person") == [NOT_FOUND]
    assert_names_nothing(by_district, stranger)
    # 市级领导分包: a district official may put a city leader on the chain.
    city_leader = api(district_official).post(url, {"role": "leader", "person": city_person.pk})
    assert city_leader.status_code == 201, city_leader.content


def test_responsible_unit_comes_from_the_projects_district_or_above(
    project, other_unit, city_unit, api, city_official, district_official
):
    url = f"/api/v1/projects/{project.code}/"
    by_city = api(city_official).patch(
        url, {"responsible_unit": other_unit.pk, "version": 1}, format="json"
    )
    assert messages(by_city, "responsible_unit")
    by_district = api(district_official).patch(
        url, {"responsible_unit": other_unit.pk, "version": 1}, format="json"
    )
    assert messages(by_district, "responsible_unit") == [NOT_FOUND]
    assert_names_nothing(by_district, other_unit)
    project.refresh_from_db()
    assert (project.responsible_unit_id, project.version) == (None, 1)
    city = api(district_official).patch(
        url, {"responsible_unit": city_unit.pk, "version": 1}, format="json"
    )
    assert city.status_code == 200, city.content
    assert city.json()["responsible_unit"]["name"] == city_unit.name


def test_a_new_project_cannot_get_another_districts_unit(regions, other_unit, api, city_official):
    response = api(city_official).post(
        "/api/v1/projects/",
        {
            "code": "SN-NEW-1",
            "name": "新项目",
            "region": regions["district"].code,
            "level": "district",
            "responsible_unit": other_unit.pk,
        },
        format="json",
    )
    assert messages(response, "responsible_unit")


def test_moving_a_project_to_another_district_keeps_its_unit_honest(
    project, unit, regions, api, city_official
):
    """A project moved to 市北区 cannot keep 市南区's unit as its responsible unit."""
    project.responsible_unit = unit
    project.save()
    response = api(city_official).patch(
        f"/api/v1/projects/{project.code}/",
        {"region": regions["other"].code, "version": project.version},
        format="json",
    )
    assert messages(response, "responsible_unit")


# --- Figures of a region outside the caller's ---------------------------------------------------


def test_refused_summary_does_not_name_the_region(regions, api, district_official):
    response = api(district_official).get("/api/v1/summary/", {"region": regions["other"].code})
    assert response.status_code == 403
    assert regions["other"].name not in response.content.decode()
    assert "detail" in response.json()
