"""GET /api/v1/reporting/: scoped completeness for the province's systems."""

import datetime as dt
from decimal import Decimal

import time_machine
from rest_framework.test import APIClient

from projects import services
from tests.factories import ProjectFactory


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_city_sees_every_district_and_the_missing_projects(
    regions, city_official, district_official, django_assert_num_queries
):
    reported = ProjectFactory(region=regions["district"])
    silent = ProjectFactory(region=regions["other"], code="QD-SILENT")
    with time_machine.travel(dt.datetime(2026, 10, 9, 10), tick=False):
        services.report_create(
            project=reported,
            year=2026,
            month=9,
            completed_investment=Decimal("10"),
            actor=district_official,
        )
    client = _client(city_official)
    with django_assert_num_queries(10):  # the region asked for + the completeness' nine
        response = client.get("/api/v1/reporting/", {"region": "370200", "period": "2026-09"})
    assert response.status_code == 200
    body = response.json()
    assert (body["projects"], body["reported"], body["reporting_rate"]) == (2, 1, 0.5)
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["370203"]["missing"] == [{"code": "QD-SILENT", "name": silent.name}]
    assert rows["370202"]["reporting_rate"] == 1.0
    assert body["closes"] == "2026-10-13"


def test_district_sees_only_itself_and_not_the_city(regions, district_official):
    client = _client(district_official)
    assert client.get("/api/v1/reporting/", {"region": "370200"}).status_code == 403
    own = client.get("/api/v1/reporting/", {"period": "2026-09"})
    assert [row["key"] for row in own.json()["rows"]] == ["370202"]


def test_bad_parameters_are_400(regions, city_official):
    client = _client(city_official)
    assert client.get("/api/v1/reporting/", {"period": "2026-13"}).status_code == 400
    assert client.get("/api/v1/reporting/", {"region": "999999"}).status_code == 400


def test_anonymous_is_401(regions):
    assert APIClient().get("/api/v1/reporting/").status_code == 401


def test_the_missing_list_counts_what_the_completeness_counts(
    regions, city_official, district_official
):
    done = ProjectFactory(region=regions["district"], code="QD-DONE")
    ProjectFactory(region=regions["district"], code="QD-MISS")
    with time_machine.travel(dt.datetime(2026, 10, 20, 10), tick=False):
        services.report_create(
            project=done,
            year=2026,
            month=9,
            completed_investment=Decimal("10"),
            actor=district_official,
        )
    client = _client(city_official)
    query = {"region": "370202", "period": "2026-09"}
    missing = client.get("/api/v1/projects/", {**query, "reported": "no"}).json()
    late = client.get("/api/v1/projects/", {**query, "reported": "late"}).json()
    completeness = client.get("/api/v1/reporting/", query).json()
    assert [p["code"] for p in missing["results"]] == ["QD-MISS"]
    assert [p["code"] for p in late["results"]] == ["QD-DONE"]
    assert [p["code"] for p in completeness["rows"][0]["missing"]] == ["QD-MISS"]
    assert completeness["late"] == 1
