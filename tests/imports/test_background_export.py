"""Background exports (imports.exporting): above EXPORT_BACKGROUND_ROWS rows the project list's
and the ledger's export become a job — started from a confirmation page, written by the task
with its progress, downloadable by its user only — and the file is the direct download's."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports.choices import JobState
from imports.models import ExportJob
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = reverse("projects:project_list")


@pytest.fixture
def projects(regions):
    for n in range(7):
        ProjectFactory(code=f"BG-{n:03d}", region=regions["district"])
    ProjectFactory(code="BG-900", region=regions["other"])


def test_a_long_list_is_exported_in_the_background_with_progress(
    client,
    district_official,
    projects,
    settings,
    celery_eager,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_BACKGROUND_ROWS = 5
    client.force_login(district_official)
    response = client.get(LIST, {"export": "xlsx", "stage": "construction"})
    start = reverse("imports:export_start", args=["projects"])
    assert response.status_code == 302 and response["Location"].startswith(start)

    page = client.get(response["Location"])
    assert "共 7 行" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"export": "xlsx", "stage": "construction"})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("imports:export_job", args=[job.pk])
    assert job.state == JobState.DONE and job.rows_done == job.rows_total == 7
    assert job.query == {"stage": ["construction"]}

    progress = client.get(reverse("imports:export_progress", args=[job.pk])).content.decode()
    assert "共 7 行" in progress and reverse("imports:export_download", args=[job.pk]) in progress
    download = client.get(reverse("imports:export_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "重点项目清单" in rows[0][0] and "建设阶段：在建" in rows[0][0]
    assert [r[0] for r in rows[2:-1]] == [f"BG-{n:03d}" for n in range(7)]  # not 市北区's
    assert rows[-1][0] == "合计" and rows[-1][1] == "7 个项目"


def test_an_export_is_only_its_users(
    client, district_official, city_official, projects, celery_eager
):
    client.force_login(district_official)
    client.post(reverse("imports:export_start", args=["projects"]), {})
    job = ExportJob.objects.get()
    client.force_login(city_official)
    assert client.get(reverse("imports:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:export_download", args=[job.pk])).status_code == 404


def test_a_long_ledger_is_exported_in_the_background(
    client,
    district_official,
    projects,
    settings,
    celery_eager,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_BACKGROUND_ROWS = 3
    client.force_login(district_official)
    response = client.get(reverse("imports:ledger_export"), {"year": 2024}, follow=True)
    assert "共 7 行" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:export_start", args=["ledger"]), {"year": "2024"})
    job = ExportJob.objects.get()
    assert job.state == JobState.DONE and job.rows_done == 7
    download = client.get(reverse("imports:export_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    assert sheet.cell(row=1, column=1).value == "项目编号" and sheet.max_row == 8


def test_a_short_list_is_still_downloaded_at_once(client, district_official, projects):
    client.force_login(district_official)
    response = client.get(LIST, {"export": "xlsx"})
    assert response.status_code == 200 and not ExportJob.objects.exists()
