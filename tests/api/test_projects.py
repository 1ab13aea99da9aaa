"""/api/v1/projects/ and /api/v1/projects/{code}/: access, the fields a project carries, filters,
writes with optimistic locking, bad input, and a constant number of queries per page."""

import datetime as dt
from decimal import Decimal

import pytest

from assessment.choices import Colour
from projects import services
from projects.choices import Level, Stage
from projects.models import Project, ProjectYear, StageChange
from tests.api.helpers import add_status, dress
from tests.factories import ProjectFactory, ProjectYearFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


def detail(code: str) -> str:
    return f"/api/v1/projects/{code}/"


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


# --- Access -----------------------------------------------------------------------------------


def test_anonymous_gets_401_with_a_token_challenge(anonymous, project):
    for url in (LIST, detail(project.code)):
        response = anonymous.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
    assert anonymous.post(LIST, {"code": "X"}, format="json").status_code == 401
    assert anonymous.patch(detail(project.code), {}, format="json").status_code == 401


def test_token_authentication_works(token_client_for, district_official, project):
    client = token_client_for(district_official)
    assert codes(client.get(LIST)) == {project.code}
    assert client.get(detail(project.code)).status_code == 200


def test_a_wrong_token_is_401(anonymous, project):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anonymous.get(LIST).status_code == 401


def test_city_official_sees_projects_of_every_district_of_the_city(
    client_for, city_official, project, other_project
):
    assert codes(client_for(city_official).get(LIST)) == {project.code, other_project.code}


def test_district_official_sees_only_their_district(
    client_for, district_official, project, other_project
):
    assert codes(client_for(district_official).get(LIST)) == {project.code}


def test_official_of_another_district_gets_404_and_no_list_row(
    client_for, other_official, project, other_project
):
    client = client_for(other_official)
    assert codes(client.get(LIST)) == {other_project.code}
    assert client.get(detail(project.code)).status_code == 404
    response = client.patch(detail(project.code), {"name": "改名"}, format="json")
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.name == "市南区测试项目"


def test_viewer_and_leader_cannot_write(client_for, viewer, leader_user, project, regions):
    for reader in (viewer, leader_user):
        client = client_for(reader)
        assert client.get(detail(project.code)).status_code == 200
        created = client.post(
            LIST,
            {
                "code": "NEW-1",
                "name": "新项目",
                "region": regions["district"].code,
                "level": "city",
            },
            format="json",
        )
        assert created.status_code == 403
        changed = client.patch(detail(project.code), {"name": "改名"}, format="json")
        assert changed.status_code == 403
    assert not Project.objects.filter(code="NEW-1").exists()
    project.refresh_from_db()
    assert project.name == "市南区测试项目"


