"""The commands users and scripts call: exit status, summary, template round trip."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from projects.models import MonthlyReport, Project
from tests.imports.conftest import LEDGER_HEADERS, ledger_row

pytestmark = pytest.mark.django_db


def test_import_ledger_prints_a_summary(regions, ledger):
    out = StringIO()

    call_command("import_ledger", str(ledger([ledger_row("C1")])), "--year", "2024", stdout=out)

    assert "新增 1 个项目，更新 0 个，未变 0 个" in out.getvalue()
    assert "月报新增 12 条" in out.getvalue()


def test_import_ledger_with_errors_exits_non_zero_listing_them(regions, ledger):
    err = StringIO()
    rows = [ledger_row("C1", 项目级别="国家级"), ledger_row("C2", 所属区域="火星区")]

    with pytest.raises(CommandError, match="共 2 处错误，未写入任何数据"):
        call_command("import_ledger", str(ledger(rows)), "--year", "2024", stderr=err)

    assert "第 2 行【项目级别】" in err.getvalue()
    assert "第 3 行【所属区域】" in err.getvalue()
    assert not Project.objects.exists()


def test_plan_revision_reason_option(regions, ledger):
    call_command("import_ledger", str(ledger([ledger_row("C1")])), "--year", "2024")
    changed = str(ledger([ledger_row("C1", **{"年度计划投资(万元)": 800})]))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_ledger", changed, "--year", "2024", stderr=err)
    assert "--plan-revision-reason" in err.getvalue()

    call_command(
        "import_ledger",
        changed,
        "--year",
        "2024",
        "--plan-revision-reason",
        "调减",
        stdout=StringIO(),
    )
    assert Project.objects.get(code="C1").years.get().annual_plan == 800


def test_import_ledger_as_a_user_is_scoped(regions, ledger, district_official):
    path = str(ledger([ledger_row("C1", 所属区域="市北区")]))

    with pytest.raises(CommandError):
        call_command("import_ledger", path, "--year", "2024", "--user", "shinan", stderr=StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_ledger", path, "--year", "2024", "--user", "nobody")


def test_missing_file_is_a_command_error(regions, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_ledger", str(tmp_path / "none.xlsx"), "--year", "2024")


def test_import_reports_command(regions, project, xlsx):
    good = xlsx(["项目编号", "本月完成投资(万元)"], [[project.code, 5]])
    bad = xlsx(["项目编号", "本月完成投资(万元)"], [["NOPE", 5]])
    out = StringIO()

    call_command("import_reports", str(good), "--year", "2024", "--month", "3", stdout=out)
    with pytest.raises(CommandError):
        call_command(
            "import_reports", str(bad), "--year", "2024", "--month", "3", stderr=StringIO()
        )

    assert "月报新增 1 条" in out.getvalue()
    assert MonthlyReport.objects.get().month == 3


def test_ledger_template_has_the_import_headers_and_round_trips(regions, tmp_path):
    path = tmp_path / "template.xlsx"

    call_command("ledger_template", str(path), "--year", "2024", stdout=StringIO())

    workbook = load_workbook(path)
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    assert headers[:3] == ["项目编号", "项目名称", "所属区域"]
    assert set(LEDGER_HEADERS) <= set(headers)
    assert workbook.sheetnames[1] == "填写说明"
    sheet = workbook.worksheets[0]
    row = ledger_row("TPL")
    sheet.append([row.get(header) for header in headers])
    workbook.save(path)
    call_command("import_ledger", str(path), "--year", "2024", stdout=StringIO())
    assert Project.objects.get(code="TPL").reports.count() == 12

    with pytest.raises(CommandError, match="已存在"):
        call_command("ledger_template", str(path))


def test_reports_template(tmp_path):
    path = tmp_path / "reports.xlsx"

    call_command("ledger_template", str(path), "--reports", stdout=StringIO())

    headers = [cell.value for cell in load_workbook(path).worksheets[0][1]]
    assert headers[:2] == ["项目编号", "本月完成投资(万元)"]


def test_an_empty_template_imports_nothing_with_a_warning(regions, tmp_path):
    path = tmp_path / "empty.xlsx"
    call_command("ledger_template", str(path), stdout=StringIO())
    out, err = StringIO(), StringIO()

    call_command("import_ledger", str(path), "--year", "2024", stdout=out, stderr=err)

    assert "文件中没有数据行" in err.getvalue()
    assert "新增 0 个项目" in out.getvalue()
