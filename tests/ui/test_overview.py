"""The overview (`/`): the bulletin's opening figures, colours, ranking, curve and pipeline for a
region and period, each number linking to the list behind it; scoped like everything else."""

import re

import pytest
from django.urls import reverse

from tests.ui.conftest import PERIOD, compute, make_projects

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


def test_anonymous_visitor_is_sent_to_the_login_page(client, portfolio):
    response = client.get(HOME)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_city_official_sees_the_whole_city(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    assert response.status_code == 200
    body = response.content.decode()
    figures = {f["label"]: f for f in response.context["figures"]}
    assert figures["重点项目"]["value"] == 9
    # 6 reporting projects × 10 months × 100 万元 against 9 × 1,200 万元
    assert response.context["totals"]["completed_ytd"] == 6000
    assert "6,000.00万元" in body
    assert "1.08亿元" in body
    assert "55.6%" in body  # 6,000 / 10,800
    assert "83.3%" in body  # time progress 10/12
    names = [row["name"] for row in response.context["children"]]
    assert names == ["市南区", "市北区"]


def test_district_official_sees_their_district_by_default(client, district_official, portfolio):
    client.force_login(district_official)
    response = client.get(HOME, {"period": PERIOD})
    assert response.status_code == 200
    assert response.context["region"].name == "市南区"
    assert response.context["totals"]["projects"] == 6
    assert response.context["totals"]["completed_ytd"] == 4000
    assert "市北区" not in response.content.decode()


def test_district_official_cannot_open_another_districts_overview(
    client, other_official, regions, portfolio
):
    client.force_login(other_official)
    response = client.get(HOME, {"region": regions["district"].code, "period": PERIOD})
    assert response.status_code == 404


def test_malformed_period_is_a_404_with_the_reason_not_a_500(client, city_official, portfolio):
    client.force_login(city_official)
    assert client.get(HOME, {"period": "2024-13"}).status_code == 404


def test_colour_counts_link_to_the_projects_behind_them(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    red = next(c for c in response.context["colours"] if c["colour"] == "red")
    assert red["count"] == 3
    listed = client.get(red["url"])
    codes = {p.code for p in listed.context["page"].object_list}
    assert codes == {"SN-000", "SN-003", "SB-000"}


def test_every_figure_card_is_a_link(client, city_official, portfolio):
    client.force_login(city_official)
    body = client.get(HOME, {"period": PERIOD}).content.decode()
    cards = re.findall(r'<a class="card[^"]*" href="([^"]+)"', body)
    assert len(cards) >= 8 + 4  # eight figures and the four pools of 四个一批
    for url in cards:
        assert client.get(url.replace("&amp;", "&")).status_code == 200


def test_ranking_chart_shows_rank_and_movement(client, city_official, portfolio):
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    chart = response.context["ranking_chart"]
    names = chart["yAxis"]["data"]
    assert {n.split(". ", 1)[1] for n in names} == {"市南区", "市北区"}
    labels = [item["label"]["formatter"] for item in chart["series"][0]["data"]]
    assert all("—" in label or "▲" in label or "▼" in label for label in labels)


def test_overview_queries_do_not_grow_with_the_number_of_projects(
    client, city_official, regions, portfolio, django_assert_num_queries
):
    client.force_login(city_official)
    client.get(HOME, {"period": PERIOD})
    for more in (0, 27):  # 9 projects, then 36
        if more:
            make_projects(regions["district"], more, prefix="MORE")
            compute()
        # 1 session, 2 user, 3 the user's region,
        # 4 is the period waiting for a recompute (measures' freshness check),
        # 5-6 the year's computed months and those with stored aggregates (assessment.aggregates),
        # 7 the city's districts, 8 the aggregates of January to October (totals, levels,
        #   districts and the curve), 9 the four pools (四个一批),
        # 10-16 the ranking: published snapshot?, indicators, districts, summary, previous
        #        period's snapshot?, previous and current computation times (no settings: a
        #        monthly ranking praises and calls in no one),
        # 17 the regions of the region picker,
        # 18-23 the map (web/_map.html): children, their summary, outlines, the located
        #        projects (filter's category choices, list) and the reasons of the non-green,
        # 24-31 the 填报率 block (supervision.reporting.completeness: the window's override row,
        #       rule and calendar (2), the districts, the counts, the months' states, the
        #       missing projects),
        # 32-35 the year-end forecast (web/_forecast.html: the children, the grouped
        #       forecasts, the projects that cannot reach their plan, those turning next month),
        # 36 停工项目数 and 复工率 (web/_stoppage_figure.html: one aggregate, projects.stoppages).
        with django_assert_num_queries(36):
            response = client.get(HOME, {"period": PERIOD})
        assert response.context["totals"]["projects"] == 9 + more


def test_cumulative_curve_is_each_computed_months_total(client, city_official, portfolio):
    """The curve's one grouped query gives, month by month, what `measures.total` gives."""
    from assessment import measures
    from projects.access import scope
    from projects.models import Project

    compute(month=4)
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    done, plan = (series["data"] for series in response.context["curve"]["series"])
    projects = scope(city_official, Project.objects.active())
    for month in range(1, 11):
        row = measures.total(projects_qs=projects, year=2024, month=month)
        if row["projects"]:
            assert done[month - 1] == float(row["completed_ytd"])
            assert plan[month - 1] == float(row["time_progress"] * row["annual_plan"])
        else:
            assert done[month - 1] is None and plan[month - 1] is None
    assert done[3] is not None and done[9] is not None and done[4] is None
    assert plan[10] == pytest.approx(float(row["annual_plan"]) * 11 / 12)


def test_overview_shows_the_forecast_with_its_method(client, city_official, portfolio):
    """No earlier year to learn from: the naive extrapolation, and the page says so."""
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    total = response.context["forecast"]["total"]
    # 6,000 done by October × 12/10 = 7,200 of 10,800 planned
    assert total["forecast_completed"] == 7200
    assert total["method"] == "naive_fallback"
    body = response.content.decode()
    assert 'id="forecast"' in body and "无往年数据，按时间外推" in body
    assert "66.7%" in body  # 7,200 / 10,800
    # the stalled projects cannot make 1,200 in two months at their best month of 0
    assert total["cannot_reach"] == 3
    assert {r["name"] for r in response.context["forecast"]["behind"]} == {"市南区", "市北区"}
