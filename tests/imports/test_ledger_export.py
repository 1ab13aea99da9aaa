"""The ledger export in the import's own format (imports.ledger_export): export → import_ledger
changes nothing — no write, no version bump, no history row —, and an edited cell changes only
its project."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports.ledger import import_ledger
from projects.models import MonthlyReport, Project, ProjectYear
from tests.imports.conftest import LEDGER_HEADERS, ledger_row
from tests.imports.test_import_ledger import database_counts

pytestmark = pytest.mark.django_db

EXPORT = reverse("imports:ledger_export")


@pytest.fixture
def imported(regions, ledger, district_official):
    """Three projects of 市南区 as a district would upload them: a town, coordinates, a new
    unit, categories, the chain, twelve months (one of them with cents)."""
    from tests.factories import ProjectFactory

    rows = [
        ledger_row("QD-101"),
        ledger_row("QD-102", **{"项目类别": "技改", "5月": "123.45", "是否新开工": "否"}),
        ledger_row("QD-103", **{"区级领导": None, "1月": None, "实际开工日期": None}),
    ]
    headers = [*LEDGER_HEADERS, "所在镇街", "纬度", "经度", "建设单位", "投产日期"]
    rows[0] |= {"所在镇街": "八大关街道", "纬度": 36.0671, "经度": 120.3826, "建设单位": "某公司"}
    result = import_ledger(ledger(rows, headers=headers), year=2024, user=district_official)
    assert result.ok, result.errors
    ProjectFactory(code="QD-900", region=regions["other"])  # 市北区: not the official's
    return result


def export(client, user, **query) -> bytes:
    client.force_login(user)
    response = client.get(EXPORT, {"year": 2024, **query})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_exported_ledger_imports_back_without_any_change(
    client, district_official, imported, django_assert_num_queries
):
    before = database_counts()
    versions = dict(Project.objects.values_list("code", "version"))

    content = export(client, district_official)
    result = import_ledger(io.BytesIO(content), year=2024, user=district_official)

    assert result.ok, result.errors
    assert result.counts["projects_unchanged"] == 3
    assert not result.counts.get("projects_updated") and not result.counts.get("projects_created")
    assert not result.counts.get("reports_updated") and not result.counts.get("reports_created")
    assert not result.counts.get("chain_assigned")
    assert database_counts() == before  # history tables included: no history row
    assert dict(Project.objects.values_list("code", "version")) == versions


def test_the_export_is_the_ledger_template_with_values_as_the_import_reads_them(
    client, district_official, imported
):
    sheet = load_workbook(io.BytesIO(export(client, district_official))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("项目编号", "项目名称", "所属区域")  # row 1: the import's headers
    assert set(LEDGER_HEADERS) <= set(header)
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_code) == ["QD-101", "QD-102", "QD-103"]  # not 市北区's project
    first = by_code["QD-101"]
    assert first["所属区域"] == "市南区" and first["所在镇街"] == "八大关街道"
    assert first["总投资(万元)"] == 10000 and first["1月"] == 100  # numbers, not text
    assert by_code["QD-102"]["5月"] == pytest.approx(123.45)
    assert by_code["QD-102"]["是否新开工"] == "否"
    assert by_code["QD-103"]["1月"] is None and by_code["QD-103"]["区级领导"] is None
    assert sheet.freeze_panes == "C2" and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"


def test_an_edited_cell_changes_only_its_project(client, district_official, imported):
    workbook = load_workbook(io.BytesIO(export(client, district_official)))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "QD-102")
    row[header.index("6月")].value = 250
    row[header.index("项目名称")].value = "改过的名称"
    edited = io.BytesIO()
    workbook.save(edited)
    before = database_counts()
    edited.seek(0)

    result = import_ledger(edited, year=2024, user=district_official)

    assert result.ok, result.errors
    assert result.counts["projects_updated"] == 1 and result.counts["projects_unchanged"] == 2
    assert result.counts["reports_updated"] == 1
    after = database_counts()
    assert after["history of Project"] == before["history of Project"] + 1
    assert after["history of MonthlyReport"] == before["history of MonthlyReport"] + 1
    assert after["history of ProjectYear"] == before["history of ProjectYear"]
    report = MonthlyReport.objects.get(project__code="QD-102", year=2024, month=6)
    assert report.completed_investment == Decimal("250")
    assert Project.objects.get(code="QD-102").name == "改过的名称"
    assert ProjectYear.objects.filter(project__code="QD-102", year=2024).count() == 1


def test_the_export_reads_a_constant_number_of_queries(
    client, district_official, imported, django_assert_max_num_queries
):
    client.force_login(district_official)
    with django_assert_max_num_queries(14):
        response = client.get(EXPORT, {"year": 2024})
        b"".join(response.streaming_content)


def test_a_viewer_may_not_export_the_ledger(client, viewer, regions):
    client.force_login(viewer)
    assert client.get(EXPORT).status_code == 403


def test_a_bad_year_goes_back_to_the_upload_page_with_a_message(client, district_official):
    client.force_login(district_official)
    response = client.get(EXPORT, {"year": "1800"}, follow=True)
    assert response.status_code == 200
    assert "年度" in response.content.decode()
