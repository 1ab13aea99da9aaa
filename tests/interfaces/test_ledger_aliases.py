"""INTERFACES.md §3: every ledger header's English alias is accepted and means the same column.

The existing alias test (tests/imports/test_import_ledger.py) covers eight of the 31 columns;
this one imports the same row twice — once under the Chinese headers, once under the aliases —
and compares everything the import wrote."""

import pytest

from imports.ledger import import_ledger
from projects.models import Project
from tests.imports.conftest import LEDGER_HEADERS, ledger_row

pytestmark = pytest.mark.django_db

ALIASES = {
    "项目编号": "code",
    "项目名称": "name",
    "所属区域": "region",
    "项目级别": "level",
    "项目类别": "categories",
    "建设阶段": "stage",
    "总投资(万元)": "total_investment",
    "年度计划投资(万元)": "annual_plan",
    "是否新开工": "new_start",
    "是否计划竣工": "planned_completion_this_year",
    "计划开工日期": "planned_start",
    "实际开工日期": "actual_start",
    "计划竣工日期": "planned_completion",
    "实际竣工日期": "actual_completion",
    "是否纳统": "in_statistics",
    "区级领导": "leader",
    "部门负责人": "department_head",
    "镇办负责人": "town_head",
    "工作人员": "staff",
    "责任单位": "responsible_unit",
    **{f"{m}月": f"m{m}" for m in range(1, 13)},
}


def snapshot(code: str) -> dict:
    """What the import wrote for one project, without its code and ids."""
    project = Project.objects.get(code=code)
    year = project.years.get()
    return {
        "name": project.name,
        "region": project.region.code,
        "level": project.level,
        "stage": project.stage,
        "categories": sorted(project.categories.values_list("name", flat=True)),
        "total_investment": project.total_investment,
        "annual_plan": year.annual_plan,
        "new_start": year.new_start,
        "planned_completion_this_year": year.planned_completion,
        "dates": (
            project.planned_start,
            project.actual_start,
            project.planned_completion,
            project.actual_completion,
        ),
        "in_statistics": project.in_statistics,
        "chain": sorted(project.chain.values_list("role__code", "person__name")),
        "responsible_unit": project.responsible_unit.name if project.responsible_unit else None,
        "reports": sorted(project.reports.values_list("year", "month", "completed_investment")),
    }


def test_the_alias_table_covers_every_template_header():
    assert list(ALIASES) == LEDGER_HEADERS


def test_every_english_alias_imports_exactly_what_its_chinese_header_does(regions, xlsx):
    # Values that differ from every default, so a column that is silently ignored shows.
    values = {
        "项目类别": "制造业、技改",
        "是否新开工": "是",
        "是否计划竣工": "是",
        "实际竣工日期": "2024-11-30",
        "建设阶段": "竣工",
        "项目级别": "市级",
        "是否纳统": "是",
        **{f"{m}月": 10 * m for m in range(1, 13)},
    }
    chinese = ledger_row("ZH-1", 项目名称="同一项目", **values)
    english = ledger_row("EN-1", 项目名称="同一项目", **values)

    result = import_ledger(xlsx(LEDGER_HEADERS, [chinese]), year=2024)
    assert result.ok, result.errors
    assert not result.warnings, result.warnings
    result = import_ledger(
        xlsx([ALIASES[h] for h in LEDGER_HEADERS], [[english[h] for h in LEDGER_HEADERS]]),
        year=2024,
    )
    assert result.ok, result.errors
    assert not result.warnings, result.warnings  # no alias was taken for an unknown column

    expected = snapshot("ZH-1")
    # The row really carried every optional value, so the comparison means something.
    assert expected["categories"] and expected["responsible_unit"]
    assert expected["new_start"] is True and expected["planned_completion_this_year"] is True
    assert len(expected["chain"]) == 4 and len(expected["reports"]) == 12
    assert None not in expected["dates"]
    assert snapshot("EN-1") == expected


@pytest.mark.parametrize(
    "chinese", ["项目编号", "项目名称", "所属区域", "项目级别", "建设阶段", "总投资(万元)"]
)
def test_a_missing_required_column_is_named_whichever_language_the_others_use(
    regions, xlsx, chinese
):
    headers = [ALIASES[h] for h in LEDGER_HEADERS if h != chinese]
    row = ledger_row("EN-2")
    result = import_ledger(
        xlsx(headers, [[row[h] for h in LEDGER_HEADERS if h != chinese]]), year=2024
    )

    assert not result.ok
    assert chinese in {e.column for e in result.errors}
    assert not Project.objects.exists()


def test_the_import_sets_every_editable_project_field_the_template_has_a_column_for():
    from imports.ledger import FK_FIELDS, SCALAR_FIELDS, ledger_columns
    from projects.models import Project

    keys = {column.key for column in ledger_columns(roles=())}
    assert set(SCALAR_FIELDS) | set(FK_FIELDS) == keys & set(Project.EDITABLE_FIELDS)
