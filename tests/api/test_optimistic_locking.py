"""The optimistic lock is not optional (INTERFACES.md §4, README "REST API", 2026-12-02): a PATCH
of a project or a monthly report names the version it was made from — `version` in the body or
an `If-Match` header — or it is refused with 428 and a message saying what to send. A stale
version is a 409 with the current version; nothing is written in either case."""

from decimal import Decimal

import pytest
from django.test import Client

from projects import services
from projects.models import MonthlyReport, Project

pytestmark = pytest.mark.django_db


def project_url(code: str) -> str:
    return f"/api/v1/projects/{code}/"


def report_url(code: str, period: str = "2024-03") -> str:
    return f"/api/v1/projects/{code}/reports/{period}/"


@pytest.fixture
def march(project, district_official):
    return services.report_create(
        project=project, year=2024, month=3, completed_investment=Decimal("150.00")
    )


@pytest.fixture
def targets(project, march):
    """Each versioned resource: its URL, a change to send, and how to read it back."""
    return [
        (project_url(project.code), {"name": "改名"}, lambda: Project.objects.get(pk=project.pk)),
        (
            report_url(project.code),
            {"completed_investment": "99.00"},
            lambda: MonthlyReport.objects.get(pk=march.pk),
        ),
    ]


def assert_precondition_required(response):
    assert response.status_code == 428, response.content
    detail = response.json()["detail"]
    assert "`version`" in detail and "If-Match" in detail, detail


def test_patch_without_version_nor_if_match_is_428_and_writes_nothing(
    client_for, district_official, targets
):
    client = client_for(district_official)
    for url, body, read in targets:
        before = read()
        assert_precondition_required(client.patch(url, body, format="json"))
        after = read()
        assert after.version == before.version == 1, url
        assert after.history.count() == before.history.count(), url


def test_a_blank_if_match_is_no_precondition(client_for, district_official, targets):
    client = client_for(district_official)
    for url, body, _read in targets:
        assert_precondition_required(client.patch(url, body, format="json", HTTP_IF_MATCH="  "))


def test_428_comes_before_the_body_is_validated(client_for, district_official, targets):
    """A client learns at its first try that it must send the version."""
    client = client_for(district_official)
    for url, _body, _read in targets:
        assert_precondition_required(
            client.patch(url, {"completed_investment": "abc"}, format="json")
        )


def test_token_scripts_get_428_too(token_client_for, district_official, targets):
    client = token_client_for(district_official)
    for url, body, _read in targets:
        assert_precondition_required(client.patch(url, body, format="json"))


def test_form_encoded_patch_without_version_is_428(district_official, project, march):
    client = Client()
    client.force_login(district_official)
    response = client.patch(
        project_url(project.code), "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_precondition_required(response)


def test_the_version_in_the_body_is_enough(client_for, district_official, targets):
    client = client_for(district_official)
    for url, body, read in targets:
        response = client.patch(url, {**body, "version": 1}, format="json")
        assert response.status_code == 200, (url, response.content)
        assert response["ETag"] == '"2"'
        assert read().version == 2


def test_if_match_alone_is_enough(client_for, district_official, targets):
    client = client_for(district_official)
    for url, body, read in targets:
        response = client.patch(url, body, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 200, (url, response.content)
        assert read().version == 2


def test_stale_body_version_is_409_with_the_current_version(
    client_for, district_official, project, march, targets
):
    services.project_update(project=project, name="别人先改了")
    services.report_update(report=march, completed_investment=Decimal("160.00"))
    client = client_for(district_official)
    for url, body, read in targets:
        response = client.patch(url, {**body, "version": 1}, format="json")
        assert response.status_code == 409, (url, response.content)
        assert response.json()["current_version"] == 2
        assert read().version == 2
    project.refresh_from_db()
    march.refresh_from_db()
    assert (project.name, march.completed_investment) == ("别人先改了", Decimal("160.00"))


def test_stale_if_match_is_409(client_for, district_official, project, march, targets):
    services.project_update(project=project, name="别人先改了")
    services.report_update(report=march, completed_investment=Decimal("160.00"))
    client = client_for(district_official)
    for url, body, _read in targets:
        response = client.patch(url, body, format="json", HTTP_IF_MATCH='W/"1"')
        assert response.status_code == 409, (url, response.content)
        assert response.json()["current_version"] == 2


def test_if_match_star_is_an_explicit_unconditional_change(
    client_for, district_official, project, march, targets
):
    """RFC 9110: `If-Match: *` matches any current version — the client says so on purpose."""
    services.project_update(project=project, name="别人先改了")
    client = client_for(district_official)
    response = client.patch(project_url(project.code), {"name": "覆盖"}, HTTP_IF_MATCH="*")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "覆盖"


def test_a_json_list_as_the_body_is_400(client_for, district_official, targets):
    client = client_for(district_official)
    for url, _body, read in targets:
        for body in ([], [{"version": 1}], "version", 1):
            response = client.patch(url, body, format="json", HTTP_IF_MATCH='"1"')
            assert response.status_code == 400, (url, body, response.content)
            assert "non_field_errors" in response.json()
        assert read().version == 1


def test_out_of_scope_is_404_before_428(client_for, other_official, targets):
    """An official of another district learns nothing, not even that a version is needed."""
    client = client_for(other_official)
    for url, body, _read in targets:
        assert client.patch(url, body, format="json").status_code == 404, url


def test_readers_get_403_before_428(client_for, viewer, targets):
    client = client_for(viewer)
    for url, body, _read in targets:
        assert client.patch(url, body, format="json").status_code == 403, url


def test_put_is_not_a_way_around_the_lock(client_for, district_official, targets):
    client = client_for(district_official)
    for url, body, read in targets:
        assert client.put(url, body, format="json").status_code == 405, url
        assert read().version == 1


def test_the_schema_documents_428_and_409_on_both_patches(client_for, city_official):
    schema = client_for(city_official).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/projects/{code}/",
        "/api/v1/projects/{project_code}/reports/{period}/",
    ):
        responses = schema["paths"][path]["patch"]["responses"]
        assert {"200", "409", "428"} <= set(responses), (path, sorted(responses))
