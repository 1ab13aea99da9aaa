"""Fixtures of the import tests: xlsx files written with openpyxl into tmp_path, ledger rows."""

import itertools

import pytest
from openpyxl import Workbook

LEDGER_HEADERS = [
    "项目编号",
    "项目名称",
    "所属区域",
    "项目级别",
    "项目类别",
    "建设阶段",
    "总投资(万元)",
    "年度计划投资(万元)",
    "是否新开工",
    "是否计划竣工",
    "计划开工日期",
    "实际开工日期",
    "计划竣工日期",
    "实际竣工日期",
    "是否纳统",
    "区级领导",
    "部门负责人",
    "镇办负责人",
    "工作人员",
    "责任单位",
    *[f"{m}月" for m in range(1, 13)],
]


def ledger_row(code: str, **overrides) -> dict:
    """A valid ledger row of 市南区 (the conftest district), keyed by Chinese header."""
    row = {
        "项目编号": code,
        "项目名称": f"项目{code}",
        "所属区域": "市南区",
        "项目级别": "区级",
        "项目类别": "制造业、技改",
        "建设阶段": "在建",
        "总投资(万元)": 10000,
        "年度计划投资(万元)": 1200,
        "是否新开工": "是",
        "是否计划竣工": "否",
        "计划开工日期": "2024-03-01",
        "实际开工日期": "2024/3/15",
        "计划竣工日期": "2026年6月30日",
        "实际竣工日期": None,
        "是否纳统": "是",
        "区级领导": "王副区长",
        "部门负责人": "李局长",
        "镇办负责人": "张主任",
        "工作人员": "赵科员",
        "责任单位": "区发展和改革局",
    }
    row.update({f"{m}月": 100 for m in range(1, 13)})
    row.update(overrides)
    return row


@pytest.fixture
def xlsx(tmp_path):
    """xlsx(headers, rows) → path of a new .xlsx; rows are lists or dicts keyed by header."""
    counter = itertools.count(1)

    def write(headers, rows, name=None):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(headers))
        for row in rows:
            if isinstance(row, dict):
                row = [row.get(header) for header in headers]
            sheet.append(list(row))
        path = tmp_path / (name or f"file{next(counter)}.xlsx")
        workbook.save(path)
        return path

    return write


@pytest.fixture
def ledger(xlsx):
    """ledger(rows) → path of a ledger with the template's Chinese headers."""

    def write(rows, headers=LEDGER_HEADERS):
        return xlsx(headers, rows)

    return write
