"""The API holds its contract (INTERFACES.md §4: "400 for bad input, never 500"): schemathesis
generates requests for every operation of `/api/schema/` — valid and invalid bodies, query
parameters and path parameters — and sends each, in-process (WSGI), as a district official
and as the city official (tokens, like a script), on a small demo installation. Every answer
must be a non-5xx, carry the content type, and match the response schema documented for it.

Generated path parameters are mostly ids and codes that do not exist (a 404); so that the
operations are also exercised on real rows — writes included — the district official's
request of each case goes to a real row of their district instead (the first of each list).

Deterministic and bounded: hypothesis derandomized with a fixed number of examples per
operation, so a run takes the same requests every time (about a minute on two cores). Marked
`schemathesis`: `pytest -m schemathesis` runs it alone, `-m "not schemathesis"` skips it."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from meetings.choices import MeetingKind
from meetings.services import meeting_create
from projects.models import Region, User
from seed.demo import seed_demo

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

# The demo's day: reports up to October 2026, colours computed, issues and meetings seeded.
TODAY = dt.date(2026, 11, 23)
PROJECTS = 30
EXAMPLES = 12
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# The demo's district official (市南区) and city official (青岛市).
CALLERS = ("shinan", "city")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small demo installation (seed_demo, with issues, meetings and colours) for the whole
    module, rolled back at its end: the callers' API tokens and real path parameters."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        seed_demo(projects=PROJECTS, today=TODAY)
        # The small demo holds its meetings elsewhere: one of 市南区, so its routes get a row.
        meeting_create(
            kind=MeetingKind.WEEKLY,
            region=Region.objects.get(code="370202"),
            date=TODAY,
            actor=User.objects.get(username="city"),
        )
        tokens = {
            name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
            for name in CALLERS
        }
        yield {"tokens": tokens, "real": real_parameters(tokens[CALLERS[0]])}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def keep_the_connection():
    """The calls go through the WSGI app, whose request signals would close the connection the
    module's transaction lives on (inside a transaction autocommit is off, which
    close_if_unusable_or_obsolete takes for a broken connection). Django's test client
    disconnects them around each of its requests and connects them again after: so here,
    before every test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_parameters(token: str) -> dict[tuple[str, str], str]:
    """(resource, path parameter) → a real value the caller sees: the first row of each list
    (`resource` is the path's first segment after /api/v1/)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def first(url: str, key: str = "id") -> str | None:
        body = client.get(url).json()
        rows = body["results"] if isinstance(body, dict) else body
        return str(rows[0][key]) if rows else None

    real = {
        ("issues", "id"): first("/api/v1/issues/"),
        ("meetings", "id"): first("/api/v1/meetings/"),
        ("inspections", "id"): first("/api/v1/inspections/"),
        ("letters", "id"): first("/api/v1/letters/"),
        ("notifications", "id"): first("/api/v1/notifications/"),
        ("withdrawals", "id"): first("/api/v1/withdrawals/"),
        ("units", "id"): first("/api/v1/units/"),
        ("people", "id"): first("/api/v1/people/"),
        ("regions", "code"): first("/api/v1/regions/", "code"),
        ("categories", "code"): first("/api/v1/categories/", "code"),
        ("chain-roles", "code"): first("/api/v1/chain-roles/", "code"),
    }
    # A project with reports and plans: the reports' period and a plan's year.
    for code in [row["code"] for row in client.get("/api/v1/projects/").json()["results"]]:
        period = first(f"/api/v1/projects/{code}/reports/", "period")
        year = first(f"/api/v1/projects/{code}/years/", "year")
        if period and year:
            real |= {
                ("projects", "code"): code,
                ("projects", "project_code"): code,
                ("projects", "period"): period,
                ("projects", "year"): year,
            }
            break
    if real[("inspections", "id")]:
        findings = client.get(f"/api/v1/inspections/{real[('inspections', 'id')]}/").json()
        if findings["findings"]:
            real[("inspections", "finding_id")] = str(findings["findings"][0]["id"])
    return {key: value for key, value in real.items() if value is not None}


# Loaded at collection, through the app itself (the schema view reads no table).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, demo):
    city, district = demo["tokens"]["city"], demo["tokens"]["shinan"]
    case.call_and_validate(headers={"Authorization": f"Token {city}"}, checks=CHECKS)
    if case.path_parameters:
        resource = case.path.removeprefix("/api/v1/").split("/")[0]
        case.path_parameters = {
            name: demo["real"].get((resource, name), value)
            for name, value in case.path_parameters.items()
        }
    case.call_and_validate(headers={"Authorization": f"Token {district}"}, checks=CHECKS)


def test_the_district_requests_reach_real_rows(demo):
    """(the substitution above has something to substitute: a real project, report, plan,
    issue, meeting … of 市南区 in the demo)"""
    assert {
        ("projects", "code"),
        ("projects", "period"),
        ("projects", "year"),
        ("issues", "id"),
        ("meetings", "id"),
        ("units", "id"),
        ("people", "id"),
    } <= set(demo["real"])
