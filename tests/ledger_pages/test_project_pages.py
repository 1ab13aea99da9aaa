"""Creating and editing a project in the browser: through `project_create`/`project_update`
(the same history rows and version bump as the API), scoped to the official's district, with
optimistic locking — a stale edit is shown as a conflict and overwrites nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects import services
from projects.choices import Level, Stage
from projects.models import Category, Project, StageChange

pytestmark = pytest.mark.django_db


def form_data(project: Project, **changes) -> dict:
    """What the edit page posts for `project` as it stands, with `changes`."""
    data = {
        "version": project.version,
        "name": project.name,
        "region": project.region_id,
        "town": project.town_id or "",
        "owner_company": project.owner_company,
        "industry": project.industry,
        "latitude": project.latitude or "",
        "longitude": project.longitude or "",
        "level": project.level,
        "total_investment": project.total_investment,
        "planned_start": project.planned_start or "",
        "actual_start": project.actual_start or "",
        "planned_completion": project.planned_completion or "",
        "actual_completion": project.actual_completion or "",
        "operation_start": project.operation_start or "",
        "statistics_date": project.statistics_date or "",
        "responsible_unit": project.responsible_unit_id or "",
        "description": project.description,
        "categories": [c.pk for c in project.categories.all()],
    }
    if project.in_statistics:
        data["in_statistics"] = "on"
    data.update(changes)
    return data


def new_project(regions, **changes) -> dict:
    data = {
        "code": "SN-NEW-01",
        "name": "市南区海洋科技园",
        "region": regions["district"].pk,
        "level": Level.CITY,
        "stage": Stage.RESERVE,
        "total_investment": "8000",
        "planned_start": "2025-03-01",
        "categories": [Category.objects.get(code="four_new").pk],
    }
    data.update(changes)
    return data


# --- Create -----------------------------------------------------------------------------


def test_district_official_creates_a_project_and_its_page_opens(client, district_official, regions):
    client.force_login(district_official)
    response = client.post(reverse("projects:project_create"), new_project(regions))
    project = Project.objects.get(code="SN-NEW-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:project_detail", args=["SN-NEW-01"])
    assert (project.name, project.stage, project.total_investment) == (
        "市南区海洋科技园",
        Stage.RESERVE,
        Decimal("8000.00"),
    )
    assert [c.code for c in project.categories.all()] == ["four_new"]
    # The service's own records: the creation in history (by the official) and the 建档 move.
    records = list(project.history.order_by("history_id"))
    assert records[0].history_type == "+"
    assert {r.history_user for r in records} == {district_official}
    [change] = StageChange.objects.filter(project=project)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        "",
        Stage.RESERVE,
        district_official,
    )


def test_create_in_another_district_is_refused_and_changes_nothing(
    client, district_official, regions
):
    client.force_login(district_official)
    response = client.post(
        reverse("projects:project_create"), new_project(regions, region=regions["other"].pk)
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not Project.objects.filter(code="SN-NEW-01").exists()


def test_city_official_may_create_in_any_district_of_the_city(client, city_official, regions):
    client.force_login(city_official)
    response = client.post(
        reverse("projects:project_create"), new_project(regions, region=regions["other"].pk)
    )
    assert response.status_code == 302
    assert Project.objects.get(code="SN-NEW-01").region == regions["other"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total_investment": "-5"}, "total_investment"),
        ({"total_investment": "12万"}, "total_investment"),
        ({"planned_start": "2025-13-01"}, "planned_start"),
        ({"code": "SN/01"}, "code"),
        ({"name": ""}, "name"),
        ({"stage": Stage.WITHDRAWN}, "stage"),
        ({"planned_start": "2025-06-01", "planned_completion": "2025-01-01"}, "planned_completion"),
        ({"statistics_date": "2025-01-01"}, "statistics_date"),  # not 纳统
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_created(
    client, district_official, regions, changes, field
):
    client.force_login(district_official)
    response = client.post(reverse("projects:project_create"), new_project(regions, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="field-{field}"' in response.content.decode()
    assert not Project.objects.exists()


def test_a_code_already_taken_is_refused(client, district_official, regions, project):
    client.force_login(district_official)
    response = client.post(reverse("projects:project_create"), new_project(regions, code="QD-001"))
    assert "code" in response.context["form"].errors
    assert Project.objects.get(code="QD-001").name == "市南区测试项目"


def test_viewer_may_not_create(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("projects:project_create")).status_code == 403


# --- Edit -------------------------------------------------------------------------------


def test_edit_goes_through_the_service_with_history_and_a_version_bump(
    client, district_official, project
):
    client.force_login(district_official)
    before = project.history.count()
    response = client.post(
        reverse("projects:project_edit", args=[project.code]),
        form_data(project, name="市南区测试项目（二期）", total_investment="12000"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.total_investment, project.version) == (
        "市南区测试项目（二期）",
        Decimal("12000.00"),
        2,
    )
    assert project.history.count() == before + 1
    latest = project.history.first()
    assert (latest.history_user, latest.version) == (district_official, 2)


def test_the_same_edit_through_the_api_leaves_the_same_records(
    client, district_official, project, other_project
):
    """The page and the API: one history row each, version 1 → 2, the same values."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(district_official)
    twin = services.project_create(
        code="QD-003", name=project.name, region=project.region, level=project.level
    )
    api_response = api.patch(
        f"/api/v1/projects/{twin.code}/",
        {"name": "改名", "total_investment": "500.00", "version": 1},
        format="json",
    )
    assert api_response.status_code == 200, api_response.content
    client.force_login(district_official)
    client.post(
        reverse("projects:project_edit", args=[project.code]),
        form_data(project, name="改名", total_investment="500.00"),
    )
    project.refresh_from_db()
    twin.refresh_from_db()
    assert (project.version, project.name) == (twin.version, twin.name) == (2, "改名")
    page_row, api_row = project.history.first(), twin.history.first()
    assert (page_row.history_type, page_row.history_user) == (
        api_row.history_type,
        api_row.history_user,
    )


