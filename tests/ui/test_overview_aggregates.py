"""The overview of a province, city or district read from the recompute's per-district sums
(`assessment.aggregates`): the same figures as the status rows give, in a number of queries
that does not depend on the region's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import aggregates, measures
from assessment.models import RegionPeriodAggregate
from core.periods import Period
from projects.choices import Role
from tests.factories import UserFactory
from tests.ui.conftest import PERIOD, compute, make_projects

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")
OCTOBER = Period.parse(PERIOD)


def test_the_recompute_writes_one_row_per_district_and_level(portfolio):
    rows = RegionPeriodAggregate.objects.filter(year=OCTOBER.year, month=OCTOBER.month)
    assert rows.count() >= 2  # both districts of the fixture have projects
    total = sum(row.projects for row in rows)
    assert (
        total
        == measures.total(projects_qs=None, year=OCTOBER.year, month=OCTOBER.month)["projects"]
    )


def test_a_recompute_replaces_the_periods_rows(regions, portfolio):
    before = sum(
        r.projects
        for r in RegionPeriodAggregate.objects.filter(year=OCTOBER.year, month=OCTOBER.month)
    )
    make_projects(regions["other"], 4, prefix="NEW")
    compute()
    after = RegionPeriodAggregate.objects.filter(year=OCTOBER.year, month=OCTOBER.month)
    assert sum(r.projects for r in after) == before + 4
    assert len({(r.region_id, r.level) for r in after}) == after.count()  # one row per key


@pytest.mark.parametrize("who", ["province", "city", "district"])
def test_stored_figures_are_the_status_rows_figures(regions, portfolio, who):
    """Totals, levels and child regions equal `measures`' from the status rows (within=)."""
    region = regions[who]
    user = UserFactory(username=f"u_{who}", role=Role.ADMIN, region=region)
    assert aggregates.covers_whole(user, region) and aggregates.available(OCTOBER)
    children = measures.children_of(region) if who != "district" else None
    stored = aggregates.overview_figures(region=region, period=OCTOBER, children=children)
    live_total = measures.total(
        projects_qs=None, year=OCTOBER.year, month=OCTOBER.month, within=region
    )
    assert stored["total"] == live_total
    live_levels = measures.summary(
        projects_qs=None, year=OCTOBER.year, month=OCTOBER.month, group_by="level", parent=region
    )
    assert stored["by_level"] == [{**row} for row in live_levels]
    if children:
        live_children = measures.summary(
            projects_qs=None,
            year=OCTOBER.year,
            month=OCTOBER.month,
            group_by="region",
            parent=region,
        )
        assert stored["children"] == live_children
    for month, row in stored["by_month"].items():
        assert row == measures.total(
            projects_qs=None, year=OCTOBER.year, month=month, within=region
        )


def test_a_town_official_is_not_given_the_districts_sums(regions, portfolio):
    town_user = UserFactory(username="town", role=Role.OFFICIAL, region=regions["town"])
    assert not aggregates.covers_whole(town_user, regions["district"])
    assert not aggregates.covers_whole(town_user, regions["town"])


def test_a_period_computed_before_the_aggregates_existed_is_read_from_the_statuses(
    client, city_official, portfolio
):
    compute(month=4)
    RegionPeriodAggregate.objects.filter(year=OCTOBER.year, month=4).delete()
    assert not aggregates.available(OCTOBER)  # April computed, its sums missing
    client.force_login(city_official)
    response = client.get(HOME, {"period": PERIOD})
    assert response.context["totals"]["projects"] == 9


def test_province_overview_costs_the_queries_a_district_does(client, regions, portfolio):
    """The same number of queries for the province, the city and a district, and adding
    projects adds none."""
    counts = {}
    for who in ("province", "city", "district"):
        user = UserFactory(username=f"q_{who}", role=Role.ADMIN, region=regions[who])
        client.force_login(user)
        client.get(HOME, {"period": PERIOD})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME, {"period": PERIOD}).status_code == 200
        counts[who] = len(captured)
        make_projects(regions["district"], 5, prefix=f"M{who[:2].upper()}")
        compute()
        with CaptureQueriesContext(connection) as again:
            client.get(HOME, {"period": PERIOD})
        assert len(again) == counts[who]
    # the whole page, ranking included, in a fixed number of queries for each (the city's was
    # 19 with five aggregates over the status rows; now one over the stored sums), plus the
    # map's 6 (web/_map.html), the 填报率 block's 8 (supervision.reporting.completeness) and
    # the forecast's 4 (web/_forecast.html: children, grouped forecasts, two warning lists)
    assert max(counts.values()) <= 19 + 6 + 8 + 1 + 4, counts
