"""/healthz: 200 when the database and the broker answer, 503 naming the part that does not.
Used by the compose healthcheck and load balancers; public (no login), answers over HTTP even
where HTTPS is enforced."""

import socket
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from tests.deploy.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = ""


def test_healthz_is_200_with_database_and_eager_tasks_for_anonymous(
    client, eager, django_assert_num_queries
):
    with django_assert_num_queries(1):  # SELECT 1 (the database check; no session, no user)
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("official", ["city_official", "district_official", "other_official"])
def test_healthz_is_the_same_for_every_official(client, eager, request, official):
    client.force_login(request.getfixturevalue(official))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_is_503_when_broker_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    started = time.monotonic()
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")
    assert "127.0.0.1" not in body["broker"]  # public endpoint: no addresses or credentials
    assert time.monotonic() - started < 8  # within the compose healthcheck's timeout


def test_healthz_is_503_when_database_unreachable(client, eager, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "database": "error: OperationalError",
        "broker": "eager",
        "status": "error",
    }


def test_healthz_is_200_with_the_real_broker(client):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_or_fail("needs CELERY_BROKER_URL=redis://… (the embedded default has no broker)")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        skip_or_fail("CELERY_TASK_ALWAYS_EAGER is on: the broker is not used")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_refuses_post(client, eager):
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_over_http_where_https_is_enforced(client, eager, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 301  # everything else goes to HTTPS
