"""Stage moves, annual plans and their revisions, the chain (with a person created inline),
withdrawal requests and their review queue, and the search box — each page through its
service, scoped to the official's district."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from projects import services
from projects.choices import Role, Stage, WithdrawalStatus
from projects.models import (
    ChainAssignment,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    StageChange,
    Withdrawal,
)
from tests.factories import PersonFactory, ProjectFactory, UnitFactory, UserFactory, chain_role

pytestmark = pytest.mark.django_db

PROJECT_ROUTES = [
    "project_edit",
    "project_stage",
    "project_plan",
    "project_chain",
    "project_withdrawal",
]


# --- Access, every route ---------------------------------------------------------------


@pytest.mark.parametrize("name", PROJECT_ROUTES)
def test_another_districts_project_is_not_found_by_any_route(
    client, district_official, other_project, name
):
    client.force_login(district_official)
    url = reverse(f"projects:{name}", args=[other_project.code])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"reason": "x", "stage": "completed", "on": "2024-11-01"}).status_code
        == 404
    )
    other_project.refresh_from_db()
    assert (other_project.version, other_project.stage) == (1, Stage.CONSTRUCTION)
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("name", PROJECT_ROUTES)
def test_a_viewer_of_the_district_cannot_open_the_forms(client, viewer, project, name):
    client.force_login(viewer)
    assert client.get(reverse(f"projects:{name}", args=[project.code])).status_code == 404


@pytest.mark.parametrize("name", PROJECT_ROUTES)
def test_the_district_official_opens_every_form(client, district_official, project, name):
    client.force_login(district_official)
    assert client.get(reverse(f"projects:{name}", args=[project.code])).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, project):
    for name in PROJECT_ROUTES:
        response = client.get(reverse(f"projects:{name}", args=[project.code]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Stage moves ------------------------------------------------------------------------


def test_stage_move_records_a_stage_change_and_bumps_the_version(
    client, district_official, regions
):
    project = ProjectFactory(
        code="SN-R", region=regions["district"], stage=Stage.SIGNED, actual_start=None
    )
    client.force_login(district_official)
    response = client.post(
        reverse("projects:project_stage", args=[project.code]),
        {"stage": Stage.CONSTRUCTION, "on": "2024-11-05", "note": "举行开工仪式"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.actual_start, project.version) == (
        Stage.CONSTRUCTION,
        dt.date(2024, 11, 5),
        2,
    )
    [change] = StageChange.objects.filter(project=project)
    assert (change.from_stage, change.to_stage, change.note, change.changed_by) == (
        Stage.SIGNED,
        Stage.CONSTRUCTION,
        "举行开工仪式",
        district_official,
    )
    assert project.history.first().history_user == district_official


def test_withdrawal_is_not_a_stage_move(client, district_official, project):
    client.force_login(district_official)
    response = client.post(
        reverse("projects:project_stage", args=[project.code]),
        {"stage": Stage.WITHDRAWN, "on": "2024-11-05"},
    )
    assert "stage" in response.context["form"].errors
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    assert not StageChange.objects.filter(project=project).exists()


def test_a_stage_move_without_a_date_changes_nothing(client, district_official, project):
    client.force_login(district_official)
    response = client.post(
        reverse("projects:project_stage", args=[project.code]), {"stage": Stage.COMPLETED}
    )
    assert "on" in response.context["form"].errors
    project.refresh_from_db()
    assert (project.stage, project.version) == (Stage.CONSTRUCTION, 1)


# --- Annual plan ------------------------------------------------------------------------


def plan_url(project) -> str:
    return reverse("projects:project_plan", args=[project.code])


def test_set_then_revise_the_plan_with_a_reason_keeps_the_original(
    client, district_official, project
):
    client.force_login(district_official)
    first = client.post(plan_url(project), {"year": 2024, "annual_plan": "1200", "new_start": "on"})
    assert first.status_code == 302
    revised = client.post(
        plan_url(project), {"year": 2024, "annual_plan": "800", "reason": "征地延期，调减"}
    )
    assert revised.status_code == 302
    py = ProjectYear.objects.get(project=project, year=2024)
    assert (py.original_plan, py.annual_plan, py.new_start) == (
        Decimal("1200.00"),
        Decimal("800.00"),
        False,
    )
    [revision] = PlanRevision.objects.filter(project_year=py)
    assert (revision.previous_plan, revision.new_plan, revision.reason, revision.revised_by) == (
        Decimal("1200.00"),
        Decimal("800.00"),
        "征地延期，调减",
        district_official,
    )
    latest = py.history.first()
    assert (latest.annual_plan, latest.history_user) == (Decimal("800.00"), district_official)
    body = client.get(plan_url(project) + "?year=2024").content.decode()
    assert "征地延期，调减" in body and "1,200.00" in body and "800.00" in body


def test_the_plan_page_leaves_the_same_records_as_the_api(client, district_official, project):
    from rest_framework.test import APIClient

    twin = ProjectFactory(code="QD-T", region=project.region)
    api = APIClient()
    api.force_authenticate(district_official)
    years = f"/api/v1/projects/{twin.code}/years/"
    assert api.post(years, {"year": 2024, "annual_plan": "1200"}, format="json").status_code == 200
    revised = api.patch(f"{years}2024/", {"annual_plan": "800", "reason": "调减"}, format="json")
    assert revised.status_code == 200, revised.content
    client.force_login(district_official)
    client.post(plan_url(project), {"year": 2024, "annual_plan": "1200"})
    client.post(plan_url(project), {"year": 2024, "annual_plan": "800", "reason": "调减"})
    page_py = ProjectYear.objects.get(project=project)
    api_py = ProjectYear.objects.get(project=twin)
    assert [(h.history_type, h.annual_plan, h.original_plan) for h in page_py.history.all()] == [
        (h.history_type, h.annual_plan, h.original_plan) for h in api_py.history.all()
    ]
    assert page_py.revisions.count() == api_py.revisions.count() == 1


def test_a_revision_without_a_reason_is_refused_and_changes_nothing(
    client, district_official, project
):
    services.project_year_set(project=project, year=2024, annual_plan=Decimal("1200"))
    client.force_login(district_official)
    response = client.post(plan_url(project), {"year": 2024, "annual_plan": "800"})
    assert response.status_code == 200
    assert "须填写调整原因" in str(response.context["form"].errors["annual_plan"])
    py = ProjectYear.objects.get(project=project, year=2024)
    assert (py.annual_plan, py.revisions.count()) == (Decimal("1200.00"), 0)


def test_a_negative_plan_is_refused(client, district_official, project):
    client.force_login(district_official)
    response = client.post(plan_url(project), {"year": 2024, "annual_plan": "-1"})
    assert "annual_plan" in response.context["form"].errors
    assert not ProjectYear.objects.exists()


# --- Chain ------------------------------------------------------------------------------


def chain_url(project) -> str:
    return reverse("projects:project_chain", args=[project.code])


def test_hand_over_a_role_ends_the_previous_term(client, district_official, project, regions):
    old = PersonFactory(name="张三", region=regions["district"])
    new = PersonFactory(name="李四", region=regions["district"])
    services.chain_assign(
        project=project, role=chain_role("leader"), person=old, on=dt.date(2024, 1, 1)
    )
    client.force_login(district_official)
    response = client.post(
        chain_url(project),
        {"role": chain_role("leader").pk, "person": new.pk, "on": "2024-11-01"},
    )
    assert response.status_code == 302
    rows = ChainAssignment.objects.filter(project=project).order_by("start_date")
    assert [(a.person.name, a.start_date, a.end_date) for a in rows] == [
        ("张三", dt.date(2024, 1, 1), dt.date(2024, 11, 1)),
        ("李四", dt.date(2024, 11, 1), None),
    ]
    assert rows.last().history.first().history_user == district_official
    page = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert "张三" in page and "李四" in page


def test_a_city_leader_may_serve_but_not_a_person_of_another_district(
    client, city_official, project, regions
):
    city_leader = PersonFactory(name="市领导", region=regions["city"])
    outsider = PersonFactory(name="外区人员", region=regions["other"])
    client.force_login(city_official)
    form = client.get(chain_url(project)).context["form"]
    offered = set(form.fields["person"].queryset)
    assert city_leader in offered and outsider not in offered
    response = client.post(
        chain_url(project),
        {"role": chain_role("leader").pk, "person": outsider.pk, "on": "2024-11-01"},
    )
    assert "person" in response.context["form"].errors
    assert not ChainAssignment.objects.exists()
    client.post(
        chain_url(project),
        {"role": chain_role("leader").pk, "person": city_leader.pk, "on": "2024-11-01"},
    )
    assert ChainAssignment.objects.get().person == city_leader


def test_create_a_person_inline_and_hand_the_role_to_them(
    client, district_official, project, regions
):
    unit = UnitFactory(name="市南区发改局", region=regions["district"])
    client.force_login(district_official)
    response = client.post(
        chain_url(project),
        {
            "role": chain_role("staff").pk,
            "on": "2024-11-01",
            "new_name": "王五",
            "new_unit": unit.pk,
            "new_title": "科员",
            "new_phone": "0532-88000000",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="王五")
    assert (person.unit, person.region, person.title, person.phone) == (
        unit,
        regions["district"],
        "科员",
        "0532-88000000",
    )
    assert person.history.first().history_user == district_official
    assert ChainAssignment.objects.get(project=project).person == person


def test_a_new_person_without_a_unit_is_refused_and_nobody_is_created(
    client, district_official, project
):
    client.force_login(district_official)
    response = client.post(
        chain_url(project), {"role": chain_role("staff").pk, "on": "2024-11-01", "new_name": "王五"}
    )
    assert "new_unit" in response.context["form"].errors
    assert not Person.objects.filter(name="王五").exists()
    assert not ChainAssignment.objects.exists()


def test_person_create_checks_access(district_official, regions):
    unit = UnitFactory(region=regions["other"])
    with pytest.raises(services.PermissionDenied):
        services.person_create(name="王五", unit=unit, actor=district_official)
    viewer = UserFactory(username="v2", role=Role.VIEWER, region=regions["other"])
    with pytest.raises(services.PermissionDenied):
        services.person_create(name="王五", unit=unit, actor=viewer)
    assert not Person.objects.exists()


def test_person_create_validates(district_official, regions):
    unit = UnitFactory(region=regions["district"])
    with pytest.raises(services.ValidationError) as exc:
        services.person_create(name="  ", unit=unit, actor=district_official)
    assert "name" in exc.value.message_dict
    person = services.person_create(
        name=" 赵六 ", unit=unit, title="主任", phone="138", actor=district_official
    )
    assert (person.name, person.region, person.unit) == ("赵六", regions["district"], unit)


# --- Withdrawal -------------------------------------------------------------------------


def test_request_withdrawal_with_a_reason(client, district_official, project):
    client.force_login(district_official)
    url = reverse("projects:project_withdrawal", args=[project.code])
    blank = client.post(url, {"reason": "  "})
    assert "reason" in blank.context["form"].errors
    assert not Withdrawal.objects.exists()
    response = client.post(url, {"reason": "企业资金链断裂，项目终止"})
    assert response.status_code == 302
    detail = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert 'id="pending-withdrawal"' in detail
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.status, withdrawal.requested_by, withdrawal.reason) == (
        WithdrawalStatus.PENDING,
        district_official,
        "企业资金链断裂，项目终止",
    )
    again = client.post(url, {"reason": "再次申请"})
    assert again.status_code == 200 and Withdrawal.objects.count() == 1
    assert "已有待审核" in again.content.decode()


def queue(client):
    return client.get(reverse("projects:withdrawal_queue"))


def test_the_reviewer_approves_from_the_queue_and_the_project_is_frozen(
    client, district_official, reviewer, project
):
    withdrawal = services.withdrawal_request(
        project=project, reason="项目终止", actor=district_official
    )
    client.force_login(reviewer)
    page = queue(client)
    assert page.status_code == 200 and [w.pk for w in page.context["pending"]] == [withdrawal.pk]
    response = client.post(
        reverse("projects:withdrawal_review", args=[withdrawal.pk]),
        {"decision": "approve", "note": "同意退库"},
    )
    assert response.status_code == 302
    withdrawal.refresh_from_db()
    project.refresh_from_db()
    assert (withdrawal.status, withdrawal.reviewer, withdrawal.review_note) == (
        WithdrawalStatus.APPROVED,
        reviewer,
        "同意退库",
    )
    assert (project.stage, withdrawal.previous_stage) == (Stage.WITHDRAWN, Stage.CONSTRUCTION)
    assert StageChange.objects.filter(project=project, to_stage=Stage.WITHDRAWN).exists()
    # Frozen: the services refuse, the pages offer nothing.
    with pytest.raises(services.ValidationError):
        services.project_update(project=project, actor=district_official, name="x")
    client.force_login(district_official)
    detail = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert "同意退库" in detail  # 变更记录
    assert reverse("projects:project_edit", args=[project.code]) not in detail


def test_reject_keeps_the_project(client, district_official, reviewer, project):
    withdrawal = services.withdrawal_request(project=project, reason="x", actor=district_official)
    client.force_login(reviewer)
    client.post(
        reverse("projects:withdrawal_review", args=[withdrawal.pk]),
        {"decision": "reject", "note": "理由不充分"},
    )
    withdrawal.refresh_from_db()
    project.refresh_from_db()
    assert (withdrawal.status, project.stage) == (WithdrawalStatus.REJECTED, Stage.CONSTRUCTION)


def test_the_requester_can_never_review_their_own(client, reviewer, project):
    withdrawal = services.withdrawal_request(project=project, reason="x", actor=reviewer)
    client.force_login(reviewer)
    page = queue(client).content.decode()
    assert reverse("projects:withdrawal_review", args=[withdrawal.pk]) not in page
    assert "须由其他审核人审核" in page
    response = client.post(
        reverse("projects:withdrawal_review", args=[withdrawal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    withdrawal.refresh_from_db()
    project.refresh_from_db()
    assert (withdrawal.status, project.stage) == (WithdrawalStatus.PENDING, Stage.CONSTRUCTION)


def test_the_queue_is_for_reviewers_of_the_district(
    client, district_official, project, other_project, regions
):
    withdrawal = services.withdrawal_request(project=project, reason="x", actor=district_official)
    client.force_login(district_official)  # an official, not a reviewer
    assert queue(client).status_code == 403
    review = reverse("projects:withdrawal_review", args=[withdrawal.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 403
    other_reviewer = UserFactory(username="r2", role=Role.REVIEWER, region=regions["other"])
    client.force_login(other_reviewer)
    assert queue(client).context["pending"] == []
    assert client.post(review, {"decision": "approve"}).status_code == 404
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING


# --- Search -----------------------------------------------------------------------------


def test_search_by_code_or_name_within_scope(client, district_official, project, other_project):
    ProjectFactory(code="QD-010", name="市南区冷链物流园", region=project.region)
    client.force_login(district_official)
    found = client.get(reverse("projects:search"), {"q": "市"}).context["projects"]
    assert [p.code for p in found] == ["QD-001", "QD-010"]  # not 市北区测试项目
    by_code = client.get(reverse("projects:search"), {"q": "qd-01"}).context["projects"]
    assert [p.code for p in by_code] == ["QD-010"]
    exact = client.get(reverse("projects:search"), {"q": "QD-001"})
    assert exact.status_code == 302
    assert exact["Location"] == reverse("web:project_detail", args=["QD-001"])
    hidden = client.get(reverse("projects:search"), {"q": "QD-002"})
    assert hidden.status_code == 200 and hidden.context["projects"] == []


def test_the_header_has_the_search_box(client, district_official, project):
    client.force_login(district_official)
    body = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert f'action="{reverse("projects:search")}"' in body


def test_project_page_change_log_shows_plan_chain_and_withdrawal(
    client, district_official, project, regions
):
    services.project_year_set(
        project=project, year=2024, annual_plan=Decimal("900"), actor=district_official
    )
    services.chain_assign(
        project=project,
        role=chain_role("leader"),
        person=PersonFactory(name="周七", region=regions["district"]),
        on=dt.date(2024, 5, 1),
        actor=district_official,
    )
    services.withdrawal_request(project=project, reason="规划调整", actor=district_official)
    client.force_login(district_official)
    history = client.get(reverse("web:project_detail", args=[project.code])).context["history"]
    titles = {e["what"] for e in history}
    assert {"2024年度计划", "责任链", "退库申请"} <= titles
    assert Project.objects.get(pk=project.pk).version == 1


# --- English ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "english", "chinese"),
    [
        (
            "project_edit",
            ["Edit project", "Back to the project", "Save"],
            ["编辑项目", "返回项目页"],
        ),
        ("project_stage", ["Move stage", "Stage moves"], ["变更阶段", "阶段变更记录"]),
        ("project_plan", ["Save plan", "New start this year"], ["保存计划", "当年新开工项目"]),
        ("project_chain", ["Hand over a chain role", "New person: name"], ["交接责任角色"]),
        ("project_withdrawal", ["Request withdrawal"], ["申请退库", "退库须写明书面原因"]),
    ],
)
def test_the_ledger_pages_in_english(client, district_official, project, name, english, chinese):
    client.force_login(district_official)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse(f"projects:{name}", args=[project.code])).content.decode()
    assert [text for text in english if text not in body] == []
    assert [text for text in chinese if text in body] == []


def test_the_queue_and_search_in_english(client, reviewer, district_official, project):
    services.withdrawal_request(project=project, reason="x", actor=district_official)
    client.force_login(reviewer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("projects:withdrawal_queue")).content.decode()
    assert "Approve withdrawal" in body and "1 waiting for review" in body
    assert "批准退库" not in body
    found = client.get(reverse("projects:search"), {"q": "市南"}).content.decode()
    assert "1 project found" in found and "Search projects" in found


# --- Query counts -----------------------------------------------------------------------


def queries_of(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_for_one_request_or_many(
    client, district_official, reviewer, regions
):
    """Session and user, the pending requests (with project, requester and reviewer joined),
    the latest decisions (joined likewise): no query per row."""
    projects = [ProjectFactory(region=regions["district"]) for _ in range(6)]
    services.withdrawal_request(project=projects[0], reason="x", actor=district_official)
    client.force_login(reviewer)
    one = queries_of(client, reverse("projects:withdrawal_queue"))
    for p in projects[1:4]:
        services.withdrawal_request(project=p, reason="x", actor=district_official)
    for p in projects[4:]:
        w = services.withdrawal_request(project=p, reason="x", actor=district_official)
        services.withdrawal_review(withdrawal=w, actor=reviewer, approve=False, note="n")
    assert queries_of(client, reverse("projects:withdrawal_queue")) == one


def test_search_costs_the_same_queries_for_one_result_or_many(client, district_official, regions):
    ProjectFactory(code="ZZ-1", name="港口项目", region=regions["district"])
    client.force_login(district_official)
    one = queries_of(client, reverse("projects:search"), {"q": "港口"})
    for i in range(2, 8):
        ProjectFactory(code=f"ZZ-{i}", name=f"港口项目{i}", region=regions["district"])
    assert queries_of(client, reverse("projects:search"), {"q": "港口"}) == one
