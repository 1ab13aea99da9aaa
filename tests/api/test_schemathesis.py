"""The API holds its contract (INTERFACES.md §4: "400 for bad input, never 500"): schemathesis
generates requests for every operation of `/api/schema/` — valid and invalid bodies, query
parameters and path parameters — and sends each, in-process (WSGI), as a district official
and as the city official (tokens, like a script), on a small demo installation. Every answer
must be a non-5xx, carry the content type, and match the response schema documented for it.

Deterministic and bounded: hypothesis derandomized with a fixed number of examples per
operation, so a run takes the same requests every time (about a minute on two cores). Marked
`schemathesis`: `pytest -m schemathesis` runs it alone, `-m "not schemathesis"` skips it."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from projects.models import User
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
def demo_tokens(django_db_setup, django_db_blocker):
    """A small demo installation (seed_demo, with issues, meetings and colours) for the whole
    module, rolled back at its end; the callers' API tokens."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        seed_demo(projects=PROJECTS, today=TODAY)
        tokens = {
            name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
            for name in CALLERS
        }
        yield tokens
        transaction.set_rollback(True)


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
def test_every_operation_keeps_its_contract(case, demo_tokens):
    for name in CALLERS:
        case.call_and_validate(
            headers={"Authorization": f"Token {demo_tokens[name]}"}, checks=CHECKS
        )
