"""The ledger import (INTERFACES.md §2–§3): all or nothing, every error named, idempotent."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from imports.ledger import import_ledger
from projects.models import (
    ChainAssignment,
    MonthlyReport,
    Person,
    Project,
    ProjectYear,
    StageChange,
    Unit,
)
from tests.imports.conftest import ledger_row

pytestmark = pytest.mark.django_db


def database_counts() -> dict[str, int]:
    """Rows of every table the import writes, history tables included."""
    models: list[type[Any]] = [Project, ProjectYear, MonthlyReport, ChainAssignment, Person, Unit]
    counts = {m.__name__: m.objects.count() for m in models}
    counts |= {f"history of {m.__name__}": m.history.count() for m in models}
    counts["StageChange"] = StageChange.objects.count()
    counts["categories"] = Project.categories.through.objects.count()
    counts["history of categories"] = Project.history.model.categories.model.objects.count()
    return counts


def test_ledger_with_three_bad_rows_among_fifty_is_rejected_whole(regions, ledger):
    rows = [ledger_row(f"QD-{n:03d}") for n in range(1, 51)]
    rows[7]["总投资(万元)"] = "十万"  # Excel row 9
    rows[19]["所属区域"] = "不存在区"  # Excel row 21
    rows[32]["计划开工日期"] = "2024-02-30"  # Excel row 34
    before = database_counts()

    result = import_ledger(ledger(rows), year=2024)

    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [
        (9, "总投资(万元)"),
        (21, "所属区域"),
        (34, "计划开工日期"),
    ]
    assert "十万" in result.errors[0].reason
    assert "不存在区" in result.errors[1].reason
    assert "2024-02-30" in result.errors[2].reason
    assert database_counts() == before

    rows[7]["总投资(万元)"] = 100000
    rows[19]["所属区域"] = "市南区"
    rows[32]["计划开工日期"] = "2024-03-01"
    fixed = ledger(rows)
    result = import_ledger(fixed, year=2024)
    assert result.ok, result.errors
    assert result.counts["projects_created"] == 50
    assert Project.objects.count() == 50
    assert MonthlyReport.objects.count() == 50 * 12
    assert ChainAssignment.objects.count() == 50 * 4
    after_first = database_counts()
    versions = dict(Project.objects.values_list("code", "version"))

    again = import_ledger(fixed, year=2024)

    assert again.ok, again.errors
    assert again.counts["projects_unchanged"] == 50
    assert again.counts["projects_created"] == again.counts["projects_updated"] == 0
    assert database_counts() == after_first
    assert dict(Project.objects.values_list("code", "version")) == versions


def test_english_alias_headers_in_any_order_are_accepted(regions, xlsx):
    headers = ["m3", "stage", "Total_Investment", "code", "region", "name", "level", "leader"]
    path = xlsx(headers, [[50, "签约", "2,000", "QD-EN", "370202", "英文表头项目", "市级", "刘一"]])

    result = import_ledger(path, year=2024)

    assert result.ok, result.errors
    project = Project.objects.get(code="QD-EN")
    assert (project.name, project.level, project.stage) == ("英文表头项目", "city", "signed")
    assert project.total_investment == Decimal("2000.00")
    assert project.reports.get().month == 3
    assert project.chain.get().person.name == "刘一"


def test_full_width_parentheses_and_unknown_columns(regions, xlsx):
    headers = ["项目编号", "项目名称", "所属区域", "项目级别", "建设阶段", "总投资（万元）", "备注"]
    path = xlsx(headers, [["QD-FW", "全角括号", "市南区", "区级", "在建", 300, "自己的备注"]])

    result = import_ledger(path, year=2024)

    assert result.ok, result.errors
    assert Project.objects.get(code="QD-FW").total_investment == Decimal("300.00")
    assert result.warnings == ["已忽略未知的列“备注”。"]


def test_missing_required_column_is_an_error_naming_it(regions, xlsx):
    path = xlsx(["项目编号", "项目名称", "所属区域", "建设阶段", "总投资"], [["X", "X", "市南区"]])

    result = import_ledger(path, year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(1, "项目级别")]
    assert "缺少必填列" in result.errors[0].reason


def test_every_column_is_parsed_into_the_project(regions, ledger):
    row = ledger_row(
        "QD-ALL",
        项目级别="省重点",
        项目类别="四新经济,制造业，技改",
        建设阶段="竣工",
        **{"总投资(万元)": "12,345.67", "年度计划投资(万元)": 1500.5, "4月": "88.30"},
        是否新开工="Y",
        是否计划竣工="是",
        计划开工日期=dt.datetime(2023, 1, 10),
        实际开工日期="2023/2/1",
        计划竣工日期="2024年6月30日",
        实际竣工日期="20240615",
        是否纳统="否",
    )

    result = import_ledger(ledger([row]), year=2024)

    assert result.ok, result.errors
    project = Project.objects.get(code="QD-ALL")
    assert project.name == "项目QD-ALL"
    assert project.region == regions["district"]
    assert project.level == "provincial"
    assert project.stage == "completed"
    assert project.total_investment == Decimal("12345.67")
    assert set(project.categories.values_list("name", flat=True)) == {"四新经济", "制造业", "技改"}
    assert project.planned_start == dt.date(2023, 1, 10)
    assert project.actual_start == dt.date(2023, 2, 1)
    assert project.planned_completion == dt.date(2024, 6, 30)
    assert project.actual_completion == dt.date(2024, 6, 15)
    assert project.in_statistics is False
    assert project.responsible_unit.name == "区发展和改革局"
    assert project.responsible_unit.region == regions["district"]
    plan = project.years.get(year=2024)
    assert (plan.annual_plan, plan.original_plan) == (Decimal("1500.50"), Decimal("1500.50"))
    assert (plan.new_start, plan.planned_completion) == (True, True)
    reports = dict(project.reports.filter(year=2024).values_list("month", "completed_investment"))
    assert reports == {m: Decimal("88.30") if m == 4 else Decimal("100.00") for m in range(1, 13)}
    chain = {a.role.code: a.person.name for a in project.chain.select_related("role", "person")}
    assert chain == {
        "leader": "王副区长",
        "department_head": "李局长",
        "town_head": "张主任",
        "staff": "赵科员",
    }
    first = project.stage_changes.get()
    assert (first.from_stage, first.to_stage) == ("", "completed")


def test_region_by_name_and_by_code(regions, ledger):
    rows = [ledger_row("BY-NAME", 所属区域="市北区"), ledger_row("BY-CODE", 所属区域=370102)]

    assert import_ledger(ledger(rows), year=2024).ok

    assert Project.objects.get(code="BY-NAME").region == regions["other"]
    assert Project.objects.get(code="BY-CODE").region == regions["other_city_district"]


def test_unknown_ambiguous_and_non_district_regions_are_errors(regions, ledger):
    from projects.models import Region

    Region.objects.create(code="370402", name="市中区", level="county", parent=regions["province"])
    Region.objects.create(
        code="370103", name="市中区", level="county", parent=regions["other_city"]
    )
    rows = [
        ledger_row("R1", 所属区域="火星区"),
        ledger_row("R2", 所属区域="市中区"),
        ledger_row("R3", 所属区域="青岛市"),
    ]

    result = import_ledger(ledger(rows), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "所属区域"),
        (3, "所属区域"),
        (4, "所属区域"),
    ]
    reasons = [e.reason for e in result.errors]
    assert "没有区域“火星区”" in reasons[0]
    assert "不唯一" in reasons[1]
    assert reasons[2] == "项目所属区域应为县市区。"
    assert not Project.objects.exists()


def test_town_by_name_must_lie_in_the_district(regions, xlsx):
    headers = ["项目编号", "项目名称", "所属区域", "所在镇街", "项目级别", "建设阶段", "总投资"]
    rows = [
        ["T1", "镇街项目", "市南区", "八大关街道", "区级", "在建", 1],
        ["T2", "镇街项目", "市北区", "八大关街道", "区级", "在建", 1],
        ["T3", "镇街项目", "市北区", "370202001", "区级", "在建", 1],
    ]

    result = import_ledger(xlsx(headers, rows), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(3, "所在镇街"), (4, "所在镇街")]
    assert result.errors[1].reason == "镇街不属于项目所在县市区。"
    rows = rows[:1]
    assert import_ledger(xlsx(headers, rows), year=2024).ok
    assert Project.objects.get(code="T1").town == regions["town"]


def test_duplicate_code_in_file_is_an_error_on_both_rows(regions, ledger):
    rows = [ledger_row("DUP"), ledger_row("OK"), ledger_row("DUP")]

    result = import_ledger(ledger(rows), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(2, "项目编号"), (4, "项目编号")]
    assert "另见第 4 行" in result.errors[0].reason
    assert "另见第 2 行" in result.errors[1].reason
    assert not Project.objects.exists()


def test_unknown_category_is_an_error_not_created(regions, ledger):
    result = import_ledger(ledger([ledger_row("C1", 项目类别="制造业、元宇宙")]), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(2, "项目类别")]
    assert "元宇宙" in result.errors[0].reason
    assert not Project.objects.exists()


def test_withdrawn_stage_cannot_be_imported(regions, ledger):
    result = import_ledger(ledger([ledger_row("W1", 建设阶段="退库")]), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(2, "建设阶段")]
    assert "审核" in result.errors[0].reason


def test_withdrawn_project_is_not_changed_by_an_import(project, ledger):
    Project.objects.filter(pk=project.pk).update(stage="withdrawn")

    result = import_ledger(ledger([ledger_row(project.code)]), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(2, "建设阶段")]
    assert "已退库" in result.errors[0].reason


def test_model_rules_apply_to_imported_rows(regions, ledger):
    row = ledger_row("D1", 实际开工日期="2024-05-01", 实际竣工日期="2024-04-01")

    result = import_ledger(ledger([row]), year=2024)

    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "实际竣工日期", "实际竣工日期不能早于实际开工日期。")
    ]


def test_annual_plan_change_without_reason_is_an_error_and_keeps_the_plan(regions, ledger):
    assert import_ledger(ledger([ledger_row("PR")]), year=2024).ok

    result = import_ledger(ledger([ledger_row("PR", **{"年度计划投资(万元)": 900})]), year=2024)

    assert [(e.row, e.column, e.kind) for e in result.errors] == [
        (2, "年度计划投资(万元)", "plan_revision")
    ]
    assert "1200.00" in result.errors[0].reason and "900" in result.errors[0].reason
    plan = ProjectYear.objects.get(project__code="PR", year=2024)
    assert (plan.annual_plan, plan.original_plan) == (Decimal("1200.00"), Decimal("1200.00"))
    assert not plan.revisions.exists()


def test_annual_plan_change_with_reason_is_a_revision_keeping_the_original(
    regions, ledger, city_official
):
    assert import_ledger(ledger([ledger_row("PR")]), year=2024).ok
    history_before = ProjectYear.history.count()

    result = import_ledger(
        ledger([ledger_row("PR", **{"年度计划投资(万元)": 900})]),
        year=2024,
        user=city_official,
        plan_revision_reason="征地延后，年中调减",
    )

    assert result.ok, result.errors
    assert result.counts["plans_revised"] == 1
    plan = ProjectYear.objects.get(project__code="PR", year=2024)
    assert (plan.annual_plan, plan.original_plan) == (Decimal("900.00"), Decimal("1200.00"))
    revision = plan.revisions.get()
    assert (revision.previous_plan, revision.new_plan) == (Decimal("1200.00"), Decimal("900.00"))
    assert (revision.reason, revision.revised_by) == ("征地延后，年中调减", city_official)
    assert ProjectYear.history.count() == history_before + 1
    assert plan.history.first().history_user == city_official


def test_plan_of_another_year_is_a_new_original_plan(regions, ledger):
    assert import_ledger(ledger([ledger_row("PY")]), year=2024).ok

    row = ledger_row("PY", **{"年度计划投资(万元)": 3000})
    assert import_ledger(ledger([row]), year=2025).ok

    plans = ProjectYear.objects.filter(project__code="PY").order_by("year")
    assert [(p.year, p.annual_plan, p.original_plan) for p in plans] == [
        (2024, Decimal("1200.00"), Decimal("1200.00")),
        (2025, Decimal("3000.00"), Decimal("3000.00")),
    ]


def test_chain_people_are_created_once_and_reused(regions, ledger):
    rows = [ledger_row("CH1"), ledger_row("CH2", 工作人员="钱科员")]

    assert import_ledger(ledger(rows), year=2024).ok

    leaders = Person.objects.filter(name="王副区长")
    assert leaders.count() == 1 and leaders.get().region == regions["district"]
    assert leaders.get().assignments.count() == 2
    assert Person.objects.count() == 5  # 王副区长 李局长 张主任 赵科员 钱科员
    assert Unit.objects.filter(name="区发展和改革局").count() == 1

    assert import_ledger(ledger(rows), year=2024).ok
    assert Person.objects.count() == 5


def test_chain_people_match_existing_people_of_the_region_only(regions, ledger):
    from tests.factories import PersonFactory

    mine = PersonFactory(name="王副区长", region=regions["district"])
    PersonFactory(name="李局长", region=regions["other"])

    assert import_ledger(ledger([ledger_row("CH")]), year=2024).ok

    chain = {a.role.code: a.person for a in ChainAssignment.objects.select_related("role")}
    assert chain["leader"] == mine
    assert chain["department_head"].region == regions["district"]
    assert Person.objects.filter(name="李局长").count() == 2


def test_a_known_name_is_matched_by_phone_and_never_created_twice(regions, ledger):
    from tests.factories import PersonFactory

    district = regions["district"]
    known = PersonFactory(name="王副区长", region=district, phone="13800000001")
    rows = [
        ledger_row("PH1", 部门负责人="李局长（0532-88880000）"),  # new, with a phone
        ledger_row("PH2", 部门负责人="李局长"),  # the same new person, no second one
        ledger_row("PH3", 区级领导="王副区长 138-0000-0001"),  # the phone as typed, dashes
        ledger_row("PH4", 区级领导="王副区长"),  # the only one of the name
    ]

    for _run in range(2):
        result = import_ledger(ledger(rows), year=2024)
        assert result.ok, result.errors
        assert Person.objects.filter(name="王副区长").get() == known
        li = Person.objects.filter(name="李局长").get()
        assert li.phone == "053288880000" and li.region == district
    assert set(
        ChainAssignment.objects.filter(role__code="leader").values_list("person", flat=True)
    ) == {known.pk}
    assert result.counts["people_created"] == 0  # the second run: nobody new


def test_same_name_with_another_phone_is_another_person(regions, ledger):
    from tests.factories import PersonFactory

    PersonFactory(name="王副区长", region=regions["district"], phone="13800000001")

    rows = [ledger_row("PH", 区级领导="王副区长 13900000002")]
    assert import_ledger(ledger(rows), year=2024).ok
    assert import_ledger(ledger(rows), year=2024).ok  # run twice: still two, not three

    phones = Person.objects.filter(name="王副区长").values_list("phone", flat=True)
    assert sorted(phones) == ["13800000001", "13900000002"]


def test_an_ambiguous_person_is_a_row_error(regions, ledger):
    from tests.factories import PersonFactory, UnitFactory

    district = regions["district"]
    PersonFactory(name="王副区长", region=district)
    PersonFactory(name="王副区长", region=district)
    before = database_counts()

    result = import_ledger(ledger([ledger_row("AM")]), year=2024)

    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "区级领导")]
    assert "王副区长" in result.errors[0].reason and "电话" in result.errors[0].reason
    assert database_counts() == before

    # the row's 责任单位 tells them apart; so does a phone, once one of them has it
    unit = UnitFactory(name="区发展和改革局", region=district)
    first = Person.objects.filter(name="王副区长").first()
    Person.objects.filter(pk=first.pk).update(unit=unit)
    result = import_ledger(ledger([ledger_row("AM")]), year=2024)
    assert result.ok, result.errors
    assert ChainAssignment.objects.get(role__code="leader").person.unit == unit
    assert Person.objects.filter(name="王副区长").count() == 2


def test_replacing_a_chain_member_ends_the_old_assignment(regions, ledger, time_machine):
    time_machine.move_to(dt.datetime(2024, 3, 1, 10, 0))
    assert import_ledger(ledger([ledger_row("CH")]), year=2024).ok
    time_machine.move_to(dt.datetime(2024, 7, 1, 10, 0))

    result = import_ledger(ledger([ledger_row("CH", 区级领导="孙副区长")]), year=2024)

    assert result.ok, result.errors
    assert result.counts["chain_assigned"] == 1
    leaders = ChainAssignment.objects.filter(project__code="CH", role__code="leader")
    assert sorted((a.person.name, a.start_date, a.end_date) for a in leaders) == [
        ("孙副区长", dt.date(2024, 7, 1), None),
        ("王副区长", dt.date(2024, 3, 1), dt.date(2024, 7, 1)),
    ]


def test_reimport_changing_one_month_updates_that_report_with_history(
    regions, ledger, district_official
):
    assert import_ledger(ledger([ledger_row("RM")]), year=2024).ok
    before = database_counts()

    result = import_ledger(
        ledger([ledger_row("RM", **{"5月": 250})]), year=2024, user=district_official
    )

    assert result.ok, result.errors
    assert (result.counts["reports_updated"], result.counts["reports_unchanged"]) == (1, 11)
    assert result.counts["projects_updated"] == 1
    report = MonthlyReport.objects.get(project__code="RM", month=5)
    assert (report.completed_investment, report.version) == (Decimal("250.00"), 2)
    assert [(h.completed_investment, h.history_type) for h in report.history.all()] == [
        (Decimal("250.00"), "~"),
        (Decimal("100.00"), "+"),
    ]
    assert report.history.first().history_user == district_official
    expected = before | {"history of MonthlyReport": before["history of MonthlyReport"] + 1}
    assert database_counts() == expected
    assert Project.objects.get(code="RM").version == 1  # the project record itself is unchanged


def test_stage_change_is_recorded_and_sets_the_actual_start(regions, ledger, time_machine):
    time_machine.move_to(dt.datetime(2024, 2, 1, 10, 0))
    row = ledger_row("SC", 建设阶段="签约", 实际开工日期=None)
    assert import_ledger(ledger([row]), year=2024).ok
    time_machine.move_to(dt.datetime(2024, 4, 8, 10, 0))

    result = import_ledger(ledger([dict(row, 建设阶段="在建")]), year=2024)

    assert result.ok, result.errors
    assert result.counts["stage_changes"] == 1
    project = Project.objects.get(code="SC")
    assert (project.stage, project.actual_start, project.version) == (
        "construction",
        dt.date(2024, 4, 8),
        2,
    )
    moves = [(s.from_stage, s.to_stage, s.changed_on) for s in project.stage_changes.all()]
    assert moves == [
        ("", "signed", dt.date(2024, 2, 1)),
        ("signed", "construction", dt.date(2024, 4, 8)),
    ]
    assert project.history.count() == 2


def test_blank_optional_cells_do_not_erase_stored_values(regions, ledger):
    assert import_ledger(ledger([ledger_row("BL")]), year=2024).ok
    blank = {
        h: None
        for h in ("项目类别", "年度计划投资(万元)", "实际开工日期", "责任单位", "区级领导", "3月")
    }

    result = import_ledger(ledger([ledger_row("BL", **blank)]), year=2024)

    assert result.ok and result.counts["projects_unchanged"] == 1
    project = Project.objects.get(code="BL")
    assert project.actual_start == dt.date(2024, 3, 15)
    assert project.categories.count() == 2
    assert project.responsible_unit is not None
    assert project.reports.filter(month=3).exists()


def test_changed_categories_are_kept_in_history(regions, ledger):
    assert import_ledger(ledger([ledger_row("CAT")]), year=2024).ok

    assert import_ledger(ledger([ledger_row("CAT", 项目类别="民生")]), year=2024).ok

    project = Project.objects.get(code="CAT")
    assert list(project.categories.values_list("name", flat=True)) == ["民生"]
    latest, first = project.history.all()[:2]
    assert [c.category.name for c in latest.categories.all()] == ["民生"]
    assert {c.category.name for c in first.categories.all()} == {"制造业", "技改"}
    assert project.version == 2


def test_history_rows_name_the_importing_user(regions, ledger, district_official):
    assert import_ledger(ledger([ledger_row("HU")]), year=2024, user=district_official).ok

    project = Project.objects.get(code="HU")
    assert project.history.get().history_user == district_official
    assert project.reports.first().reported_by == district_official
    assert project.stage_changes.get().changed_by == district_official
    assert {a.history.get().history_user for a in project.chain.all()} == {district_official}


def test_system_import_has_no_history_user(regions, ledger):
    assert import_ledger(ledger([ledger_row("SYS")]), year=2024).ok

    assert Project.objects.get(code="SYS").history.get().history_user is None


def test_district_official_cannot_import_into_another_district(regions, ledger, district_official):
    rows = [ledger_row("MINE"), ledger_row("THEIRS", 所属区域="市北区")]

    result = import_ledger(ledger(rows), year=2024, user=district_official)

    assert [(e.row, e.column) for e in result.errors] == [(3, "所属区域")]
    assert "无权" in result.errors[0].reason
    assert not Project.objects.exists()


def test_district_official_cannot_update_another_districts_project(
    other_project, ledger, district_official
):
    row = ledger_row(other_project.code, 所属区域="市南区")

    result = import_ledger(ledger([row]), year=2024, user=district_official)

    assert [(e.row, e.column) for e in result.errors] == [(2, "项目编号")]
    other_project.refresh_from_db()
    assert other_project.region_id == "370203"


def test_official_of_another_district_cannot_import_the_district_ledger(
    regions, ledger, other_official
):
    result = import_ledger(ledger([ledger_row("SN-1")]), year=2024, user=other_official)

    assert [(e.row, e.column) for e in result.errors] == [(2, "所属区域")]


def test_city_official_imports_every_district_of_the_city(regions, ledger, city_official):
    rows = [
        ledger_row("SN"),
        ledger_row("SB", 所属区域="市北区"),
        ledger_row("LX", 所属区域="历下区"),
    ]

    result = import_ledger(ledger(rows), year=2024, user=city_official)

    assert [(e.row, e.column) for e in result.errors] == [(4, "所属区域")]  # 历下区 is in 济南
    assert import_ledger(ledger(rows[:2]), year=2024, user=city_official).ok
    assert set(Project.objects.values_list("code", flat=True)) == {"SN", "SB"}


def test_viewer_cannot_import_at_all(regions, ledger, viewer):
    result = import_ledger(ledger([ledger_row("V")]), year=2024, user=viewer)

    assert [(e.row, e.reason) for e in result.errors] == [(0, "用户“viewer”没有修改项目的权限。")]


def test_reads_do_not_grow_with_rows_and_writes_are_batched(regions, ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(rows: int) -> tuple[list[str], int]:
        file = ledger([ledger_row(f"R{rows}-{n}") for n in range(rows)])
        with CaptureQueriesContext(connection) as context:
            assert import_ledger(file, year=2024).ok
        sql = [q["sql"] for q in context.captured_queries]
        # on PostgreSQL rows go by COPY (not captured: not execute()) after one query that takes
        # their primary keys from the table's sequence; that query is counted with the writes
        writes = ("INSERT", "SELECT nextval(")
        inserts = [s for s in sql if s.startswith(writes)]
        reads = [re.sub(r'"s\d+_x\d+"', "", s.split(" WHERE ")[0]) for s in sql]  # savepoint ids
        return [s for s in reads if not s.startswith(writes)], len(inserts)

    small_reads, small_inserts = statements(3)
    large_reads, large_inserts = statements(60)

    # The same reads and savepoints for 3 and for 60 rows: chain roles, regions, the region
    # boundaries (for the coordinates), categories, projects by code, people and units of the
    # regions concerned; the categories written (for their history); SAVEPOINT / RELEASE.
    assert large_reads == small_reads
    assert len(small_reads) == 10
    # One INSERT per table for 3 rows (units, people, projects, their categories, stage changes,
    # plans, reports, chain, and the history of each); 60 rows (60 projects, 720 reports, 240
    # chain rows, and their history) only add batches — SQLite's 999 bound parameters per
    # statement — never a statement per row.
    if connection.vendor == "postgresql":
        # one sequence query per table written by COPY (units, people, projects, their
        # categories and the categories' history, stage changes, plans, reports, chain) and the
        # projects' history rows (INSERT, simple_history's own); 60 rows add none
        assert small_inserts == 10
        assert large_inserts == 8  # their unit and people exist already (the 3 made them)
    else:
        assert small_inserts == 15
        assert large_inserts < 60


def test_file_that_is_not_xlsx_is_an_error(regions, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text("项目编号,项目名称\n")

    result = import_ledger(path, year=2024)

    assert not result.ok and "无法读取 Excel 文件" in result.errors[0].reason


def test_year_out_of_range_is_an_error(regions, ledger):
    result = import_ledger(ledger([ledger_row("Y")]), year=1999)

    assert [e.column for e in result.errors] == ["年度"]


def test_progress_is_reported(regions, ledger):
    calls = []

    import_ledger(
        ledger([ledger_row(f"P{n}") for n in range(3)]),
        year=2024,
        progress=lambda phase, done, total: calls.append((phase, done, total)),
    )

    assert calls[-1] == ("write", 7, 7)


def test_changed_reports_set_off_one_recompute_per_year_from_the_earliest_month(
    regions, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr("assessment.tasks.report_changed", lambda *args: calls.append(args))
    months = {f"{m}月": None for m in range(1, 13)} | {"3月": 5, "7月": 9}

    with django_capture_on_commit_callbacks(execute=True):
        assert import_ledger(ledger([ledger_row("AN", **months)]), year=2024).ok
    with django_capture_on_commit_callbacks(execute=True):
        assert import_ledger(ledger([ledger_row("AN", **months)]), year=2024).ok  # unchanged

    assert calls == [(Project.objects.get(code="AN").pk, 2024, 3)]


def test_town_official_imports_only_projects_of_their_town(regions, xlsx):
    from tests.factories import UserFactory

    town_official = UserFactory(username="badaguan", role="official", region=regions["town"])
    headers = ["项目编号", "项目名称", "所属区域", "所在镇街", "项目级别", "建设阶段", "总投资"]
    rows = [
        ["T-IN", "镇街项目", "市南区", "八大关街道", "区级", "在建", 1],
        ["T-OUT", "区级项目", "市南区", None, "区级", "在建", 1],
    ]

    result = import_ledger(xlsx(headers, rows), year=2024, user=town_official)

    assert [(e.row, e.column) for e in result.errors] == [(3, "所属区域")]
    assert import_ledger(xlsx(headers, rows[:1]), year=2024, user=town_official).ok
    assert Project.objects.get(code="T-IN").town == regions["town"]


def test_optional_extra_columns_are_read_too(regions, xlsx):
    headers = ["code", "name", "region", "level", "stage", "total_investment", "是否纳统",
               "纳统日期", "投产日期", "建设单位", "所属行业", "所在镇街"]  # fmt: skip
    row = ["X1", "扩展列", "市南区", "区级", "投产", 1, "是", "2024/5/1", "2024年9月1日",
           "青岛某某有限公司", "制造业", "370202001"]  # fmt: skip

    assert import_ledger(xlsx(headers, [row]), year=2024).ok

    project = Project.objects.get(code="X1")
    assert (project.in_statistics, project.statistics_date) == (True, dt.date(2024, 5, 1))
    assert project.operation_start == dt.date(2024, 9, 1)
    assert (project.owner_company, project.industry) == ("青岛某某有限公司", "制造业")
    assert project.town == regions["town"]


def test_statistics_date_without_inclusion_is_refused_by_the_model_rule(regions, xlsx):
    headers = [
        "项目编号",
        "项目名称",
        "所属区域",
        "项目级别",
        "建设阶段",
        "总投资",
        "是否纳统",
        "纳统日期",
    ]
    row = ["X2", "未纳统", "市南区", "区级", "在建", 1, "否", "2024-05-01"]

    result = import_ledger(xlsx(headers, [row]), year=2024)

    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "纳统日期", "未纳统的项目不应有纳统日期。")
    ]


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(regions, ledger):
    rows = [ledger_row("B1"), {}, ledger_row("B2", 项目级别="国家级")]

    result = import_ledger(ledger(rows), year=2024)

    assert [(e.row, e.column) for e in result.errors] == [(4, "项目级别")]
    assert result.rows == 2