def test_city_official_can_change_a_district_project(client_for, city_official, project):
    response = client_for(city_official).patch(
        detail(project.code), {"name": "市级调整名称", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "市级调整名称"


def test_projects_are_never_deleted_nor_replaced_whole(client_for, city_official, project):
    client = client_for(city_official)
    assert client.delete(detail(project.code)).status_code == 405
    assert client.put(detail(project.code), {"name": "x"}, format="json").status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()


def test_superuser_sees_every_region(client_for, regions, project, other_project):
    far = ProjectFactory(code="JN-001", region=regions["other_city_district"])
    root = UserFactory(username="root", is_superuser=True, is_staff=True, region=None)
    assert codes(client_for(root).get(LIST)) == {project.code, other_project.code, far.code}


def test_user_without_region_sees_nothing(client_for, regions, project):
    nobody = UserFactory(username="nobody", region=None)
    client = client_for(nobody)
    assert codes(client.get(LIST)) == set()
    assert client.get(detail(project.code)).status_code == 404


# --- What a project carries --------------------------------------------------------------------


def test_project_carries_ledger_chain_and_status_of_the_latest_period(
    client_for, district_official, project
):
    people = dress(project)
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200.00"))
    add_status(project, 2024, 9, colour=Colour.YELLOW, rate="0.61", progress="0.75")
    add_status(project, 2024, 10, colour=Colour.RED, rate="0.4", progress="0.833333")

    response = client_for(district_official).get(detail(project.code))

    assert response.status_code == 200
    assert response["ETag"] == f'"{project.version}"'
    data = response.json()
    assert data["region"] == {"code": "370202", "name": "市南区"}
    assert data["town"] is None
    assert (data["level"], data["level_label"]) == ("district", "区重点")
    assert (data["stage"], data["stage_label"]) == ("construction", "在建")
    assert {c["code"] for c in data["categories"]} == {"manufacturing", "four_new"}
    assert data["total_investment"] == "10000.00"
    assert data["actual_start"] == "2024-03-01"
    assert data["in_statistics"] is False
    assert data["version"] == project.version
    # The chain: the current member of each role, in role order; the replaced one is gone.
    assert [m["role"] for m in data["chain"]] == [
        "leader",
        "department_head",
        "town_head",
        "staff",
    ]
    assert data["chain"][3]["person"]["id"] == people["staff"].pk
    # The status of the latest period computed (2024-10), rates as JSON numbers.
    assert data["period"] == "2024-10"
    assert (data["colour"], data["colour_label"]) == ("red", "红")
    assert data["colour_reason"] == "投资完成率 40.0%，时间进度 83.3%，落后 43.3 个百分点"
    assert data["investment_rate"] == 0.4
    assert data["time_progress"] == 0.833333
    assert data["completed_ytd"] == "600.00"


def test_period_parameter_selects_the_status_shown(client_for, district_official, project):
    add_status(project, 2024, 9, colour=Colour.YELLOW, rate="0.61")
    add_status(project, 2024, 10, colour=Colour.RED, rate="0.4")
    client = client_for(district_official)

    row = client.get(LIST, {"period": "2024-09"}).json()["results"][0]
    assert (row["period"], row["colour"], row["investment_rate"]) == ("2024-09", "yellow", 0.61)
    one = client.get(detail(project.code), {"period": "2024-09"}).json()
    assert one["colour"] == "yellow"


def test_status_fields_are_null_where_the_period_was_not_computed(
    client_for, district_official, project
):
    client = client_for(district_official)
    nothing_yet = client.get(detail(project.code)).json()
    assert nothing_yet["period"] is None
    assert [nothing_yet[f] for f in ("colour", "investment_rate", "time_progress")] == [None] * 3

    add_status(project, 2024, 10, rate=None, progress=None)
    other_period = client.get(detail(project.code), {"period": "2023-12"}).json()
    assert other_period["period"] == "2023-12"
    assert other_period["colour"] is None and other_period["colour_reason"] is None
    no_plan = client.get(detail(project.code)).json()
    assert no_plan["colour"] == "white" and no_plan["investment_rate"] is None


def test_a_cut_plan_shows_beside_the_rate_against_the_original_plan(
    client_for, district_official, project
):
    status = add_status(project, 2024, 10, rate="1.05")
    status.investment_rate_original = Decimal("0.6")
    status.save()
    data = client_for(district_official).get(detail(project.code)).json()
    assert (data["investment_rate"], data["investment_rate_original"]) == (1.05, 0.6)


def test_a_project_without_a_colour_this_period_shows_null(client_for, district_official, project):
    add_status(project, 2024, 10, colour="")
    data = client_for(district_official).get(detail(project.code)).json()
    assert (data["period"], data["colour"], data["colour_label"]) == ("2024-10", None, None)


@pytest.mark.parametrize("period", ["2024-13", "2024-1", "abc", "2024-00", "1999-01", "2024-10x"])
def test_malformed_period_is_400_naming_the_field(client_for, district_official, project, period):
    client = client_for(district_official)
    for url in (LIST, detail(project.code)):
        response = client.get(url, {"period": period})
        assert response.status_code == 400
        assert "period" in response.json()


def test_codes_with_dashes_dots_and_chinese_are_addressable(client_for, district_official, regions):
    client = client_for(district_official)
    for code in ("QD-2024-001", "SN.2024.7", "市南-重点-01"):
        ProjectFactory(code=code, region=regions["district"])
        response = client.get(detail(code))
        assert response.status_code == 200, code
        assert response.json()["code"] == code


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def portfolio(regions):
    """Projects across the city: levels, stages, categories, plans, colours, a town."""
    a = ProjectFactory(code="A", name="青岛港码头", region=regions["district"], level=Level.CITY)
    b = ProjectFactory(
        code="B",
        name="八大关改造",
        region=regions["district"],
        town=regions["town"],
        stage=Stage.SIGNED,
    )
    c = ProjectFactory(
        code="C", name="市北数据中心", region=regions["other"], level=Level.PROVINCIAL
    )
    dress(a, categories=["manufacturing"], leader_name="王书记")
    dress(c, categories=["four_new", "new_infrastructure"], leader_name="李区长")
    ProjectYearFactory(project=a, year=2024, new_start=True)
    ProjectYearFactory(project=b, year=2024, new_start=False)
    ProjectYearFactory(project=c, year=2025, new_start=True)
    add_status(a, 2024, 10, colour=Colour.RED)
    add_status(b, 2024, 10, colour=Colour.GREEN)
    add_status(c, 2024, 10, colour=Colour.YELLOW)
    add_status(c, 2024, 9, colour=Colour.RED)
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "370200"}, {"A", "B", "C"}),
        ({"region": "370202"}, {"A", "B"}),
        ({"region": "370202001"}, {"B"}),
        ({"region": "370203"}, {"C"}),
        ({"region": "370100"}, set()),
        ({"level": "city"}, {"A"}),
        ({"level": ["city", "provincial"]}, {"A", "C"}),
        ({"stage": "signed"}, {"B"}),
        ({"category": "four_new"}, {"C"}),
        ({"category": ["manufacturing", "new_infrastructure"]}, {"A", "C"}),
        ({"colour": "red"}, {"A"}),
        ({"colour": ["red", "yellow"]}, {"A", "C"}),
        ({"colour": "red", "period": "2024-09"}, {"C"}),
        ({"year": "2024"}, {"A", "B"}),
        ({"new_start": "true", "year": "2024"}, {"A"}),
        ({"new_start": "true", "year": "2025"}, {"C"}),
        ({"new_start": "true", "period": "2025-03"}, {"C"}),
        ({"new_start": "false", "year": "2024"}, {"B"}),
        ({"new_start": "false", "period": "2024-10"}, {"B", "C"}),
        ({"leader": "王书记"}, {"A"}),
        ({"leader": "nobody"}, set()),
        ({"leader": "99999999999999999999999"}, set()),
        ({"q": "数据"}, {"C"}),
        ({"q": "b"}, {"B"}),
        ({"in_statistics": "true"}, set()),
    ],
)
def test_project_filters(client_for, city_official, portfolio, query, expected):
    assert codes(client_for(city_official).get(LIST, query)) == expected