def test_a_stale_edit_is_shown_as_a_conflict_and_not_saved(client, district_official, project):
    client.force_login(district_official)
    seen = form_data(project)  # the page as the official opened it (version 1)
    services.project_update(
        project=project, actor=None, expected_version=1, name="他人改的名称", industry="港口"
    )
    response = client.post(
        reverse("projects:project_edit", args=[project.code]),
        {**seen, "name": "我的名称", "owner_company": "我的建设单位"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    project.refresh_from_db()
    assert (project.name, project.industry, project.owner_company, project.version) == (
        "他人改的名称",
        "港口",
        "",
        2,
    )
    form = response.context["form"]
    assert set(form.conflicts) == {"name", "industry"}
    assert "他人改的名称" in form.conflicts["name"] and "港口" in form.conflicts["industry"]
    assert 'id="conflict"' in body
    # The user's input is kept; saving again (now against version 2) is a deliberate overwrite.
    assert form["name"].value() == "我的名称"
    assert form.data["version"] == "2"


def test_after_a_conflict_saving_again_applies_the_users_values(client, district_official, project):
    client.force_login(district_official)
    seen = form_data(project)
    services.project_update(project=project, expected_version=1, name="他人改的名称")
    url = reverse("projects:project_edit", args=[project.code])
    client.post(url, {**seen, "name": "我的名称"})
    response = client.post(url, {**seen, "name": "我的名称", "version": 2})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.version) == ("我的名称", 3)


def test_an_edit_without_the_version_seen_is_refused(client, district_official, project):
    client.force_login(district_official)
    data = form_data(project, name="新名称")
    del data["version"]
    response = client.post(reverse("projects:project_edit", args=[project.code]), data)
    assert response.status_code == 200
    assert "页面缺少版本信息" in response.content.decode()
    project.refresh_from_db()
    assert (project.name, project.version) == ("市南区测试项目", 1)


def test_bad_edit_changes_nothing(client, district_official, project):
    client.force_login(district_official)
    response = client.post(
        reverse("projects:project_edit", args=[project.code]),
        form_data(project, latitude="95", name="新名称"),
    )
    assert "latitude" in response.context["form"].errors
    project.refresh_from_db()
    assert (project.name, project.version, project.history.count()) == ("市南区测试项目", 1, 1)


def test_edit_links_only_for_those_who_may_change(
    client, district_official, viewer, city_official, project
):
    detail = reverse("web:project_detail", args=[project.code])
    edit = reverse("projects:project_edit", args=[project.code])
    new = reverse("projects:project_create")
    for user, shown in ((district_official, True), (city_official, True), (viewer, False)):
        client.force_login(user)
        assert (edit in client.get(detail).content.decode()) is shown
        assert (new in client.get(reverse("projects:project_list")).content.decode()) is shown


def test_a_withdrawn_project_is_frozen(client, district_official, project):
    Project.objects.filter(pk=project.pk).update(stage=Stage.WITHDRAWN)
    client.force_login(district_official)
    detail = reverse("web:project_detail", args=[project.code])
    assert reverse("projects:project_edit", args=[project.code]) not in (
        client.get(detail).content.decode()
    )
    for name in ("project_edit", "project_stage", "project_plan", "project_chain"):
        response = client.get(reverse(f"projects:{name}", args=[project.code]))
        assert response.status_code == 302 and response["Location"] == detail
    response = client.post(
        reverse("projects:project_edit", args=[project.code]), form_data(project, name="x")
    )
    project.refresh_from_db()
    assert project.name == "市南区测试项目"
