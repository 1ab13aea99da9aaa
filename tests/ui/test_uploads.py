"""Uploads from the browser: the ledger and a month's reports run as a Celery task (eager here)
with a progress page; a rejected file lists every bad row (row, column, reason) and writes
nothing."""

import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from projects.models import MonthlyReport, Project

pytestmark = pytest.mark.django_db

LEDGER = reverse("imports:ledger_upload")
HEADERS = ["项目编号", "项目名称", "所属区域", "项目级别", "建设阶段", "总投资(万元)", "1月"]


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def xlsx(rows: list[list], headers=HEADERS, name="台账.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


GOOD = [
    ["UP-001", "市南区新能源产业园", "市南区", "市级", "在建", 5000, 120],
    ["UP-002", "市南区城市更新项目", "370202", "区级", "储备", "1,200.50", None],
]


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Posts a ledger and opens the job's page. The task is sent on commit (the test's
    transaction never commits, so the callbacks are run here) and runs eagerly."""

    def post(rows, year=2024, url=LEDGER, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"file": rows, "year": year, **fields})
        assert response.status_code == 302, response.content.decode()[:500]
        return client.get(response["Location"])

    return post


def test_a_good_ledger_is_imported_and_the_result_shown(client, upload, district_official, regions):
    client.force_login(district_official)
    response = upload(xlsx(GOOD))
    assert response.status_code == 200
    job = response.context["job"]
    assert job.status == "done" and job.finished
    assert "新增 2 个项目" in response.content.decode()
    assert set(Project.objects.values_list("code", flat=True)) == {"UP-001", "UP-002"}
    assert MonthlyReport.objects.get(project__code="UP-001", month=1).completed_investment == 120


def test_a_ledger_with_bad_rows_is_rejected_whole_with_every_row_named(
    client, upload, district_official, regions
):
    client.force_login(district_official)
    rows = [
        *GOOD,
        ["UP-003", "坏行", "不存在区", "市级", "在建", 100, None],
        ["UP-004", "负数", "市南区", "市级", "在建", -5, None],
    ]
    response = upload(xlsx(rows))
    job = response.context["job"]
    assert job.status == "rejected"
    assert not Project.objects.exists()  # all or nothing
    assert sorted({e["row"] for e in job.errors}) == [4, 5]
    body = response.content.decode()
    table = body[body.index('id="error-table"') :]
    assert re.search(r"<td class=\"num\">4</td><td>所属区域</td>", table)
    assert re.search(r"<td class=\"num\">5</td><td>总投资\(万元\)</td>", table)
    assert "整个文件未导入" in body


def test_a_district_official_cannot_import_into_another_district(
    client, upload, other_official, regions
):
    client.force_login(other_official)
    response = upload(xlsx(GOOD))
    assert response.context["job"].status == "rejected"
    assert not Project.objects.exists()


def test_the_progress_of_a_finished_job_refreshes_the_page_once(
    client, upload, district_official, regions
):
    client.force_login(district_official)
    job = upload(xlsx(GOOD)).context["job"]
    url = reverse("imports:import_progress", args=[job.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_someone_elses_job_is_not_found(client, upload, district_official, other_official, regions):
    client.force_login(district_official)
    job = upload(xlsx(GOOD)).context["job"]
    client.force_login(other_official)
    assert client.get(reverse("imports:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:import_progress", args=[job.pk])).status_code == 404


def test_a_reader_cannot_upload(client, viewer, regions):
    client.force_login(viewer)
    assert client.get(LEDGER).status_code == 403
    assert client.post(LEDGER, {"file": xlsx(GOOD), "year": 2024}).status_code == 403


def test_only_xlsx_files_are_accepted(client, district_official, regions):
    client.force_login(district_official)
    bad = SimpleUploadedFile("台账.csv", b"code,name\n")
    response = client.post(LEDGER, {"file": bad, "year": 2024})
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert "请上传 .xlsx 格式的 Excel 文件。" in response.content.decode()


def test_a_months_reports_upload(client, upload, district_official, project):
    client.force_login(district_official)
    file = xlsx(
        [[project.code, 321.5]], headers=["项目编号", "本月完成投资(万元)"], name="月报.xlsx"
    )
    response = upload(file, url=reverse("imports:reports_upload"), month=9)
    assert response.context["job"].status == "done"
    report = MonthlyReport.objects.get(project=project, year=2024, month=9)
    assert report.completed_investment == Decimal("321.50")


def test_the_templates_are_the_importers_own(client, district_official, regions):
    client.force_login(district_official)
    response = client.get(reverse("imports:import_template", args=["ledger"]))
    headers = next(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert headers[:3] == ("项目编号", "项目名称", "所属区域")
    assert client.get(reverse("imports:import_template", args=["other"])).status_code == 404


def test_a_rejected_upload_form_goes_back_only_to_this_site(client, district_official, regions):
    client.force_login(district_official)
    url = reverse("imports:reports_upload")
    outside = client.post(url, {"year": 2024, "month": 9, "next": "https://example.com/"})
    assert outside["Location"] == reverse("projects:reporting")
    inside = client.post(url, {"year": 2024, "month": 9, "next": "/reporting/370202/2024-09/"})
    assert inside["Location"] == "/reporting/370202/2024-09/"
