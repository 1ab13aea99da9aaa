"""The project list's .xlsx, cell by cell, against the workbook the export wrote before it read
plain values and wrote plain cells (issue #15 item 4): the same values, types, number formats
and bold, on rows chosen to be awkward — a name starting a formula, control characters, a unit
that is itself a formula, no plan (a None rate), a red project with its reason, categories and
leaders in their order, a project without a town or a unit.

`tests/fixtures/project_list_export_cells.json` was written by the export before that change
(`EXPORT_CELLS_WRITE=1 pytest this file` rewrites it — only when the export is meant to change).
"""

import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import Level, Stage
from projects.models import Category, ChainAssignment, ChainRole, Person, Project, Unit
from tests.ui.conftest import PERIOD, compute, make_projects

pytestmark = pytest.mark.django_db

LIST = reverse("projects:project_list")
GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "project_list_export_cells.json"


@pytest.fixture
def awkward(regions):
    projects = make_projects(regions["district"], 4, prefix="TR")  # TR-000 and TR-003 red
    first, second, third, _ = projects
    Project.objects.filter(pk=first.pk).update(name='=HYPERLINK("http://x","点我")')
    Project.objects.filter(pk=second.pk).update(
        name="控制\x07字符\x1b项目",
        responsible_unit=Unit.objects.create(name="+单位\x0b", region=regions["district"]),
    )
    Project.objects.filter(pk=third.pk).update(name="-1+2", actual_completion=dt.date(2024, 9, 30))
    # no plan for the year: its investment rate is None
    Project.objects.create(
        code="TR-900",
        name="@无计划项目",
        region=regions["district"],
        level=Level.CITY,
        stage=Stage.CONSTRUCTION,
        total_investment=Decimal("0.00"),
        planned_start=dt.date(2024, 12, 1),
        in_statistics=False,
    )
    roads, parks = (
        Category.objects.create(name="交通", code="roads", order=2),
        (Category.objects.create(name="=公园", code="parks", order=1)),
    )
    first.categories.set([roads, parks])
    leader = ChainRole.objects.create(code="lead", name="包联领导", order=1, is_leader=True)
    deputy = ChainRole.objects.create(code="deputy", name="副职", order=2, is_leader=True)
    for role, name in ((deputy, "李四"), (leader, "\t张三")):
        ChainAssignment.objects.create(
            project=first,
            role=role,
            person=Person.objects.create(name=name, region=regions["district"]),
            start_date=dt.date(2024, 1, 1),
        )
    compute()


def cells(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    out = []
    for row in book.active.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            out.append(
                [cell.coordinate, value, cell.data_type, cell.number_format, bool(cell.font.b)]
            )
    return out


@pytest.mark.parametrize("period", [PERIOD, "2024-01"])  # computed; never computed
def test_the_export_writes_the_same_cells_as_before(client, district_official, awkward, period):
    client.force_login(district_official)
    written = cells(client.get(LIST, {"export": "xlsx", "period": period}))
    key = f"period {period}"
    if os.environ.get("EXPORT_CELLS_WRITE"):
        golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        golden[key] = written
        GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=0) + "\n")
    expected = json.loads(GOLDEN.read_text())[key]
    assert written == expected
    by_coordinate = {c[0]: c for c in written}
    assert any(str(c[1]).startswith("'=HYPERLINK") for c in written)  # never a formula
    assert all(c[2] != "f" for c in written)
    if period == PERIOD:
        reasons = [c[1] for c in written if c[0].startswith("N") and c[1]]
        assert any("未报送" in r or "落后" in r for r in reasons[1:])  # a red one, worded
        assert by_coordinate["H3"][3] == "#,##0.00"


def test_openpyxl_writes_through_lxml():
    """The large exports' speed relies on lxml (in the lock through python-docx): openpyxl
    falls back to the standard library's slower writer without it."""
    assert openpyxl.LXML
