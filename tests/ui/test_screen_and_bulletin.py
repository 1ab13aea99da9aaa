"""The meeting-room screen (read-only pages advanced by keys or a timer) and the monthly
ranking bulletin (printable page and formatted .xlsx)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.ui.conftest import PERIOD

pytestmark = pytest.mark.django_db

SCREEN = reverse("web:screen")
BULLETIN = reverse("web:bulletin")


def test_screen_has_the_meeting_pages_and_no_editing_controls(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(SCREEN, {"period": PERIOD, "auto": "20"})
    assert response.status_code == 200
    kinds = [s["kind"] for s in response.context["slides"]]
    assert kinds == ["figures", "ranking", "map"]
    assert [d["key"] for d in response.context["decks"]] == ["attention", "overdue", "decisions"]
    body = response.content.decode()
    for control in ("<form", "<input", "<textarea", "<select", "<button"):
        assert control not in body
    assert 'data-interval="20"' in body
    assert 'data-theme="dark"' in body
    attention = response.context["decks"][0]
    assert attention["count"] == 3  # the rows are fetched per slide (web:screen_rows)
    rows = client.get(attention["src"] + "&offset=0&limit=8")
    assert rows.status_code == 200
    assert rows.content.decode().count("<tr>") == 3


def test_screen_light_theme(client, city_official, portfolio):
    client.force_login(city_official)
    assert 'data-theme="light"' in client.get(SCREEN, {"theme": "light"}).content.decode()


def test_long_lists_are_split_into_pages_readable_from_the_back(
    client, city_official, regions, portfolio
):
    from tests.ui.conftest import compute, make_projects

    make_projects(regions["district"], 30, prefix="MORE", stalled_every=1)  # 30 more red
    compute()
    client.force_login(city_official)
    deck = client.get(SCREEN, {"period": PERIOD}).context["decks"][0]
    assert deck["count"] == 33  # the browser cuts the deck into slides of the rows that fit
    pages = [
        client.get(deck["src"] + f"&offset={offset}&limit=12").content.decode().count("<tr>")
        for offset in (0, 12, 24, 36)
    ]
    assert pages == [12, 12, 9, 0]


def test_district_official_cannot_put_another_district_on_screen(
    client, other_official, regions, portfolio
):
    client.force_login(other_official)
    assert client.get(SCREEN, {"region": regions["district"].code}).status_code == 404


def test_bulletin_ranks_the_districts(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(BULLETIN, {"period": PERIOD})
    assert response.status_code == 200
    rows = response.context["rows"]
    # Both districts completed 2 of 3 projects' plans (66.7%): a tie shares the rank.
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "市南区"), (1, "市北区")]
    assert "青岛市重点项目建设县市区排名通报" in response.content.decode()


def test_bulletin_workbook_has_the_title_and_a_row_per_district(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(BULLETIN, {"period": PERIOD, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value == "青岛市重点项目建设县市区排名通报"
    assert "2024年1—10月" in sheet["A2"].value
    assert sheet["B4"].value == "县市区"
    districts = {sheet.cell(row=r, column=2).value for r in (5, 6)}
    assert districts == {"市南区", "市北区"}
    assert sheet.cell(row=5, column=8).number_format == "0.0%"
    assert sheet.page_setup.orientation == "landscape"


def test_a_districts_bulletin_ranks_its_leaders_only(client, district_official, portfolio):
    client.force_login(district_official)
    response = client.get(BULLETIN, {"period": PERIOD})
    assert response.status_code == 200
    assert response.context["scope_label"] == "包联领导"
    assert "市北区" not in response.content.decode()


def test_bulletin_total_row_adds_the_rows_and_equals_the_citys_own_total(
    client, city_official, regions, portfolio
):
    from assessment import measures

    client.force_login(city_official)
    response = client.get(BULLETIN, {"period": PERIOD})
    total = response.context["total"]
    rows = response.context["rows"]
    assert total["name"] == "全市合计"
    assert total["projects"] == sum(r["projects"] for r in rows)
    city = measures.row_json(
        measures.total(projects_qs=None, year=2024, month=10, within=regions["city"])
    )
    for field in ("projects", "annual_plan", "completed_ytd", "finished", "finish_planned"):
        assert total[field] == city[field], field
    for rate in ("investment_rate", "start_rate", "finish_rate", "resolution_rate"):
        assert total[rate] == city[rate], rate
    assert 'id="bulletin-total"' in response.content.decode()


def test_bulletin_workbook_stores_money_as_numbers_and_its_total_row_is_their_sum(
    client, city_official, portfolio
):
    client.force_login(city_official)
    response = client.get(BULLETIN, {"period": PERIOD, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    plans = [sheet.cell(row=r, column=6).value for r in (5, 6)]
    assert all(isinstance(value, (int, float)) for value in plans)
    assert sheet.cell(row=5, column=6).number_format == "#,##0.00"
    assert sheet.cell(row=7, column=2).value == "全市合计"
    assert sheet.cell(row=7, column=6).value == pytest.approx(sum(plans))
    assert sheet.cell(row=7, column=5).value == sum(
        sheet.cell(row=r, column=5).value for r in (5, 6)
    )


def test_total_of_rows_leaves_out_a_sum_an_old_snapshot_does_not_hold():
    from assessment import measures

    rows = [
        {"projects": 2, "annual_plan": "100.00", "completed_ytd": "50.00", "finished": 1},
        {"projects": 1, "annual_plan": "100.00", "completed_ytd": "30.00", "finished": 0},
    ]
    total = measures.rows_total(rows, name="合计")
    assert total["projects"] == 3 and total["annual_plan"] == "200.00"
    assert total["investment_rate"] == 0.4  # 80 / 200: the ratio of the sums
    assert total["finish_planned"] is None and total["finish_rate"] is None
    assert total["time_progress"] is None


def test_the_province_screen_shows_its_districts_not_every_project(
    client, regions, portfolio, django_assert_max_num_queries
):
    """A province's lists are summaries: its districts, the most red first, every district
    listed (the deck's count is known without grouping the list); no project row in the page."""
    from projects.choices import Role
    from tests.factories import UserFactory

    province = UserFactory(username="province", role=Role.ADMIN, region=regions["province"])
    client.force_login(province)
    response = client.get(SCREEN, {"period": PERIOD, "region": regions["province"].code})
    assert response.status_code == 200
    decks = response.context["decks"]
    assert {d["kind"] for d in decks} == {"districts"}
    assert decks[0]["count"] == 3  # 市南区, 市北区, 历下区
    with django_assert_max_num_queries(14):
        rows = client.get(decks[0]["src"] + "&offset=0&limit=10").content.decode()
    assert rows.count("<tr>") == 3
    assert rows.index("市南区") < rows.index("历下区")  # the red ones first
    assert "SN-000" not in response.content.decode()


def test_screen_shows_the_year_end_forecast(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(reverse("web:screen"), {"period": PERIOD})
    assert response.context["forecast"]["forecast_completed"] == 7200  # 6,000 × 12/10
    body = response.content.decode()
    assert 'id="screen-forecast"' in body and "66.7%" in body