def test_leader_filter_takes_a_person_id(client_for, city_official, portfolio):
    leader = portfolio["c"].chain.get(role__code="leader", end_date__isnull=True).person
    assert codes(client_for(city_official).get(LIST, {"leader": leader.pk})) == {"C"}


def test_filters_never_widen_the_scope(client_for, district_official, portfolio):
    client = client_for(district_official)
    assert codes(client.get(LIST, {"region": "370203"})) == set()
    assert codes(client.get(LIST, {"region": "370200"})) == {"A", "B"}


def test_ordering_by_investment_rate(client_for, city_official, regions):
    for code, rate in (("R1", "0.9"), ("R2", "0.1"), ("R3", "0.5")):
        add_status(ProjectFactory(code=code, region=regions["district"]), 2024, 10, rate=rate)
    response = client_for(city_official).get(LIST, {"ordering": "-investment_rate"})
    assert [row["code"] for row in response.json()["results"]] == ["R1", "R3", "R2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"level": "national"}, "level"),
        ({"stage": "dreaming"}, "stage"),
        ({"colour": "purple"}, "colour"),
        ({"category": "no-such-category"}, "category"),
        ({"year": "twenty"}, "year"),
        ({"year": "1800"}, "year"),
        ({"ordering": "password"}, "ordering"),
    ],
)
def test_bad_filter_values_are_400_naming_the_field(
    client_for, city_official, project, query, field
):
    response = client_for(city_official).get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_region_message_names_the_code(client_for, city_official, project):
    response = client_for(city_official).get(LIST, {"region": "999999"})
    assert "999999" in response.json()["region"][0]


