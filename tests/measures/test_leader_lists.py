"""A leader ranking's row opens the projects that leader held on the period's last day (issue
#13): the project list's `leader` filter with `period` reads the leader stored with the period's
status — the chain's leader role active on that day, as the measures decide — so a leader
handed over after the period (or mid-year) keeps the projects the ranking gives them."""

import datetime as dt

import pytest
from django.urls import reverse

from core.periods import Period
from projects.models import Person
from tests.measures.conftest import assign_leader, build_project, compute
from web.dashboard import ranking_urls

pytestmark = pytest.mark.django_db


def listed(client, url: str, params: dict | None = None) -> int:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


@pytest.fixture
def handed_over(regions):
    """Two projects of 市南区: one led by 张 until 5 November, then by 李; one by 李 all year;
    a third led by 张 until 30 June and by 李 after it."""
    zhang = Person.objects.create(name="张副市长", region=regions["city"])
    li = Person.objects.create(name="李副市长", region=regions["city"])
    late = build_project(regions["district"], plan="1000", reports={10: "500"})
    assign_leader(late, zhang, start=dt.date(2024, 1, 1), end=dt.date(2024, 11, 5))
    assign_leader(late, li, start=dt.date(2024, 11, 5))
    own = build_project(regions["district"], plan="1000", reports={10: "500"})
    assign_leader(own, li, start=dt.date(2024, 1, 1))
    mid = build_project(regions["district"], plan="1000", reports={5: "200", 10: "500"})
    assign_leader(mid, zhang, start=dt.date(2024, 1, 1), end=dt.date(2024, 7, 1))
    assign_leader(mid, li, start=dt.date(2024, 7, 1))
    return zhang, li


def test_a_leader_rankings_rows_open_the_projects_held_at_the_periods_end(
    client, handed_over, city_official, eager
):
    zhang, li = handed_over
    compute(month=10)
    compute(month=5)
    client.force_login(city_official)
    expected = {"2024-10": {zhang.pk: 1, li.pk: 2}, "2024-05": {zhang.pk: 2, li.pk: 1}}
    for period, held in expected.items():
        response = client.get(
            reverse("web:bulletin"), {"period": period, "scope": "leader", "version": "live"}
        )
        assert response.status_code == 200
        rows = {row["key"]: row for row in response.context["ranking"]["rows"]}
        assert {int(k): row["projects"] for k, row in rows.items()} == held, period
        for person_id, count in held.items():
            url = reverse("projects:project_list")
            assert listed(client, f"{url}?period={period}&leader={person_id}") == count, period
        # by name too
        assert listed(client, url, {"period": period, "leader": "张副市长"}) == held[zhang.pk]


def test_without_a_period_the_leader_filter_is_todays_leader(client, handed_over, city_official):
    zhang, li = handed_over
    client.force_login(city_official)
    url = reverse("projects:project_list")
    assert listed(client, f"{url}?leader={zhang.pk}") == 0  # handed over on 5 November
    assert listed(client, f"{url}?leader={li.pk}") == 3


def test_the_leader_rankings_chart_links_carry_the_period_and_region(
    client, handed_over, city_official, eager
):
    zhang, _li = handed_over
    compute(month=10)
    client.force_login(city_official)
    response = client.get(
        reverse("web:bulletin"), {"period": "2024-10", "scope": "leader", "version": "live"}
    )
    ranking = response.context["ranking"]
    keys = [r["key"] for r in ranking["rows"]]
    urls = dict(zip(keys, ranking_urls(ranking, Period(2024, 10)), strict=True))
    assert "period=2024-10" in urls[str(zhang.pk)] and "region=370200" in urls[str(zhang.pk)]
    assert listed(client, urls[str(zhang.pk)]) == 1
