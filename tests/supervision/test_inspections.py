"""Inspections (巡查/督导): date, inspectors, findings, photos; a finding raises an issue in one
step."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from supervision import services
from supervision.models import Inspection, InspectionPhoto, Issue

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.fixture
def inspection_body(assignee):
    return {
        "project": "QD-001",
        "kind": "supervision",
        "date": "2026-09-25",
        "inspectors": [assignee.pk],
        "summary": "现场查看主体结构施工",
        "findings": [
            {
                "description": "塔吊未安装到位，影响施工进度",
                "category": "other",
                "raise_issue": True,
            },
            {"description": "安全文明施工措施到位"},
        ],
    }


def test_inspection_with_a_finding_raising_an_issue_in_one_step(
    clock, project, api, district_official, inspection_body
):
    response = api(district_official).post("/api/v1/inspections/", inspection_body, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind_label"] == "督导" and body["inspectors"][0]["name"] == "张伟"
    raised, plain = body["findings"]
    issue = Issue.objects.get(pk=raised["issue"])
    assert (issue.title, issue.source, issue.status, issue.project) == (
        "塔吊未安装到位，影响施工进度",
        "inspection",
        "collected",
        project,
    )
    assert plain["issue"] is None

    response = api(district_official).post(
        f"/api/v1/inspections/{body['id']}/findings/{plain['id']}/raise-issue/",
        {"title": "文明施工复查"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["title"] == "文明施工复查"
    again = api(district_official).post(
        f"/api/v1/inspections/{body['id']}/findings/{plain['id']}/raise-issue/", {}, format="json"
    )
    assert again.status_code == 400
    assert Issue.objects.count() == 2


def test_inspection_in_the_future_is_a_400(clock, project, api, district_official, inspection_body):
    inspection_body["date"] = "2026-10-30"
    response = api(district_official).post("/api/v1/inspections/", inspection_body, format="json")
    assert response.status_code == 400 and "date" in response.json()
    assert not Inspection.objects.exists() and not Issue.objects.exists()


def test_inspections_are_scoped(
    clock, project, api, city_official, district_official, other_official, inspection_body
):
    created = api(district_official).post("/api/v1/inspections/", inspection_body, format="json")
    pk = created.json()["id"]
    assert api(city_official).get("/api/v1/inspections/").json()["count"] == 1
    assert api(other_official).get("/api/v1/inspections/").json()["count"] == 0
    assert api(other_official).get(f"/api/v1/inspections/{pk}/").status_code == 404
    response = api(other_official).post("/api/v1/inspections/", inspection_body, format="json")
    assert response.status_code == 400 and "project" in response.json()


def test_photos_must_be_images(clock, project, api, district_official, inspection_body, _media):
    pk = (
        api(district_official)
        .post("/api/v1/inspections/", inspection_body, format="json")
        .json()["id"]
    )
    url = f"/api/v1/inspections/{pk}/photos/"
    ok = api(district_official).post(
        url, {"file": SimpleUploadedFile("塔吊.png", PNG), "caption": "塔吊"}, format="multipart"
    )
    assert ok.status_code == 201, ok.json()
    refused = api(district_official).post(
        url, {"file": SimpleUploadedFile("报告.pdf", PDF)}, format="multipart"
    )
    assert refused.status_code == 400 and "file" in refused.json()
    assert InspectionPhoto.objects.count() == 1
    listed = api(district_official).get(f"/api/v1/inspections/{pk}/").json()
    assert [p["caption"] for p in listed["photos"]] == ["塔吊"]


def test_inspection_list_query_count_does_not_grow(
    clock, project, assignee, api, city_official, django_assert_num_queries
):
    def inspect():
        services.inspection_create(
            project=project,
            date=dt.date(2026, 9, 20),
            inspectors=[assignee],
            findings=[services.FindingInput(description="进度偏慢", raise_issue=True)],
        )

    inspect()
    client = api(city_official)
    # 1 count, 2 page with project and region, 3 inspectors, 4 findings, 5 photos
    with django_assert_num_queries(5):
        client.get("/api/v1/inspections/")
    for _ in range(4):
        inspect()
    with django_assert_num_queries(5):
        assert client.get("/api/v1/inspections/").json()["count"] == 5
