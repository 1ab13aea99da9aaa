"""The rules that have one home each: the Python twin of the scoping filter, ancestors read off
region codes, the services' own access checks, the project-code rule, the editable fields."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import access, services
from projects.choices import Role, Stage
from projects.models import Project, Region, ancestor_codes
from tests.factories import PersonFactory, ProjectFactory, UserFactory, chain_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_official(regions):
    return UserFactory(username="town", role=Role.OFFICIAL, region=regions["town"])


@pytest.fixture
def projects_everywhere(regions):
    return [
        ProjectFactory(code="P-CITY-DISTRICT", region=regions["district"]),
        ProjectFactory(code="P-TOWN", region=regions["district"], town=regions["town"]),
        ProjectFactory(code="P-OTHER", region=regions["other"]),
        ProjectFactory(code="P-JINAN", region=regions["other_city_district"]),
    ]


def test_covers_agrees_with_the_scoping_filter_for_every_user_and_project(
    regions, projects_everywhere, city_official, district_official, other_official, town_official
):
    superuser = UserFactory(username="root", is_superuser=True)
    inactive = UserFactory(username="gone", region=regions["city"], is_active=False)
    homeless = UserFactory(username="nowhere", region=None)
    users = [
        city_official,
        district_official,
        other_official,
        town_official,
        superuser,
        inactive,
        homeless,
    ]
    for user in users:
        visible = set(access.scope(user, Project.objects.all()).values_list("code", flat=True))
        twin = {p.code for p in projects_everywhere if access.covers_project(user, p)}
        assert twin == visible, user.username


def test_covers_regions_as_the_filter_does_for_rows_without_a_town(
    regions, city_official, district_official, town_official
):
    for user in (city_official, district_official, town_official):
        visible = set(access.scope(user, Region.objects.all()).values_list("code", flat=True))
        twin = {code for code in Region.objects.values_list("code", flat=True)}
        twin = {code for code in twin if access.covers(user, code)}
        assert twin == visible, user.username


def test_ancestors_are_read_off_the_code_without_a_query(regions, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert regions["town"].ancestor_codes() == ["370000", "370200", "370202"]
        assert regions["district"].ancestor_codes() == ["370000", "370200"]
        assert regions["city"].ancestor_codes() == ["370000"]
        assert regions["province"].ancestor_codes() == []
    assert ancestor_codes("370202001002") == ["370000", "370200", "370202", "370202001"]


def test_a_district_may_pick_people_of_the_regions_above_but_not_a_sibling(
    regions, district_official
):
    from projects.models import Person

    city_leader = PersonFactory(name="市领导", region=regions["city"])
    sibling = PersonFactory(name="邻区干部", region=regions["other"])
    own = PersonFactory(name="本区干部", region=regions["district"])
    choosable = set(
        access.scope(district_official, Person.objects.all(), for_choice=True).values_list(
            "name", flat=True
        )
    )
    assert {"市领导", "本区干部"} <= choosable and "邻区干部" not in choosable
    assert own and city_leader and sibling


# --- The services check the actor themselves -------------------------------------------------


def test_the_services_refuse_an_actor_of_another_district(project, other_official):
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, actor=other_official, name="改名")
    with pytest.raises(PermissionDenied):
        services.report_create(
            project=project,
            year=2024,
            month=10,
            completed_investment=Decimal("1"),
            actor=other_official,
        )
    with pytest.raises(PermissionDenied):
        services.project_year_set(
            project=project, year=2024, annual_plan=Decimal("100"), actor=other_official
        )
    with pytest.raises(PermissionDenied):
        services.project_set_stage(project=project, stage=Stage.RESERVE, actor=other_official)
    with pytest.raises(PermissionDenied):
        services.withdrawal_request(project=project, reason="不再实施", actor=other_official)
    project.refresh_from_db()
    assert project.name == "市南区测试项目" and project.version == 1


def test_a_read_only_user_of_the_district_cannot_change_through_a_service(project, viewer):
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, actor=viewer, name="改名")


def test_a_project_cannot_be_moved_into_a_district_outside_the_actors_scope(
    regions, project, district_official
):
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, actor=district_official, region=regions["other"])
    project.refresh_from_db()
    assert project.region_id == regions["district"].code


def test_a_project_is_created_in_scope_and_never_as_withdrawn(regions, district_official):
    with pytest.raises(PermissionDenied):
        services.project_create(
            code="NEW-1",
            name="邻区项目",
            region=regions["other"],
            level="district",
            actor=district_official,
        )
    with pytest.raises(ValidationError) as refused:
        services.project_create(
            code="NEW-2",
            name="退库建档",
            region=regions["district"],
            level="district",
            stage=Stage.WITHDRAWN,
        )
    assert "stage" in refused.value.message_dict
    assert not Project.objects.filter(code__startswith="NEW-").exists()


def test_a_chain_member_comes_from_the_district_or_above(regions, project, district_official):
    role = chain_role("staff")
    with pytest.raises(ValidationError) as refused:
        services.chain_assign(
            project=project,
            role=role,
            person=PersonFactory(region=regions["other"]),
            actor=district_official,
            on=dt.date(2024, 3, 1),
        )
    assert "person" in refused.value.message_dict
    city_person = PersonFactory(region=regions["city"])
    assignment = services.chain_assign(
        project=project, role=role, person=city_person, actor=district_official
    )
    assert assignment.person == city_person


# --- Rules on the model, whatever the route -----------------------------------------------------


@pytest.mark.parametrize("code", ["A/B", "A B", "A\tB", "A\u3000B"])
def test_a_project_code_the_urls_cannot_address_is_refused_by_the_model(regions, code):
    project = Project(code=code, name="x", region=regions["district"], level="district")
    with pytest.raises(ValidationError) as refused:
        project.full_clean()
    assert "code" in refused.value.message_dict


def test_every_route_takes_its_project_fields_from_one_list():
    from imports.ledger import FK_FIELDS, SCALAR_FIELDS
    from projects.api.serializers import ProjectSerializer, ProjectWriteSerializer

    editable = set(Project.EDITABLE_FIELDS)
    assert editable == services.PROJECT_FIELDS
    assert editable <= set(ProjectSerializer.Meta.fields)
    assert editable <= set(ProjectWriteSerializer.Meta.fields)
    assert set(SCALAR_FIELDS) | set(FK_FIELDS) <= editable
