"""INTERFACES.md §4 promises no other test holds whole: the token command, the full set of summary
and ranking fields, and the keys of group_by=level / category rows."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.choices import Role
from projects.models import Category, ChainAssignment
from tests.factories import (
    MonthlyReportFactory,
    PersonFactory,
    ProjectYearFactory,
    UnitFactory,
    UserFactory,
    chain_role,
)

pytestmark = pytest.mark.django_db

SUMMARY_FIELDS = {
    "key", "name", "projects", "annual_plan", "completed_ytd", "investment_rate", "time_progress",
    "new_start_planned", "new_start_started", "start_rate", "finish_planned", "finished",
    "finish_rate", "in_statistics", "statistics_rate", "issues", "issues_resolved",
    "resolution_rate", "green", "white", "yellow", "red",
}  # fmt: skip


@pytest.fixture
def api(city_official):
    client = APIClient()
    client.force_authenticate(city_official)
    return client


@pytest.fixture
def figures(project):
    # A leader and a responsible unit, so the leader and unit rankings have a row to show.
    leader = PersonFactory(name="王副区长", region=project.region)
    ChainAssignment.objects.create(
        project=project, role=chain_role("leader"), person=leader, start_date=dt.date(2024, 1, 1)
    )
    project.responsible_unit = UnitFactory(name="区发展和改革局", region=project.region)
    project.save()
    project.categories.add(Category.objects.order_by("pk").first())
    ProjectYearFactory(project=project, year=2024)
    MonthlyReportFactory(project=project, year=2024, month=3)
    call_command("recompute", "--period", "2024-03")
    return project


def test_drf_create_token_gives_a_token_that_authenticates(district_official, project, capsys):
    call_command("drf_create_token", district_official.username)

    token = Token.objects.get(user=district_official)
    assert token.key in capsys.readouterr().out
    client = APIClient()
    assert client.get("/api/v1/projects/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/v1/projects/")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [project.code]


def test_summary_rows_carry_every_promised_measure(api, figures):
    response = api.get(
        "/api/v1/summary/", {"region": "370200", "period": "2024-03", "group_by": "region"}
    )

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert rows, "a city has a row per district"
    for row in rows:
        assert set(row) >= SUMMARY_FIELDS, SUMMARY_FIELDS - set(row)
    shinan = next(row for row in rows if row["key"] == "370202")
    assert shinan["annual_plan"] == "1200.00" and shinan["completed_ytd"] == "100.00"
    assert shinan["investment_rate"] == pytest.approx(100 / 1200, abs=1e-4)


def test_summary_by_level_is_keyed_provincial_city_district(api, figures):
    response = api.get(
        "/api/v1/summary/", {"region": "370200", "period": "2024-03", "group_by": "level"}
    )

    assert response.status_code == 200, response.content
    rows = {row["key"]: row for row in response.json()["rows"]}
    assert set(rows) <= {"provincial", "city", "district"}
    assert rows["district"]["projects"] == 1


def test_summary_by_category_answers_with_the_promised_fields(api, figures):
    response = api.get(
        "/api/v1/summary/", {"region": "370200", "period": "2024-03", "group_by": "category"}
    )

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert any(row["projects"] == 1 for row in rows), rows
    for row in rows:
        assert set(row) >= SUMMARY_FIELDS


@pytest.mark.parametrize("scope", ["district", "leader", "unit"])
def test_ranking_body_and_rows_carry_the_promised_fields(api, figures, scope):
    response = api.get(
        "/api/v1/rankings/", {"scope": scope, "parent": "370200", "period": "2024-03"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert {"period", "version", "published_at", "rows"} <= set(body)
    assert body["period"] == "2024-03"
    assert body["version"] is None and body["published_at"] is None  # nothing published: live
    assert body["rows"], f"the {scope} ranking has rows"
    for row in body["rows"]:
        assert {"rank", "key", "name", "score", "movement"} | (SUMMARY_FIELDS - {"key"}) <= set(row)


def test_superuser_sees_every_region(regions, project, other_project):
    client = APIClient()
    client.force_authenticate(
        UserFactory(username="root", role=Role.ADMIN, region=None, is_superuser=True, is_staff=True)
    )
    codes = {row["code"] for row in client.get("/api/v1/projects/").json()["results"]}
    assert {project.code, other_project.code} <= codes
