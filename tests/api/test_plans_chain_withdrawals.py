"""/projects/{code}/years/ (plans and revisions), /chain/ (四包一), withdrawal (退库) request and
review: access, the service rules seen through the API, bad input."""

import datetime as dt
from decimal import Decimal

import pytest

from projects import services
from projects.choices import Role, Stage, WithdrawalStatus
from projects.models import ChainAssignment, PlanRevision, ProjectYear, Withdrawal
from tests.factories import PersonFactory, ProjectYearFactory, UserFactory, chain_role

pytestmark = pytest.mark.django_db


def url(code: str, tail: str) -> str:
    return f"/api/v1/projects/{code}/{tail}"


# --- Annual plans ------------------------------------------------------------------------------


def test_years_show_the_original_plan_beside_the_revised_one(
    client_for, district_official, project
):
    services.project_year_set(project=project, year=2024, annual_plan=Decimal("1200"))
    services.project_year_set(
        project=project,
        year=2024,
        annual_plan=Decimal("800"),
        reason="征地延期，调减",
        actor=district_official,
    )
    response = client_for(district_official).get(url(project.code, "years/"))
    assert response.status_code == 200
    [year] = response.json()
    assert (year["year"], year["annual_plan"], year["original_plan"], year["is_revised"]) == (
        2024,
        "800.00",
        "1200.00",
        True,
    )
    [revision] = year["revisions"]
    assert (revision["previous_plan"], revision["new_plan"], revision["reason"]) == (
        "1200.00",
        "800.00",
        "征地延期，调减",
    )
    assert revision["revised_by"]["username"] == district_official.username


