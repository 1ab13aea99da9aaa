"""load_regions: the region tree from a CSV, all or nothing, idempotent (INTERFACES.md §2)."""

from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from projects.choices import RegionLevel
from projects.models import Region
from projects.regions import load_regions

pytestmark = pytest.mark.django_db

QINGDAO_CSV = Path(__file__).resolve().parents[2] / "data" / "regions" / "qingdao.csv"

SMALL = "代码,名称,上级代码\n370000,山东省,\n370200,青岛市,370000\n370202,市南区,370200\n"


def write(tmp_path, text: str, *, bom: bool = False, name: str = "regions.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def history_rows() -> int:
    return Region.history.count()


def test_qingdao_file_loads_the_city_its_ten_districts_and_their_towns():
    result = load_regions(QINGDAO_CSV)

    assert result.errors == []
    assert Region.objects.get(code="370000").level == RegionLevel.PROVINCE
    qingdao = Region.objects.get(code="370200")
    assert qingdao.level == RegionLevel.CITY
    districts = Region.objects.filter(parent=qingdao)
    assert districts.count() == 10
    assert set(districts.values_list("level", flat=True)) == {RegionLevel.COUNTY}
    assert Region.objects.get(code="370211").name == "西海岸新区"
    for district in districts:
        towns = Region.objects.filter(parent=district)
        assert 2 <= towns.count() <= 4, district.name
        assert all(t.level == RegionLevel.TOWN and t.code.startswith(district.code) for t in towns)


def test_loading_twice_changes_nothing_and_writes_no_history():
    load_regions(QINGDAO_CSV)
    before = (Region.objects.count(), history_rows())

    again = load_regions(QINGDAO_CSV)

    assert again.errors == [] and again.created == [] and again.updated == []
    assert again.unchanged == before[0]
    assert (Region.objects.count(), history_rows()) == before


def test_command_loads_file_and_reports_counts(tmp_path):
    out = StringIO()
    call_command("load_regions", str(write(tmp_path, SMALL)), stdout=out)

    assert "新增 3 个" in out.getvalue()
    assert Region.objects.get(code="370202").parent_id == "370200"


def test_utf8_bom_is_accepted(tmp_path):
    result = load_regions(write(tmp_path, SMALL, bom=True))

    assert result.errors == []
    assert Region.objects.filter(code__in=["370000", "370200", "370202"]).count() == 3


def test_english_header_aliases_are_accepted(tmp_path):
    text = "code,name,parent_code\n370000,山东省,\n370200,青岛市,370000\n"
    result = load_regions(write(tmp_path, text))

    assert result.errors == []
    assert Region.objects.get(code="370200").parent_id == "370000"


def test_rows_can_be_given_directly_and_parents_may_come_after_children():
    rows = [
        {"code": "370202001", "name": "八大关街道", "parent_code": "370202"},
        {"code": "370202", "name": "市南区", "parent_code": "370200"},
        ("370200", "青岛市", "370000"),
        ("370000", "山东省", ""),
    ]
    result = load_regions(rows)

    assert result.errors == []
    town = Region.objects.get(code="370202001")
    assert (town.level, town.parent_id, town.prefix) == (RegionLevel.TOWN, "370202", "370202001")


def test_level_follows_the_code_even_when_a_level_is_skipped():
    # A county-level city directly under a province (省直辖县级市) is a county; a town
    # directly under it is a town.
    rows = [
        ("420000", "湖北省", ""),
        ("429004", "仙桃市", "420000"),
        ("429004001", "沙嘴街道", "429004"),
    ]
    result = load_regions(rows)

    assert result.errors == []
    assert Region.objects.get(code="429004").level == RegionLevel.COUNTY
    assert Region.objects.get(code="429004001").level == RegionLevel.TOWN


def test_region_below_a_town_is_refused():
    rows = [("370202", "市南区", ""), ("370202001", "八大关街道", "370202")]
    rows.append(("370202001001", "某社区", "370202001"))
    result = load_regions(rows)

    assert [(e.line, "镇街以下" in e.reason) for e in result.errors] == [(3, True)]
    assert Region.objects.count() == 0


def test_root_may_already_exist_and_existing_parent_may_be_outside_the_file(regions):
    # regions: 山东省, 青岛市, 市南区 … exist already (conftest).
    text = "代码,名称,上级代码\n370212,崂山区,370200\n370212001,中韩街道,370212\n"
    result = load_regions(StringIO(text))

    assert result.errors == []
    assert result.created == ["370212", "370212001"]
    assert Region.objects.get(code="370212").level == RegionLevel.COUNTY


def test_name_change_of_existing_code_is_an_update_with_history(tmp_path):
    load_regions(write(tmp_path, SMALL))
    before = Region.history.filter(code="370202").count()

    result = load_regions(write(tmp_path, SMALL.replace("市南区", "市南区（新）")))

    assert result.updated == ["370202"] and result.created == []
    assert Region.objects.get(code="370202").name == "市南区（新）"
    assert Region.history.filter(code="370202").count() == before + 1
    assert Region.history.filter(code="370202").latest().history_type == "~"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("37020A,坏代码,370200\n", 5, "6、9 或 12 位数字"),
        ("3702021,七位,370200\n", 5, "6、9 或 12 位数字"),
        ("370203,,370200\n", 5, "名称为空"),
        ("370203,市北区,370900\n", 5, "上级代码 370900 不存在"),
        ("370302,淄川区,370200\n", 5, "不在上级 370200 的代码范围内"),
        ("370202,市南区重复,370200\n", 5, "重复（第 4 行已有）"),
        ("370203,市北区,370203\n", 5, "成环"),
    ],
    ids=[
        "letters",
        "length",
        "empty-name",
        "unknown-parent",
        "outside-parent",
        "duplicate",
        "self",
    ],
)
def test_each_bad_row_is_reported_with_line_and_reason_and_nothing_written(
    tmp_path, text, line, reason
):
    result = load_regions(write(tmp_path, SMALL + text))

    assert not result.ok
    assert [(e.line, reason in e.reason) for e in result.errors] == [(line, True)]
    assert Region.objects.count() == 0
    assert history_rows() == 0


