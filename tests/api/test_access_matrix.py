"""Every endpoint of the projects API against the same cast: anonymous (401), a token script of
the district (200), the city official (200), the official of another district (404 on objects,
absent from lists), a viewer on writes (403)."""

from decimal import Decimal

import pytest

from projects import services
from tests.factories import PersonFactory, ProjectYearFactory, UnitFactory

pytestmark = pytest.mark.django_db

P = "/api/v1/projects/QD-001/"

# Endpoints about one object of district 370202 (市南区).
OBJECT_READS = [
    P,
    P + "history/",
    P + "years/",
    P + "chain/",
    P + "reports/",
    P + "reports/2024-03/",
    P + "reports/2024-03/history/",
    "/api/v1/withdrawals/{withdrawal}/",
    "/api/v1/units/{unit}/",
    "/api/v1/people/{person}/",
    "/api/v1/regions/370202/",
]
LISTS = [
    "/api/v1/projects/",
    "/api/v1/withdrawals/",
    "/api/v1/regions/",
    "/api/v1/units/",
    "/api/v1/people/",
    "/api/v1/categories/",
    "/api/v1/chain-roles/",
]
WRITES = [
    (
        "post",
        "/api/v1/projects/",
        {"code": "N1", "name": "新", "region": "370202", "level": "city"},
    ),
    ("patch", P, {"name": "改", "version": 1}),
    ("post", P + "reports/", {"year": 2024, "month": 4, "completed_investment": "1"}),
    ("patch", P + "reports/2024-03/", {"completed_investment": "2", "version": 1}),
    ("post", P + "years/", {"year": 2025, "annual_plan": "1"}),
    ("patch", P + "years/2024/", {"annual_plan": "1", "reason": "调整"}),
    ("post", P + "chain/", {"role": "leader", "person": "{person}"}),
    ("post", P + "withdrawal/", {"reason": "终止"}),
]


@pytest.fixture
def cast(project, district_official):
    """QD-001 with a report, a plan, a unit, a person and a pending withdrawal."""
    services.report_create(project=project, year=2024, month=3, completed_investment=Decimal("1"))
    ProjectYearFactory(project=project, year=2024)
    ids = {
        "unit": UnitFactory(region=project.region).pk,
        "person": PersonFactory(region=project.region).pk,
    }
    other = services.project_create(
        code="QD-003", name="另一个", region=project.region, level="city"
    )
    ids["withdrawal"] = services.withdrawal_request(
        project=other, reason="终止", actor=district_official
    ).pk
    return ids


def fill(url: str, ids: dict) -> str:
    return url.format(**ids)


def test_anonymous_gets_401_everywhere(anonymous, cast):
    for url in [*OBJECT_READS, *LISTS]:
        assert anonymous.get(fill(url, cast)).status_code == 401, url
    for method, url, body in WRITES:
        assert getattr(anonymous, method)(url, body, format="json").status_code == 401, url
    review = f"/api/v1/withdrawals/{cast['withdrawal']}/review/"
    assert anonymous.post(review, {"approve": True}, format="json").status_code == 401


def test_a_token_script_of_the_district_reads_everything(token_client_for, district_official, cast):
    client = token_client_for(district_official)
    for url in [*OBJECT_READS, *LISTS]:
        assert client.get(fill(url, cast)).status_code == 200, url


def test_the_city_official_reads_everything_of_the_district(client_for, city_official, cast):
    client = client_for(city_official)
    for url in OBJECT_READS:
        assert client.get(fill(url, cast)).status_code == 200, url
    for url in LISTS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["count"] > 0, url


def test_the_official_of_another_district_finds_nothing(client_for, other_official, cast):
    client = client_for(other_official)
    for url in OBJECT_READS:
        assert client.get(fill(url, cast)).status_code == 404, url
    for method, url, body in WRITES[1:]:
        body = {k: fill(v, cast) if isinstance(v, str) else v for k, v in body.items()}
        assert getattr(client, method)(url, body, format="json").status_code == 404, url
    projects = client.get("/api/v1/projects/").json()
    assert projects["count"] == 0
    assert client.get("/api/v1/withdrawals/").json()["count"] == 0


def test_a_viewer_reads_but_every_write_is_403(client_for, viewer, cast):
    client = client_for(viewer)
    for url in OBJECT_READS:
        assert client.get(fill(url, cast)).status_code == 200, url
    for method, url, body in WRITES:
        body = {k: fill(v, cast) if isinstance(v, str) else v for k, v in body.items()}
        assert getattr(client, method)(url, body, format="json").status_code == 403, url
    review = f"/api/v1/withdrawals/{cast['withdrawal']}/review/"
    assert client.post(review, {"approve": True}, format="json").status_code == 403


def test_the_district_official_writes_everywhere(client_for, district_official, cast):
    client = client_for(district_official)
    expected = {"post": (200, 201), "patch": (200,)}
    for method, url, body in WRITES:
        body = {k: fill(v, cast) if isinstance(v, str) else v for k, v in body.items()}
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in expected[method], (url, response.content)


def test_browsable_api_renders_for_a_browser(client_for, district_official, cast):
    client = client_for(district_official)
    for url in [P, P + "reports/", "/api/v1/projects/"]:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert b"QD-001" in response.content
