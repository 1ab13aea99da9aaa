"""The project list: the API's FilterSet, sorting, pagination, the htmx partial and the .xlsx
export of the same list; scoped; a constant number of queries for any number of projects."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.ui.conftest import PERIOD, compute, make_projects

pytestmark = pytest.mark.django_db

LIST = reverse("projects:project_list")


def codes(response) -> set[str]:
    return {p.code for p in response.context["page"].object_list}


def test_city_official_lists_every_district_of_the_city(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(LIST)
    assert response.status_code == 200
    assert codes(response) == {f"SN-{i:03d}" for i in range(6)} | {f"SB-{i:03d}" for i in range(3)}


def test_district_official_lists_only_their_district(client, district_official, portfolio):
    client.force_login(district_official)
    assert codes(client.get(LIST)) == {f"SN-{i:03d}" for i in range(6)}


def test_official_of_another_district_does_not_see_ours(client, other_official, portfolio):
    client.force_login(other_official)
    assert codes(client.get(LIST)) == {"SB-000", "SB-001", "SB-002"}
    assert codes(client.get(LIST, {"q": "SN-"})) == set()


def test_filtering_to_red_projects_matches_the_api(client, city_official, portfolio):
    client.force_login(city_official)
    page = client.get(LIST, {"colour": "red", "period": PERIOD})
    api = client.get("/api/v1/projects/", {"colour": "red", "period": PERIOD})
    assert api.status_code == 200
    assert (
        codes(page)
        == {p["code"] for p in api.json()["results"]}
        == {
            "SN-000",
            "SN-003",
            "SB-000",
        }
    )


def test_filters_combine_level_and_region(client, city_official, regions, portfolio):
    client.force_login(city_official)
    response = client.get(LIST, {"region": regions["district"].code, "level": "provincial"})
    assert codes(response) == {"SN-000", "SN-003"}


def test_a_bad_filter_value_is_shown_with_the_reason_not_a_500(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(LIST, {"period": "2024-13"})
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert "期间" in response.content.decode()
    assert codes(response) == set()


def test_sorting_by_investment_rate(client, city_official, portfolio):
    client.force_login(city_official)
    rows = list(client.get(LIST, {"ordering": "investment_rate"}).context["page"].object_list)
    rates = [p.status_investment_rate for p in rows]
    assert rates == sorted(rates)
    assert rows[0].code in {"SN-000", "SN-003", "SB-000"}


def test_htmx_request_gets_only_the_results(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(LIST, {"colour": "red"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="project-table"' in body


def test_export_is_the_same_filtered_list_as_xlsx(client, district_official, portfolio):
    client.force_login(district_official)
    response = client.get(LIST, {"colour": "red", "export": "xlsx", "period": PERIOD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "重点项目清单 · 2024年1—10月 · 四色：红"  # the title: what the list is
    assert rows[1][:3] == ("项目编号", "项目名称", "所属区域")
    assert sorted(r[0] for r in rows[2:-1]) == ["SN-000", "SN-003"]
    header = rows[1]
    first = dict(zip(header, rows[2], strict=True))
    assert first["年度计划投资（万元）"] == 1200
    assert first["四色"] == "红"
    total = dict(zip(header, rows[-1], strict=True))
    assert total["项目编号"] == "合计" and total["项目名称"] == "2 个项目"
    plans = [dict(zip(header, row, strict=True))["年度计划投资（万元）"] for row in rows[2:-1]]
    assert total["年度计划投资（万元）"] == sum(plans)  # a number: the sheet can sum it too
    completed = [dict(zip(header, r, strict=True))["累计完成投资（万元）"] for r in rows[2:-1]]
    assert total["投资完成率"] == pytest.approx(sum(completed) / sum(plans), abs=1e-6)
    assert book.active.print_title_rows == "$2:$2"  # the header repeated on every page
    assert book.active.page_setup.orientation == "landscape"


def test_export_of_a_district_official_leaves_out_other_districts(
    client, district_official, portfolio
):
    client.force_login(district_official)
    response = client.get(LIST, {"export": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    exported = [r[0] for r in list(book.active.iter_rows(values_only=True))[2:-1]]
    assert sorted(exported) == [f"SN-{i:03d}" for i in range(6)]


def test_list_queries_do_not_grow_with_the_number_of_projects(
    client, city_official, regions, portfolio, django_assert_num_queries
):
    client.force_login(city_official)
    client.get(LIST)
    for more in (0, 40):  # 9 projects, then 49 (two pages)
        if more:
            make_projects(regions["other"], more, prefix="MORE")
            compute()
        # 1 session, 2 user, 3 latest computed period, 4 the user's region (scoping), 5 count,
        # 6 the regions of the region picker, 7 active categories, 8 the page's ids in the
        # list's order (keyset, `core.keyset`), 9 those projects (regions, towns, units and
        # the period's status joined), 10 their categories, 11 their current chain (roles and
        # people joined), 12 their statuses of the period (for the reasons).
        with django_assert_num_queries(12):
            response = client.get(LIST)
        assert response.context["page"].paginator.count == 9 + more
