"""Reading what officials type into Excel: money, dates, yes/no, names, headers."""

import datetime as dt
from decimal import Decimal

import pytest

from imports.cells import (
    CellError,
    parse_bool,
    parse_code,
    parse_date,
    parse_money,
    parse_names,
    parse_text,
)
from imports.sheet import header_key


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        (1200, Decimal("1200.00")),
        (1234.56, Decimal("1234.56")),
        (0.1 + 0.2, Decimal("0.30")),  # float noise of an Excel formula
        ("1,234,567.5", Decimal("1234567.50")),
        ("１，２３４．５", Decimal("1234.50")),  # full-width digits and separators
        (" 88.30万元 ", Decimal("88.30")),
        ("12.500", Decimal("12.50")),  # trailing zeros are not a third decimal
        (Decimal("7.1"), Decimal("7.10")),
        ("0", Decimal("0.00")),
    ],
)
def test_money_is_read_exactly_in_wan(raw, amount):
    assert parse_money(raw) == amount


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("十万", "不是有效的数字"),
        ("1,23,4", "千位分隔符"),
        (-5, "不能为负数"),
        ("-0.01", "不能为负数"),
        (True, "不是有效的金额"),
        (dt.datetime(2024, 3, 1), "不是有效的金额"),
        (float("nan"), "不是有效的金额"),
    ],
)
def test_bad_money_is_an_error_naming_the_value(raw, reason):
    with pytest.raises(CellError, match=reason):
        parse_money(raw)


def test_blank_cells_are_none():
    for parse in (parse_money, parse_date, parse_bool, parse_text, parse_names, parse_code):
        assert parse(None) is None
        assert parse("  ") is None


@pytest.mark.parametrize(
    "raw",
    [
        dt.datetime(2024, 3, 1, 0, 0),
        dt.date(2024, 3, 1),
        "2024-03-01",
        "2024/3/1",
        "2024.3.1",
        "2024年3月1日",
        "2024 年 3 月 1 日",
        "20240301",
        20240301,
        45352,  # Excel serial day number
        "2024-03-01 00:00:00",
    ],
)
def test_dates_as_excel_dates_or_text(raw):
    assert parse_date(raw) == dt.date(2024, 3, 1)


@pytest.mark.parametrize(("raw", "reason"), [("2024-02-30", "不存在"), ("三月", "不是有效的日期")])
def test_bad_dates_are_errors(raw, reason):
    with pytest.raises(CellError, match=reason):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("Yes", True),
        ("NO", False),
        ("true", True),
        ("False", False),
        (1, True),
        (0, False),
        ("1", True),
        (True, True),
        ("√", True),
    ],
)
def test_yes_no_spellings(raw, value):
    assert parse_bool(raw) is value


def test_other_yes_no_words_are_errors():
    with pytest.raises(CellError, match="应为“是”或“否”"):
        parse_bool("可能")


def test_names_split_on_chinese_and_ascii_separators():
    assert parse_names("制造业、技改,新基建，民生、技改") == ["制造业", "技改", "新基建", "民生"]


def test_codes_typed_as_numbers_keep_their_digits():
    assert parse_code(2024001) == "2024001"
    assert parse_code(2024001.0) == "2024001"
    assert parse_code(" ＱＤ－００１ ") == "QD-001"


def test_headers_match_with_either_parentheses_spacing_and_case():
    assert header_key("总投资（万元）") == header_key("总投资(万元)") == header_key("总投资")
    assert header_key(" Total_Investment ") == header_key("total_investment")