def test_setting_a_first_plan_then_revising_it_needs_a_reason(
    client_for, district_official, project
):
    client = client_for(district_official)
    first = client.post(
        url(project.code, "years/"), {"year": 2025, "annual_plan": "3000"}, format="json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["original_plan"] == "3000.00"

    no_reason = client.patch(url(project.code, "years/2025/"), {"annual_plan": "2000"})
    assert no_reason.status_code == 400
    assert "annual_plan" in no_reason.json()

    revised = client.patch(
        url(project.code, "years/2025/"),
        {"annual_plan": "2000", "reason": "资金到位推迟"},
        format="json",
    )
    assert revised.status_code == 200, revised.content
    assert (revised.json()["annual_plan"], revised.json()["original_plan"]) == (
        "2000.00",
        "3000.00",
    )
    assert PlanRevision.objects.get().reason == "资金到位推迟"


def test_a_json_list_as_a_plan_revision_is_400(client_for, district_official, project):
    """(schemathesis found `[null, null]` as the body a 500)"""
    ProjectYearFactory(project=project, year=2025)
    response = client_for(district_official).patch(
        url(project.code, "years/2025/"), [None, None], format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_revising_a_year_without_a_plan_is_404(client_for, district_official, project):
    response = client_for(district_official).patch(
        url(project.code, "years/2030/"), {"annual_plan": "1", "reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not ProjectYear.objects.exists()


def test_bad_plan_input_is_400(client_for, district_official, project):
    client = client_for(district_official)
    for body, field in (
        ({"year": 2025, "annual_plan": "-1"}, "annual_plan"),
        ({"year": 2025, "annual_plan": "many"}, "annual_plan"),
        ({"annual_plan": "1"}, "year"),
        ({"year": 3000}, "year"),
    ):
        response = client.post(url(project.code, "years/"), body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), body


def test_plans_are_scoped(client_for, other_official, viewer, anonymous, project):
    ProjectYearFactory(project=project)
    assert client_for(other_official).get(url(project.code, "years/")).status_code == 404
    denied = client_for(other_official).post(
        url(project.code, "years/"), {"year": 2025, "annual_plan": "1"}, format="json"
    )
    assert denied.status_code == 404
    readonly = client_for(viewer)
    assert readonly.get(url(project.code, "years/")).status_code == 200
    forbidden = readonly.post(
        url(project.code, "years/"), {"year": 2025, "annual_plan": "1"}, format="json"
    )
    assert forbidden.status_code == 403
    assert anonymous.get(url(project.code, "years/")).status_code == 401
    assert ProjectYear.objects.count() == 1


# --- Chain -------------------------------------------------------------------------------------


def test_chain_shows_current_members_and_history(client_for, city_official, project):
    first = PersonFactory(region=project.region, name="张三")
    second = PersonFactory(region=project.region, name="李四")
    services.chain_assign(
        project=project, role=chain_role("leader"), person=first, on=dt.date(2024, 1, 1)
    )
    services.chain_assign(
        project=project, role=chain_role("leader"), person=second, on=dt.date(2024, 7, 1)
    )
    response = client_for(city_official).get(url(project.code, "chain/"))
    assert response.status_code == 200
    data = response.json()
    assert [(m["role"], m["person"]["name"], m["end_date"]) for m in data["current"]] == [
        ("leader", "李四", None)
    ]
    assert [(m["person"]["name"], m["end_date"]) for m in data["history"]] == [
        ("张三", "2024-07-01")
    ]


def test_assigning_a_person_replaces_the_holder(client_for, district_official, project):
    before = PersonFactory(region=project.region)
    after = PersonFactory(region=project.region, name="王五")
    services.chain_assign(
        project=project, role=chain_role("staff"), person=before, on=dt.date(2024, 1, 1)
    )
    response = client_for(district_official).post(
        url(project.code, "chain/"),
        {"role": "staff", "person": after.pk, "start_date": "2024-09-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["name"] == "王五"
    current = ChainAssignment.objects.get(project=project, role__code="staff", end_date=None)
    assert current.person == after
    assert ChainAssignment.objects.get(person=before).end_date == dt.date(2024, 9, 1)


def test_a_person_of_another_district_cannot_join_the_chain(
    client_for, district_official, regions, project
):
    stranger = PersonFactory(region=regions["other"])
    response = client_for(district_official).post(
        url(project.code, "chain/"), {"role": "leader", "person": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()
    assert not ChainAssignment.objects.exists()


def test_bad_chain_input_is_400(client_for, district_official, project):
    person = PersonFactory(region=project.region)
    client = client_for(district_official)
    for body, field in (
        ({"role": "emperor", "person": person.pk}, "role"),
        ({"role": "leader", "person": "x"}, "person"),
        ({"role": "leader", "person": person.pk, "start_date": "soon"}, "start_date"),
    ):
        response = client.post(url(project.code, "chain/"), body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()


def test_chain_is_scoped(client_for, other_official, viewer, project):
    person = PersonFactory(region=project.region)
    assert client_for(other_official).get(url(project.code, "chain/")).status_code == 404
    body = {"role": "leader", "person": person.pk}
    assert client_for(other_official).post(url(project.code, "chain/"), body).status_code == 404
    assert client_for(viewer).post(url(project.code, "chain/"), body).status_code == 403
    assert not ChainAssignment.objects.exists()


# --- Withdrawal (退库) ---------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_and_a_reviewers_approval(
    client_for, district_official, reviewer, project
):
    no_reason = client_for(district_official).post(
        url(project.code, "withdrawal/"), {"reason": "  "}, format="json"
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()

    requested = client_for(district_official).post(
        url(project.code, "withdrawal/"), {"reason": "企业投资意向变化，项目终止"}, format="json"
    )
    assert requested.status_code == 201, requested.content
    withdrawal_id = requested.json()["id"]
    assert requested.json()["status"] == "pending"
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION

    again = client_for(district_official).post(
        url(project.code, "withdrawal/"), {"reason": "重复"}, format="json"
    )
    assert again.status_code == 400

    review = client_for(reviewer).post(
        f"/api/v1/withdrawals/{withdrawal_id}/review/",
        {"approve": True, "note": "同意"},
        format="json",
    )
    assert review.status_code == 200, review.content
    assert review.json()["status"] == "approved"
    project.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN


def test_requester_cannot_review_their_own_withdrawal(client_for, regions, project):
    both = UserFactory(username="both", role=Role.REVIEWER, region=regions["district"])
    withdrawal = services.withdrawal_request(project=project, reason="终止", actor=both)
    response = client_for(both).post(
        f"/api/v1/withdrawals/{withdrawal.pk}/review/", {"approve": True}, format="json"
    )
    assert response.status_code == 400
    assert "reviewer" in response.json()
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING


def test_only_reviewers_of_the_region_review(
    client_for, district_official, other_official, regions, project
):
    withdrawal = services.withdrawal_request(
        project=project, reason="终止", actor=district_official
    )
    review = f"/api/v1/withdrawals/{withdrawal.pk}/review/"
    assert client_for(district_official).post(review, {"approve": True}).status_code == 403
    other_reviewer = UserFactory(username="r2", role=Role.REVIEWER, region=regions["other"])
    assert client_for(other_reviewer).post(review, {"approve": True}).status_code == 404
    assert client_for(other_official).get("/api/v1/withdrawals/").json()["count"] == 0
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING


def test_rejected_withdrawal_leaves_the_project_as_it_was(
    client_for, district_official, reviewer, project
):
    withdrawal = services.withdrawal_request(
        project=project, reason="终止", actor=district_official
    )
    response = client_for(reviewer).post(
        f"/api/v1/withdrawals/{withdrawal.pk}/review/",
        {"approve": False, "note": "理由不充分"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    listed = client_for(district_official).get("/api/v1/withdrawals/", {"status": "rejected"})
    assert [w["id"] for w in listed.json()["results"]] == [withdrawal.pk]


def test_withdrawal_request_is_scoped(client_for, other_official, viewer, project):
    body = {"reason": "终止"}
    assert client_for(other_official).post(url(project.code, "withdrawal/"), body).status_code == (
        404
    )
    assert client_for(viewer).post(url(project.code, "withdrawal/"), body).status_code == 403
    assert not Withdrawal.objects.exists()
