"""Uploads that would exhaust the server are refused: before parsing (too large, not a zip, a
zip bomb — unzipped size or compression ratio), and while reading (rows, columns, cell length),
by the importers, the management commands and the upload pages alike. Nothing is written."""

import io
import os
import time
import zipfile
from io import StringIO

import pytest
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from imports import sheet
from imports.ledger import import_ledger
from imports.limits import FileRefused, Limits, check_xlsx
from imports.models import ImportJob
from imports.reports import import_reports
from projects.models import MonthlyReport, Project
from tests.imports.conftest import LEDGER_HEADERS, ledger_row

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
REPORT_HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>项目编号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>本月完成投资(万元)</t></is></c></row>'
)


def workbook_bytes() -> bytes:
    book = Workbook()
    book.active.append(["项目编号", "本月完成投资(万元)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(path, chunks) -> None:
    """Writes to `path` a real openpyxl workbook whose first sheet's XML is replaced by the
    `chunks` (streamed into the zip, so a huge sheet never sits in memory here either)."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as handle:
                    for chunk in chunks:
                        handle.write(chunk)
            else:
                target.writestr(member, source.read(member))


def sheet_xml(*rows: str) -> list[bytes]:
    return [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>",
        *(row.encode() for row in rows),
        b"</sheetData></worksheet>",
    ]


def zip_bomb(path, megabytes: int) -> None:
    """One text cell of `megabytes` MiB of spaces: a few hundred KB zipped."""
    chunk = b" " * (1024 * 1024)
    head, *_rows, tail = sheet_xml(REPORT_HEADER)
    with_sheet(
        path,
        [
            head,
            REPORT_HEADER.encode(),
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
            *(chunk for _ in range(megabytes)),
            b"</t></is></c></row>",
            tail,
        ],
    )


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is asked to open the file at all."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(sheet, "load_workbook", refuse)


def test_a_zip_bomb_is_refused_before_parsing_with_the_default_limits(
    tmp_path, district_official, no_parsing
):
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 120)  # 120 MiB unzipped
    assert path.stat().st_size < 1024 * 1024

    result = import_reports(path, year=2024, month=9, user=district_official)

    assert not result.ok
    (error,) = result.errors
    assert "IMPORT_MAX_UNZIPPED_BYTES" in error.reason
    assert "解压后过大" in error.reason
    assert not MonthlyReport.objects.exists()


def test_the_compression_ratio_is_a_limit_of_its_own(tmp_path, settings, no_parsing):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 10**12
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 8)

    with pytest.raises(FileRefused, match="IMPORT_MAX_COMPRESSION_RATIO"):
        check_xlsx(path)

    settings.IMPORT_MAX_COMPRESSION_RATIO = 10**6  # the same file passes a looser limit
    check_xlsx(path)


def test_an_ordinary_workbook_is_within_the_limits(tmp_path, ledger):
    path = ledger([ledger_row(f"C{n}") for n in range(200)])

    check_xlsx(path)  # no exception
    with path.open("rb") as handle:
        check_xlsx(handle)
        assert handle.tell() == 0  # left at the start for the parser


def test_a_file_that_is_not_a_zip_is_refused(tmp_path, district_official, no_parsing):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 100)

    result = import_reports(path, year=2024, month=9, user=district_official)

    assert "不是有效的 .xlsx 文件" in result.errors[0].reason


def test_a_file_above_the_upload_size_is_refused(tmp_path, settings, ledger, no_parsing):
    path = ledger([ledger_row("C1")])
    settings.IMPORT_MAX_UPLOAD_BYTES = path.stat().st_size - 1

    with pytest.raises(FileRefused, match="IMPORT_MAX_UPLOAD_BYTES"):
        check_xlsx(path)


def test_three_million_rows_declared_cheaply_stop_at_the_row_limit(tmp_path, district_official):
    # A few hundred bytes: one header and one cell on row 3,000,000; openpyxl's read-only
    # reader yields every empty row in between.
    path = tmp_path / "rows.xlsx"
    with_sheet(
        path, sheet_xml(REPORT_HEADER, '<row r="3000000"><c r="A3000000"><v>1</v></c></row>')
    )
    assert path.stat().st_size < 10_000

    started = time.monotonic()
    result = import_reports(path, year=2024, month=9, user=district_official)
    elapsed = time.monotonic() - started

    assert not result.ok
    (error,) = result.errors
    assert "100000 行数据的限制（IMPORT_MAX_ROWS）" in error.reason
    assert "第 100002 行停止" in error.reason
    assert elapsed < 30  # stopped at 100,000 rows, not 3,000,000
    assert not MonthlyReport.objects.exists()


def test_the_row_limit_counts_data_rows(tmp_path, settings, project, other_project):
    settings.IMPORT_MAX_ROWS = 2
    rows = [f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{code}</t></is></c>'
            f'<c r="B{n}"><v>1</v></c></row>'
            for n, code in ((2, project.code), (3, other_project.code))]  # fmt: skip
    path = tmp_path / "two.xlsx"
    with_sheet(path, sheet_xml(REPORT_HEADER, *rows))
    assert import_reports(path, year=2024, month=9).ok  # two data rows: within the limit

    settings.IMPORT_MAX_ROWS = 1
    result = import_reports(path, year=2024, month=10)
    assert [e.reason for e in result.errors if "IMPORT_MAX_ROWS" in e.reason]
    assert not MonthlyReport.objects.filter(month=10).exists()


def test_a_row_wider_than_the_column_limit_stops_the_import(tmp_path, district_official):
    path = tmp_path / "wide.xlsx"
    with_sheet(path, sheet_xml(REPORT_HEADER, '<row r="2"><c r="XFD2"><v>1</v></c></row>'))

    result = import_reports(path, year=2024, month=9, user=district_official)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "XFD")
    assert "16384 列，超过 200 列的限制（IMPORT_MAX_COLUMNS）" in error.reason


def test_a_cell_longer_than_the_limit_stops_the_import(tmp_path, settings, district_official):
    settings.IMPORT_MAX_CELL_CHARS = 50
    cell = "长" * 51
    path = tmp_path / "long.xlsx"
    with_sheet(
        path,
        sheet_xml(
            REPORT_HEADER, f'<row r="2"><c r="B2" t="inlineStr"><is><t>{cell}</t></is></c></row>'
        ),
    )

    result = import_reports(path, year=2024, month=9, user=district_official)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "B")
    assert "51 个字符，超过 50 个字符的限制（IMPORT_MAX_CELL_CHARS）" in error.reason


def test_limits_come_from_the_settings(settings):
    settings.IMPORT_MAX_ROWS = 7
    settings.IMPORT_MAX_COLUMNS = 8

    limits = Limits.from_settings()

    assert (limits.rows, limits.columns) == (7, 8)


def test_an_amount_beyond_the_money_range_is_a_row_error(regions, ledger, xlsx, project):
    path = ledger([ledger_row("C1", **{"总投资(万元)": 1e30}), ledger_row("C2")])

    result = import_ledger(path, year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(2, "总投资(万元)")]
    assert "超出范围" in result.errors[0].reason
    assert not Project.objects.filter(code__in=["C1", "C2"]).exists()

    reports = xlsx(["项目编号", "本月完成投资(万元)"], [[project.code, 1e30]])
    result = import_reports(reports, year=2024, month=9)
    assert [(e.row, e.column) for e in result.errors] == [(2, "本月完成投资(万元)")]
    assert not MonthlyReport.objects.exists()


def test_the_import_commands_refuse_a_zip_bomb_with_a_non_zero_exit(tmp_path, regions, no_parsing):
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 120)
    for command, arguments in (
        ("import_ledger", ["--year", "2024"]),
        ("import_reports", ["--year", "2024", "--month", "9"]),
    ):
        err = StringIO()
        with pytest.raises(CommandError, match="未写入任何数据"):
            call_command(command, str(path), *arguments, stderr=err)
        assert "IMPORT_MAX_UNZIPPED_BYTES" in err.getvalue()


@pytest.mark.parametrize("page", ["imports:ledger_upload", "imports:reports_upload"])
def test_the_upload_pages_refuse_a_zip_bomb_without_storing_it(
    client, settings, tmp_path, district_official, page, no_parsing
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 120)
    client.force_login(district_official)

    upload = SimpleUploadedFile("台账.xlsx", path.read_bytes())
    response = client.post(reverse(page), {"file": upload, "year": 2024, "month": 9}, follow=True)

    assert response.status_code == 200
    assert "IMPORT_MAX_UNZIPPED_BYTES" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.xlsx"))


def test_the_upload_page_refuses_a_file_above_the_upload_size(
    client, settings, tmp_path, district_official, ledger
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    client.force_login(district_official)
    path = ledger([ledger_row(f"C{n}") for n in range(50)])
    assert path.stat().st_size > 1000

    response = client.post(
        reverse("imports:ledger_upload"),
        {"file": SimpleUploadedFile("台账.xlsx", path.read_bytes()), "year": 2024},
    )

    assert response.status_code == 200
    assert "IMPORT_MAX_UPLOAD_BYTES" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_ledger_importer_checks_the_limits_too(tmp_path, regions, settings):
    settings.IMPORT_MAX_ROWS = 3
    path = tmp_path / "ledger.xlsx"
    book = Workbook()
    book.active.append(LEDGER_HEADERS)
    for n in range(5):
        book.active.append([ledger_row(f"C{n}").get(h) for h in LEDGER_HEADERS])
    book.save(path)

    result = import_ledger(path, year=2024)

    assert "IMPORT_MAX_ROWS" in result.errors[-1].reason
    assert not Project.objects.exists()


@pytest.fixture
def spooled(monkeypatch, settings):
    """Every upload goes to a temporary file (as a large one would); returns the names of
    those created."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    created = []
    real = uploadhandler.TemporaryUploadedFile

    def recording(*args, **kwargs):
        file = real(*args, **kwargs)
        created.append(file.temporary_file_path())
        return file

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", recording)
    return created


def test_an_upload_declared_too_large_is_never_received_into_a_file(
    client, settings, district_official, spooled
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    client.force_login(district_official)
    big = SimpleUploadedFile("台账.xlsx", b"PK" + b"\0" * 300_000)

    response = client.post(reverse("imports:ledger_upload"), {"file": big, "year": 2024})

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        "文件过大（0.3 MB），上传的 Excel 文件不能超过 0.1 MB（IMPORT_MAX_UPLOAD_BYTES）。"
    ]
    assert spooled == []  # dropped before Django's handlers saw a byte of it
    assert not ImportJob.objects.exists()


def test_an_upload_found_too_large_while_receiving_is_dropped(
    client, settings, district_official, spooled
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000  # the body is within the limit and the overhead
    client.force_login(district_official)
    big = SimpleUploadedFile("月报.xlsx", b"PK" + b"\0" * 120_000)

    response = client.post(
        reverse("imports:reports_upload"), {"file": big, "year": 2024, "month": 9}, follow=True
    )

    assert "IMPORT_MAX_UPLOAD_BYTES" in response.content.decode()
    assert spooled  # Django's handler had begun spooling it: the limit stopped it midway
    assert all(not os.path.exists(name) for name in spooled)  # and the partial file is gone
    assert not ImportJob.objects.exists()


def test_the_upload_pages_still_check_csrf(district_official, ledger):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_official)
    upload = SimpleUploadedFile("台账.xlsx", ledger([ledger_row("C1")]).read_bytes())

    for page in ("imports:ledger_upload", "imports:reports_upload"):
        response = client.post(reverse(page), {"file": upload, "year": 2024, "month": 9})
        assert response.status_code == 403
    assert not ImportJob.objects.exists()
