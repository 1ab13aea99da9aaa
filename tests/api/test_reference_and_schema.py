"""Reference lists (regions, units, people, categories, chain roles), the OpenAPI schema and the
offline Swagger UI."""

import re

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def names(response, key="name") -> set:
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


def test_regions_are_the_callers_subtree(client_for, city_official, district_official, regions):
    assert names(client_for(district_official).get("/api/v1/regions/"), "code") == {
        "370202",
        "370202001",
    }
    city = names(client_for(city_official).get("/api/v1/regions/"), "code")
    assert city == {"370200", "370202", "370203", "370202001"}
    children = client_for(city_official).get("/api/v1/regions/", {"parent": "370200"})
    assert names(children, "code") == {"370202", "370203"}
    assert client_for(district_official).get("/api/v1/regions/370203/").status_code == 404


def test_units_and_people_are_scoped(
    client_for, city_official, district_official, other_official, regions
):
    ours = UnitFactory(name="市南区发改局", region=regions["district"])
    theirs = UnitFactory(name="市北区发改局", region=regions["other"])
    PersonFactory(name="市南张三", region=regions["district"], unit=ours)
    PersonFactory(name="市北李四", region=regions["other"], unit=theirs)

    assert names(client_for(district_official).get("/api/v1/units/")) == {"市南区发改局"}
    assert names(client_for(other_official).get("/api/v1/units/")) == {"市北区发改局"}
    assert names(client_for(city_official).get("/api/v1/units/", {"region": "370203"})) == {
        "市北区发改局"
    }
    assert names(client_for(district_official).get("/api/v1/people/")) == {"市南张三"}
    assert names(client_for(city_official).get("/api/v1/people/", {"q": "李"})) == {"市北李四"}
    assert client_for(district_official).get(f"/api/v1/units/{theirs.pk}/").status_code == 404


def test_categories_and_chain_roles_are_shared_reference_data(client_for, district_official):
    client = client_for(district_official)
    assert "四新经济" in names(client.get("/api/v1/categories/"))
    assert names(client.get("/api/v1/chain-roles/"), "code") == {
        "leader",
        "department_head",
        "town_head",
        "staff",
    }


def test_reference_lists_need_a_login(anonymous):
    for name in ("regions", "units", "people", "categories", "chain-roles", "withdrawals"):
        assert anonymous.get(f"/api/v1/{name}/").status_code == 401, name


def test_reference_lists_are_read_only(client_for, city_official, regions):
    response = client_for(city_official).post("/api/v1/regions/", {"code": "370299"})
    assert response.status_code == 405


# --- OpenAPI -----------------------------------------------------------------------------------


def test_schema_of_the_projects_api_builds_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("projects.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned; run `manage.py spectacular`"
    assert {
        "/api/v1/projects/",
        "/api/v1/projects/{code}/",
        "/api/v1/projects/{project_code}/reports/",
        "/api/v1/projects/{project_code}/reports/{period}/",
        "/api/v1/projects/{project_code}/reports/{period}/history/",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}
    assert {"region", "level", "stage", "category", "colour", "new_start", "year"} <= parameters
    assert {"leader", "q", "period", "page", "page_size"} <= parameters
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert project["total_investment"]["type"] == "string"  # money: a decimal string
    assert project["investment_rate"]["type"] == "number"  # rates: a JSON number


def test_schema_endpoint_serves_openapi(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_swagger_ui_loads_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in references)
    assert references
    for ref in references:
        assert ref.startswith("/static/"), ref
    assert "cdn" not in html.lower()
    assert not re.search(r"https?://", html.replace("http://www.w3.org", ""))


def test_fields_that_can_be_null_are_declared_nullable(client):
    """A name read through an optional relation (no unit assigned yet, no chair, the system as
    actor) is null in the answer, so the schema says so (schemathesis found them as strings)."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    for component, field in (
        ("Issue", "assigned_unit_name"),
        ("Issue", "assignee_name"),
        ("Issue", "raised_by"),
        ("Transition", "actor"),
        ("Meeting", "chair_name"),
    ):
        assert components[component]["properties"][field].get("nullable") is True, (
            component,
            field,
        )