def test_cycle_through_parents_is_reported_on_each_row(tmp_path):
    # 370211001 and 370211001000 share a prefix, so only a cycle check can catch this loop.
    text = (
        "代码,名称,上级代码\n"
        "370211001,黄岛街道,370211001000\n"
        "370211001000,黄岛街道（12位）,370211001\n"
    )
    result = load_regions(write(tmp_path, text))

    assert sorted(e.line for e in result.errors) == [2, 3]
    assert all("成环" in e.reason for e in result.errors)


def test_all_bad_rows_are_reported_at_once_and_nothing_is_written(tmp_path):
    text = SMALL + "370203,,370200\n370204,市北区,999999\n370205,李沧区,370200\n"
    result = load_regions(write(tmp_path, text))

    assert sorted(e.line for e in result.errors) == [5, 6]
    assert Region.objects.count() == 0


def test_bad_file_leaves_existing_tree_untouched(tmp_path):
    load_regions(write(tmp_path, SMALL))
    before = list(Region.objects.values_list("code", "name", "parent_id"))
    history_before = history_rows()

    result = load_regions(write(tmp_path, SMALL.replace("市南区", "改名") + "370299,,370200\n"))

    assert not result.ok
    assert list(Region.objects.values_list("code", "name", "parent_id")) == before
    assert history_rows() == history_before


def test_command_exits_non_zero_and_prints_every_error(tmp_path):
    path = write(tmp_path, SMALL + "370203,,370200\n3702,短,370200\n")
    err = StringIO()

    with pytest.raises(CommandError, match="2 处错误"):
        call_command("load_regions", str(path), stderr=err)

    assert "第 5 行 [370203]" in err.getvalue()
    assert "第 6 行 [3702]" in err.getvalue()
    assert Region.objects.count() == 0


def test_missing_column_and_wrong_encoding_are_clear_errors(tmp_path):
    no_parent = load_regions(write(tmp_path, "代码,名称\n370000,山东省\n"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(SMALL.encode("gbk"))

    assert "上级代码" in no_parent.errors[0].reason
    assert "UTF-8" in load_regions(gbk).errors[0].reason
    assert "UTF-8" in load_regions(BytesIO(SMALL.encode("gbk"))).errors[0].reason
    assert Region.objects.count() == 0


def test_dry_run_reports_without_writing(tmp_path):
    out = StringIO()
    call_command("load_regions", str(write(tmp_path, SMALL)), "--dry-run", stdout=out)

    assert "试运行" in out.getvalue() and "新增 3 个" in out.getvalue()
    assert Region.objects.count() == 0
