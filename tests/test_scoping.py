"""The scoping rule, proven across every route: a district official can neither read nor change
another district's data — not through the API, the admin (lists, change pages, foreign-key
choices, autocomplete, history) nor the web pages — while a city official sees every district of
the city. One rule (`projects.access.scope`), checked from the outside."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from assessment.choices import Colour
from projects import access, services
from projects.choices import RegionLevel, Role
from projects.models import MonthlyReport, Project
from tests.factories import PersonFactory, ProjectFactory, UnitFactory, UserFactory, stored_status

pytestmark = pytest.mark.django_db

ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("project", "monthlyreport", "unit", "person", "region", "chainassignment")
    for action in ("view", "change", "add")
]


def staff(user):
    """Admin access through model permissions — not superuser, which bypasses scoping."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="projects", codename__in=ADMIN_PERMISSIONS
        )
    )
    return user


@pytest.fixture
def world(regions, project, other_project, district_official, other_official, city_official):
    """Each district's project with a report, a unit, a person and a status."""
    data = {}
    for key, p in (("ours", project), ("theirs", other_project)):
        region = p.region
        data[key] = {
            "project": p,
            "report": services.report_create(
                project=p, year=2024, month=3, completed_investment=Decimal("150")
            ),
            "unit": UnitFactory(name=f"{region.name}发改局", region=region),
            "person": PersonFactory(name=f"{region.name}联络员", region=region),
        }
        stored_status(p, 2024, 3, Colour.RED)
    return data


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- The rule itself ---------------------------------------------------------------------------


def test_every_scoped_model_filters_by_region(district_official, world):
    """Every model declared in SCOPE_PATHS is limited to the official's district: its path
    compiles, runs, and puts the district's code prefix into the query."""
    prefix = f"{district_official.region.prefix}%"
    for label in access.SCOPE_PATHS:
        model = apps.get_model(label)
        scoped = access.scope(district_official, model._default_manager.all())
        scoped.exists()
        _sql, params = scoped.query.sql_with_params()
        assert prefix in params, label
        changeable = access.scope(district_official, model._default_manager.all(), for_change=True)
        assert prefix in changeable.query.sql_with_params()[1], label


def test_unknown_models_cannot_be_scoped_silently(district_official):
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError, match="no scope path"):
        access.scope(district_official, Session.objects.all())


def test_scope_keeps_only_the_district(district_official, other_official, city_official, world):
    def visible(user, model):
        return set(access.scope(user, model.objects.all()).values_list("pk", flat=True))

    ours, theirs = world["ours"], world["theirs"]
    assert visible(district_official, Project) == {ours["project"].pk}
    assert visible(other_official, Project) == {theirs["project"].pk}
    assert visible(city_official, Project) == {ours["project"].pk, theirs["project"].pk}
    assert visible(district_official, MonthlyReport) == {ours["report"].pk}


# --- API ---------------------------------------------------------------------------------------


def test_api_never_shows_another_districts_project(district_official, world):
    client = api(district_official)
    theirs = world["theirs"]["project"]
    codes = {row["code"] for row in client.get("/api/v1/projects/").json()["results"]}
    assert codes == {world["ours"]["project"].code}
    filtered = client.get("/api/v1/projects/", {"region": theirs.region_id}).json()
    assert filtered["count"] == 0
    base = f"/api/v1/projects/{theirs.code}/"
    for url in (
        base,
        base + "history/",
        base + "years/",
        base + "chain/",
        base + "reports/",
        base + "reports/2024-03/",
        base + "reports/2024-03/history/",
    ):
        assert client.get(url).status_code == 404, url


