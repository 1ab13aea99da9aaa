import datetime as dt
from decimal import Decimal

from core.formatting import cndate, money, pct, wan, yi


def test_money_in_wan_has_thousands_separators():
    assert wan(Decimal("1234567.5")) == "1,234,567.50"
    assert wan(None) == "—"


def test_large_totals_are_shown_in_yi():
    # Binzhou's pool: 7,844 亿元 = 78,440,000 万元
    assert yi(Decimal("78440000")) == "7,844.00"
    assert money(Decimal("933000")) == "93.30亿元"
    assert money(Decimal("9330")) == "9,330.00万元"


def test_rates_are_percentages_with_one_decimal_and_dash_for_null():
    assert pct(Decimal(196) / Decimal(222)) == "88.3%"
    assert pct(Decimal("1.859")) == "185.9%"
    assert pct(None) == "—"


def test_dates_in_chinese_format():
    assert cndate(dt.date(2026, 11, 3)) == "2026年11月3日"
