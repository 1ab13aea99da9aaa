"""User text through the API passes the one rule for user text (core/text.py `clean_text`):
control characters such as a vertical tab are removed before anything is saved, tab and
newline stay, and NUL is refused with a 400 naming the field (issue #10)."""

import pytest
from rest_framework import serializers

from core.api import CleanCharField
from projects.models import MonthlyReport, Project
from supervision.models import Issue

pytestmark = pytest.mark.django_db


class Sample(serializers.Serializer):
    text = CleanCharField(max_length=20)
    optional = CleanCharField(required=False, allow_blank=True)


def test_the_field_strips_control_characters_and_keeps_tab_and_newline(db):
    sample = Sample(data={"text": "一\x0b二\x1b三\x7f", "optional": "甲\t乙\n丙\x85"})
    assert sample.is_valid(), sample.errors
    assert sample.validated_data == {"text": "一二三", "optional": "甲\t乙\n丙"}


def test_the_field_refuses_nul_naming_the_field(db):
    sample = Sample(data={"text": "一\x00二"})
    assert not sample.is_valid()
    assert list(sample.errors) == ["text"]
    assert "NUL" in str(sample.errors["text"][0])


def test_text_of_nothing_but_control_characters_is_blank(db):
    sample = Sample(data={"text": "\x0b\x01"})
    assert not sample.is_valid()
    assert sample.errors["text"][0].code == "blank"


def test_a_project_name_is_cleaned_on_patch(client_for, district_official, project):
    response = client_for(district_official).patch(
        f"/api/v1/projects/{project.code}/",
        {"name": "新\x0b名称", "description": "第一行\n第二行\x0c", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert (project.name, project.description) == ("新名称", "第一行\n第二行")


def test_nul_in_a_project_name_is_400_and_nothing_is_saved(client_for, district_official, project):
    response = client_for(district_official).patch(
        f"/api/v1/projects/{project.code}/", {"name": "新\x00名称", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()
    assert Project.objects.get(pk=project.pk).version == 1


def test_a_new_project_is_cleaned(client_for, district_official, regions):
    response = client_for(district_official).post(
        "/api/v1/projects/",
        {"code": "SN-T-1", "name": "\x0b测试\x0b项目", "region": "370202", "level": "city"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Project.objects.get(code="SN-T-1").name == "测试项目"


def test_a_report_note_is_cleaned_and_nul_refused(client_for, district_official, project):
    client = client_for(district_official)
    url = f"/api/v1/projects/{project.code}/reports/"
    created = client.post(
        url,
        {"year": 2024, "month": 3, "completed_investment": "1", "note": "主体\x0b施工"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert MonthlyReport.objects.get(project=project).note == "主体施工"
    refused = client.patch(url + "2024-03/", {"note": "\x00", "version": 1}, format="json")
    assert refused.status_code == 400
    assert "note" in refused.json()


def test_an_issue_is_cleaned_and_nul_refused(client_for, district_official, project):
    client = client_for(district_official)
    body = {"project": project.code, "category": "land", "title": "用地\x0b问题"}
    created = client.post("/api/v1/issues/", {**body, "description": "说明\x1f"}, format="json")
    assert created.status_code == 201, created.content
    issue = Issue.objects.get()
    assert (issue.title, issue.description) == ("用地问题", "说明")
    refused = client.post("/api/v1/issues/", {**body, "description": "a\x00b"}, format="json")
    assert refused.status_code == 400
    assert "description" in refused.json()
    assert Issue.objects.count() == 1


def test_a_withdrawal_reason_is_cleaned(client_for, district_official, project):
    response = client_for(district_official).post(
        f"/api/v1/projects/{project.code}/withdrawal/", {"reason": "项目\x0b终止"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "项目终止"