def test_api_never_changes_another_districts_project(district_official, world):
    client = api(district_official)
    theirs = world["theirs"]
    base = f"/api/v1/projects/{theirs['project'].code}/"
    writes = [
        ("patch", base, {"name": "篡改"}),
        ("patch", base + "reports/2024-03/", {"completed_investment": "0"}),
        ("post", base + "reports/", {"year": 2024, "month": 4, "completed_investment": "1"}),
        ("post", base + "years/", {"year": 2024, "annual_plan": "1"}),
        ("post", base + "chain/", {"role": "leader", "person": theirs["person"].pk}),
        ("post", base + "withdrawal/", {"reason": "篡改"}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    created = client.post(
        "/api/v1/projects/",
        {"code": "X-1", "name": "越界", "region": theirs["project"].region_id, "level": "city"},
        format="json",
    )
    assert created.status_code == 400
    theirs["project"].refresh_from_db()
    theirs["report"].refresh_from_db()
    assert theirs["project"].name == "市北区测试项目"
    assert theirs["report"].completed_investment == Decimal("150.00")
    assert theirs["project"].reports.count() == 1
    assert not Project.objects.filter(code="X-1").exists()


def test_api_reference_lists_are_scoped(district_official, world):
    client = api(district_official)
    units = {u["name"] for u in client.get("/api/v1/units/").json()["results"]}
    people = {p["name"] for p in client.get("/api/v1/people/").json()["results"]}
    assert units == {"市南区发改局"}
    assert people == {"市南区联络员"}


def test_city_official_sees_and_changes_every_district(city_official, world):
    client = api(city_official)
    codes = {row["code"] for row in client.get("/api/v1/projects/").json()["results"]}
    assert codes == {world["ours"]["project"].code, world["theirs"]["project"].code}
    theirs = world["theirs"]["project"]
    response = client.patch(
        f"/api/v1/projects/{theirs.code}/",
        {"name": "市级更名", "version": theirs.version},
        format="json",
    )
    assert response.status_code == 200


def test_town_official_sees_only_projects_in_the_town(regions, world):
    town_user = UserFactory(username="town", role=Role.OFFICIAL, region=regions["town"])
    assert regions["town"].level == RegionLevel.TOWN
    in_town = ProjectFactory(code="TOWN-1", region=regions["district"], town=regions["town"])
    codes = {row["code"] for row in api(town_user).get("/api/v1/projects/").json()["results"]}
    assert codes == {in_town.code}


# --- Admin -------------------------------------------------------------------------------------


def test_admin_changelist_shows_only_the_district(client, district_official, world):
    client.force_login(staff(district_official))
    page = client.get(reverse("admin:projects_project_changelist"))
    assert page.status_code == 200
    shown = {p.code for p in page.context["cl"].result_list}
    assert shown == {world["ours"]["project"].code}
    reports = client.get(reverse("admin:projects_monthlyreport_changelist"))
    assert {r.pk for r in reports.context["cl"].result_list} == {world["ours"]["report"].pk}
    searched = client.get(reverse("admin:projects_project_changelist"), {"q": "QD-002"})
    assert list(searched.context["cl"].result_list) == []


def test_admin_change_page_of_another_district_is_refused(client, district_official, world):
    client.force_login(staff(district_official))
    theirs = world["theirs"]
    for name, obj in (
        ("admin:projects_project_change", theirs["project"]),
        ("admin:projects_monthlyreport_change", theirs["report"]),
        ("admin:projects_unit_change", theirs["unit"]),
        ("admin:projects_person_change", theirs["person"]),
    ):
        url = reverse(name, args=[obj.pk])
        response = client.get(url)
        # The admin answers "does not exist" with a redirect to its index.
        assert response.status_code == 302, name
        assert response["Location"] == reverse("admin:index"), name
        posted = client.post(url, {"name": "篡改"})
        # Reference data: "does not exist"; business records are never changed in the admin,
        # in any district (403 for the district's own project as for another's).
        expected = 403 if name.endswith(("project_change", "monthlyreport_change")) else 302
        assert posted.status_code == expected, name
    theirs["project"].refresh_from_db()
    theirs["unit"].refresh_from_db()
    assert theirs["project"].name == "市北区测试项目"
    assert theirs["unit"].name == "市北区发改局"


def test_admin_foreign_key_choices_are_scoped(client, district_official, world):
    client.force_login(staff(district_official))
    form = client.get(reverse("admin:projects_person_add")).context["adminform"].form
    assert set(form.fields["region"].queryset.values_list("code", flat=True)) == {
        "370202",
        "370202001",
    }
    assert set(form.fields["unit"].queryset) == {world["ours"]["unit"]}


def test_admin_refuses_a_foreign_unit_typed_into_a_form(client, district_official, world):
    client.force_login(staff(district_official))
    ours = world["ours"]["person"]
    url = reverse("admin:projects_person_change", args=[ours.pk])
    response = client.post(
        url,
        {
            "name": ours.name,
            "region": ours.region_id,
            "unit": world["theirs"]["unit"].pk,
            "title": "",
            "phone": "",
            "email": "",
            "active": "on",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "unit" in response.context["adminform"].form.errors
    ours.refresh_from_db()
    assert ours.unit is None


def test_admin_autocomplete_offers_only_the_districts_units(client, district_official, world):
    client.force_login(staff(district_official))
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "projects", "model_name": "person", "field_name": "unit", "term": "发改局"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["市南区发改局"]


def test_admin_history_of_another_districts_project_is_refused(client, district_official, world):
    client.force_login(staff(district_official))
    theirs = world["theirs"]["project"]
    response = client.get(reverse("admin:projects_project_history", args=[theirs.pk]))
    assert response.status_code in (302, 403, 404)
    record = theirs.history.latest()
    form = client.get(
        reverse("admin:projects_project_simple_history", args=[theirs.pk, record.history_id])
    )
    assert form.status_code in (302, 403, 404)


def test_a_project_in_the_admin_is_read_only_inlines_included(client, district_official, world):
    client.force_login(staff(district_official))
    ours = world["ours"]["project"]
    page = client.get(reverse("admin:projects_project_change", args=[ours.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    for inline in page.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission
    assert client.get(reverse("admin:projects_project_add")).status_code == 403


# --- Web pages ---------------------------------------------------------------------------------


def test_home_page_shows_only_the_callers_regions(client, district_official, regions, world):
    client.force_login(district_official)
    own = client.get("/")
    assert own.status_code == 200
    assert world["theirs"]["project"].code not in own.content.decode()
    for foreign in (regions["other"].code, regions["city"].code, regions["province"].code):
        assert client.get("/", {"region": foreign}).status_code == 404, foreign


def test_home_page_of_the_city_includes_its_districts(client, city_official, regions, world):
    client.force_login(city_official)
    assert client.get("/", {"region": regions["other"].code}).status_code == 200
    assert client.get("/", {"region": regions["other_city"].code}).status_code == 404


def test_project_pages_of_another_district_are_404(client, district_official, world):
    client.force_login(district_official)
    theirs = world["theirs"]["project"]
    listing = client.get(reverse("projects:project_list"))
    assert listing.status_code == 200
    assert theirs.code not in listing.content.decode()
    assert world["ours"]["project"].code in listing.content.decode()
    detail = client.get(reverse("web:project_detail", args=[theirs.code]))
    assert detail.status_code == 404


def test_admin_users_cannot_grant_themselves_superuser(client, district_official, world):
    staff(district_official)
    district_official.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="projects", codename__in=["view_user", "change_user"]
        )
    )
    client.force_login(district_official)
    page = client.get(reverse("admin:projects_user_change", args=[district_official.pk]))
    assert page.status_code == 200
    assert "is_superuser" not in page.context["adminform"].form.fields
