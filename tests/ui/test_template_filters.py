"""The UI's formatting at the edge: periods and times in Chinese, signed points, colour badges,
rank movement, and the query-string helper that keeps the filters while sorting and paging."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.test import RequestFactory

from core.formatting import cndate, cndatetime, cnmonth, cnperiod, points
from core.periods import Period


def test_an_aware_datetime_is_dated_in_china_not_utc():
    late_evening_utc = dt.datetime(2024, 10, 31, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 Nov there
    assert cndate(late_evening_utc) == "2024年11月1日"
    assert cndatetime(late_evening_utc) == "2024年11月1日 01:30"


def test_periods_read_as_the_months_they_cover():
    assert cnperiod(Period(2024, 10)) == "2024年1—10月"
    assert cnperiod("2024-01") == "2024年1月"
    assert cnmonth("2024-10") == "2024年10月"
    assert cnperiod("bad") == "—"


def test_points_are_signed():
    assert points(Decimal("0.042")) == "+4.2"
    assert points(Decimal("-0.12")) == "−12.0"
    assert points(None) == "—"


def render(source: str, **context) -> str:
    return Template("{% load portfolio colours %}" + source).render(Context(context))


def test_colour_badge_carries_the_reason_as_its_title():
    html = render("{% colour_badge 'red' reason %}", reason="投资完成率 41.2%")
    assert 'class="badge badge-red"' in html and 'title="投资完成率 41.2%"' in html
    assert "未评价" in render("{% colour_badge '' %}")


def test_movement_arrows():
    assert "▲2" in render("{% movement 2 %}")
    assert "▼1" in render("{% movement -1 %}")
    assert "—" in render("{% movement 0 %}")
    assert "新" in render("{% movement None %}")


def test_query_keeps_the_filters_and_starts_again_at_page_one():
    request = RequestFactory().get("/projects/", {"colour": "red", "page": "3", "q": "园"})
    html = render("{% query ordering='-code' %}", request=request)
    assert "colour=red" in html and "ordering=-code" in html and "page=" not in html
    assert "page=4" in render("{% query page=4 %}", request=request)


def test_a_local_datetime_keeps_its_date():
    shanghai = dt.datetime(2024, 11, 1, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert cndate(shanghai) == "2024年11月1日"
