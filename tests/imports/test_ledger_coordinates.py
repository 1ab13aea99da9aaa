"""The ledger import checks a project's coordinates: both or neither, and inside the
installation's region boundaries when they are loaded (a clear row error otherwise)."""

import json
from pathlib import Path

from django.conf import settings

from imports.ledger import import_ledger
from projects.boundaries import load_boundaries
from projects.models import Project
from tests.imports.conftest import LEDGER_HEADERS, ledger_row

HEADERS = [*LEDGER_HEADERS, "纬度", "经度"]
QINGDAO = Path(settings.BASE_DIR) / "data" / "boundaries" / "qingdao.geojson"


def _load_two_districts(regions):
    data = json.loads(QINGDAO.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["id"] in ("370202", "370203")]
    assert load_boundaries(json.dumps(data).encode(), within=regions["city"]).ok


def _rows(*coordinates):
    rows = []
    for n, (lat, lng) in enumerate(coordinates, start=1):
        row = ledger_row(f"QD-{n:03d}")
        row["纬度"], row["经度"] = lat, lng
        rows.append(row)
    return rows


def test_coordinates_outside_the_boundaries_are_row_errors(regions, ledger):
    _load_two_districts(regions)
    rows = _rows((36.066, 120.386), (120.386, 36.066), (36.65, 117.0), (36.07, ""))
    result = import_ledger(ledger(rows, headers=HEADERS), year=2024)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "纬度"), (4, "纬度"), (5, "经度")]
    assert "不在本系统已导入的区划边界内" in result.errors[1].reason
    assert "同时填写" in result.errors[2].reason
    assert not Project.objects.exists()

    rows = _rows((36.066, 120.386), (36.09, 120.37))
    good = import_ledger(ledger(headers=HEADERS, rows=rows), year=2024)
    assert good.ok, good.errors


def test_without_boundaries_only_the_ranges_apply(regions, ledger):
    result = import_ledger(ledger(headers=HEADERS, rows=_rows((36.65, 117.0))), year=2024)
    assert result.ok, result.errors