def test_page_size_is_clamped_to_500(client_for, city_official, regions):
    Project.objects.bulk_create(
        Project(code=f"BULK{i:04d}", name=f"批量{i}", region=regions["district"], level="city")
        for i in range(501)
    )
    response = client_for(city_official).get(LIST, {"page_size": 1000})
    assert response.status_code == 200
    assert response.json()["count"] == 501
    assert len(response.json()["results"]) == 500


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_project_list_costs_the_same_queries_for_3_or_30_projects(
    token_client_for, city_official, regions, django_assert_num_queries, rows
):
    for i in range(rows):
        project = ProjectFactory(region=regions["district" if i % 2 else "other"])
        dress(project)
        add_status(project, 2024, 10)
    client = token_client_for(city_official)
    with django_assert_num_queries(7):
        # 1 token + user + the user's region (ExpiringTokenAuthentication joins them),
        # 2 latest period computed, 3 count (pagination), 4 the page of projects joined with
        # region, town, unit and the period's status, 5 categories, 6 current chain with
        # role and person, 7 the period's statuses (their reasons are worded from them).
        response = client.get(LIST, {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert all(len(row["chain"]) == 4 and row["colour"] for row in response.json()["results"])


def test_explicit_period_saves_the_latest_period_query(
    token_client_for, city_official, project, django_assert_num_queries
):
    client = token_client_for(city_official)
    with django_assert_num_queries(6):
        # token + user + region, count, projects, categories, chain, statuses.
        client.get(LIST, {"period": "2024-10"})


# --- Create ------------------------------------------------------------------------------------


def new_project(regions, **extra):
    return {
        "code": "SN-2024-100",
        "name": "市南区新建产业园",
        "region": regions["district"].code,
        "level": "district",
        "stage": "signed",
        "categories": ["manufacturing", "four_new"],
        "total_investment": "52000.50",
        "planned_start": "2024-05-01",
        **extra,
    }


def test_district_official_creates_a_project_with_its_plan(client_for, district_official, regions):
    payload = new_project(regions, year=2024, annual_plan="8000.00", new_start=True)
    response = client_for(district_official).post(LIST, payload, format="json")

    assert response.status_code == 201, response.content
    assert response["Location"].endswith("/api/v1/projects/SN-2024-100/")
    data = response.json()
    assert (data["code"], data["stage"], data["total_investment"]) == (
        "SN-2024-100",
        "signed",
        "52000.50",
    )
    project = Project.objects.get(code="SN-2024-100")
    assert project.total_investment == Decimal("52000.50")
    assert set(project.categories.values_list("code", flat=True)) == {"manufacturing", "four_new"}
    plan = ProjectYear.objects.get(project=project, year=2024)
    assert (plan.annual_plan, plan.original_plan, plan.new_start) == (
        Decimal("8000.00"),
        Decimal("8000.00"),
        True,
    )
    assert StageChange.objects.get(project=project).to_stage == Stage.SIGNED
    assert {h.history_user for h in project.history.all()} == {district_official}


def test_city_official_creates_in_any_district_of_the_city(client_for, city_official, regions):
    payload = new_project(regions, region=regions["other"].code)
    response = client_for(city_official).post(LIST, payload, format="json")
    assert response.status_code == 201
    assert Project.objects.get(code="SN-2024-100").region == regions["other"]


def test_create_outside_the_callers_regions_is_400(client_for, district_official, regions):
    payload = new_project(regions, region=regions["other"].code)
    response = client_for(district_official).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert "region" in response.json()
    assert not Project.objects.filter(code="SN-2024-100").exists()


def test_create_at_a_city_instead_of_a_district_is_400(client_for, city_official, regions):
    payload = new_project(regions, region=regions["city"].code)
    response = client_for(city_official).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert response.json()["region"] == ["项目所属区域应为县市区。"]
    assert not Project.objects.filter(code="SN-2024-100").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total_investment": "abc"}, "total_investment"),
        ({"total_investment": "-5"}, "total_investment"),
        ({"total_investment": "1e400"}, "total_investment"),
        ({"total_investment": "NaN"}, "total_investment"),
        ({"total_investment": "1.234"}, "total_investment"),
        ({"region": "999999"}, "region"),
        ({"level": "national"}, "level"),
        ({"stage": "withdrawn"}, "stage"),
        ({"categories": ["no-such"]}, "categories"),
        ({"planned_start": "2024-02-30"}, "planned_start"),
        ({"code": "SN/100"}, "code"),
        ({"code": ""}, "code"),
        ({"annual_plan": "100"}, "year"),
        ({"year": 2024, "annual_plan": "x"}, "annual_plan"),
        ({"latitude": "95"}, "latitude"),
        ({"responsible_unit": 999999}, "responsible_unit"),
        (
            {"planned_start": "2024-05-01", "planned_completion": "2024-01-01"},
            "planned_completion",
        ),
    ],
)
def test_bad_project_input_is_400_naming_the_field(
    client_for, district_official, regions, change, field
):
    response = client_for(district_official).post(
        LIST, new_project(regions, **change), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Project.objects.filter(name="市南区新建产业园").exists()


def test_duplicate_code_is_400(client_for, district_official, regions, project):
    response = client_for(district_official).post(
        LIST, new_project(regions, code=project.code), format="json"
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_unit_of_another_district_cannot_be_chosen(client_for, district_official, regions):
    theirs = UnitFactory(region=regions["other"])
    response = client_for(district_official).post(
        LIST, new_project(regions, responsible_unit=theirs.pk), format="json"
    )
    assert response.status_code == 400
    assert "responsible_unit" in response.json()


def test_plan_is_not_half_written_when_the_plan_is_refused(
    client_for, district_official, regions, monkeypatch
):
    def refuse(**kwargs):
        raise services.ValidationError({"annual_plan": ["refused"]})

    monkeypatch.setattr(services, "project_year_set", refuse)
    response = client_for(district_official).post(
        LIST, new_project(regions, year=2024, annual_plan="10"), format="json"
    )
    assert response.status_code == 400
    assert not Project.objects.filter(code="SN-2024-100").exists()


# --- Change (PATCH) ----------------------------------------------------------------------------


def test_patch_with_the_version_read_changes_and_bumps_the_version(
    client_for, district_official, project
):
    client = client_for(district_official)
    read = client.get(detail(project.code)).json()
    response = client.patch(
        detail(project.code),
        {"name": "新名称", "total_investment": "12000.00", "version": read["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == read["version"] + 1
    assert response["ETag"] == f'"{read["version"] + 1}"'
    project.refresh_from_db()
    assert (project.name, project.total_investment) == ("新名称", Decimal("12000.00"))
    latest = project.history.latest()
    assert latest.history_user == district_official


def test_stale_version_is_409_with_the_current_version(client_for, district_official, project):
    client = client_for(district_official)
    services.project_update(project=project, name="别人先改了")  # version 1 → 2
    response = client.patch(detail(project.code), {"name": "我的修改", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert "detail" in response.json()
    project.refresh_from_db()
    assert project.name == "别人先改了"


def test_if_match_header_is_the_version(client_for, district_official, project):
    client = client_for(district_official)
    stale = client.patch(detail(project.code), {"name": "x"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 409
    fresh = client.patch(
        detail(project.code), {"name": "y"}, format="json", HTTP_IF_MATCH=f'W/"{project.version}"'
    )
    assert fresh.status_code == 200
    assert fresh.json()["name"] == "y"


def test_malformed_if_match_is_400(client_for, district_official, project):
    response = client_for(district_official).patch(
        detail(project.code), {"name": "x"}, format="json", HTTP_IF_MATCH="yesterday"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_stage_change_through_patch_is_recorded(client_for, district_official, regions):
    project = services.project_create(
        code="ST-1", name="签约项目", region=regions["district"], level="city", stage="signed"
    )
    response = client_for(district_official).patch(
        detail("ST-1"),
        {"stage": "construction", "stage_date": "2024-04-15", "version": project.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    assert project.actual_start == dt.date(2024, 4, 15)
    move = StageChange.objects.filter(project=project).latest("recorded_at")
    assert (move.from_stage, move.to_stage, move.changed_by) == (
        "signed",
        "construction",
        district_official,
    )


def test_withdrawal_through_patch_is_refused_and_nothing_changes(
    client_for, district_official, project
):
    response = client_for(district_official).patch(
        detail(project.code), {"name": "改名", "stage": "withdrawn", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "stage" in response.json()
    project.refresh_from_db()
    assert (project.name, project.stage, project.version) == (
        "市南区测试项目",
        Stage.CONSTRUCTION,
        1,
    )


def test_patch_cannot_move_a_project_out_of_the_callers_regions(
    client_for, district_official, regions, project
):
    response = client_for(district_official).patch(
        detail(project.code), {"region": regions["other"].code, "version": 1}, format="json"
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.region == regions["district"]


def test_patch_rejects_bad_values(client_for, district_official, project):
    client = client_for(district_official)
    for body, field in (
        ({"total_investment": "lots"}, "total_investment"),
        ({"actual_completion": "2020-01-01"}, "actual_completion"),
        ({"version": "three"}, "version"),
        ({"categories": "manufacturing"}, "categories"),
    ):
        response = client.patch(detail(project.code), {"version": 1, **body}, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), body


def test_patch_categories(client_for, district_official, project):
    response = client_for(district_official).patch(
        detail(project.code), {"categories": ["livelihood"], "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["categories"]] == ["livelihood"]


def test_project_history_lists_who_changed_what(client_for, district_official, project):
    client = client_for(district_official)
    client.patch(detail(project.code), {"name": "第二个名字", "version": 1}, format="json")
    response = client.get(detail(project.code) + "history/")
    assert response.status_code == 200
    newest = response.json()[0]
    assert newest["type"] == "changed"
    assert newest["user"]["username"] == district_official.username
    name_change = next(c for c in newest["changes"] if c["field"] == "name")
    assert (name_change["before"], name_change["after"]) == ("市南区测试项目", "第二个名字")
    assert response.json()[-1]["type"] == "created"


def test_project_history_is_scoped(client_for, other_official, anonymous, project):
    assert client_for(other_official).get(detail(project.code) + "history/").status_code == 404
    assert anonymous.get(detail(project.code) + "history/").status_code == 401


def test_session_writes_need_the_csrf_token(district_official, project):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(district_official)
    response = client.patch(detail(project.code), {"name": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_bad_period_on_a_write_is_refused_before_writing(client_for, district_official, regions):
    response = client_for(district_official).post(
        LIST + "?period=2024-99", new_project(regions), format="json"
    )
    assert response.status_code == 400
    assert "period" in response.json()
    assert not Project.objects.filter(code="SN-2024-100").exists()
