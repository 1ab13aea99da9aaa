"""Every figure opens exactly its own projects: the list a number links to applies the
measure's own definition (ProjectSet), so its count equals the figure — on the overview (the
opening figures, the colours with their fifth 未评价 segment, the district and level tables),
for the city and for every district, on the demo data and on `generate_dataset` data; and the
API takes the same `?set=` filter."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from assessment.recompute import recompute_period
from projects.choices import RegionLevel, Role
from projects.models import Region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def eager(celery_eager):
    pass


def listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def on_board(client, url: str) -> dict:
    """The issue board behind a figure, as a list: its count and its rate switch."""
    response = client.get(f"{url}&view=list")
    assert response.status_code == 200, url
    context = response.context
    rate = context["rate"]
    return {
        "count": context["page"].paginator.count,
        "resolved": rate["resolved"]["count"],
        "on_time": rate["on_time"]["count"],
        "raised": rate["raised"]["count"],
        "raised_url": rate["raised"]["url"],
    }


def check_issue_figure(client, figure: dict) -> int:
    """办结率 / 按期办结率: the board lists the figure's numerator, its header reads the
    figure's fraction, and its switch opens as many issues as the denominator — on the
    board, its list and the API (`/api/v1/issues/` takes the same filters)."""
    numerator, denominator = figure["detail"]
    board = on_board(client, figure["url"])
    assert board["count"] == numerator, figure["label"]
    assert board["raised"] == denominator, figure["label"]
    wanted = "on_time" if "set=on_time" in figure["url"] else "resolved"
    assert board[wanted] == numerator, figure["label"]
    switched = reverse("supervision:issue_board") + board["raised_url"]
    assert on_board(client, switched)["count"] == denominator, figure["label"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(figure["url"]).query).items()}
    response = client.get("/api/v1/issues/", {**query, "page_size": 1})
    assert response.status_code == 200
    assert response.json()["count"] == numerator, figure["label"]
    return 3


def check_overview(client, region: Region) -> int:
    """Follows every number of `region`'s overview to its list; returns how many it checked."""
    response = client.get(reverse("web:home"), {"region": region.code})
    assert response.status_code == 200
    context = response.context
    checked = 0
    for figure in context["figures"]:
        if figure.get("issues"):
            checked += check_issue_figure(client, figure)
            continue
        if "set=" not in figure["url"]:
            continue
        count = listed(client, figure["url"])
        if figure["kind"] == "count":
            assert count == figure["value"], figure["label"]
        elif figure.get("detail"):
            numerator, denominator = figure["detail"]
            assert count == numerator, figure["label"]
            rate = client.get(figure["url"]).context["rate"]
            assert (rate["numerator"]["count"], rate["denominator"]["count"]) == (
                numerator,
                denominator,
            ), figure["label"]
            # the switch to the denominator's list: as many projects as the denominator
            switched = reverse("projects:project_list") + rate["denominator"]["url"]
            assert listed(client, switched) == denominator, figure["label"]
        else:
            assert count == context["totals"]["projects"], figure["label"]
        checked += 1
    colours = context["colours"]
    assert sum(c["count"] for c in colours) == context["totals"]["projects"]
    for colour in colours:
        assert listed(client, colour["url"]) == colour["count"], colour["colour"]
        checked += 1
    for row in [*context["children"], *context["by_level"]]:
        urls = row["urls"]
        assert listed(client, urls["portfolio"]) == row["projects"], row["name"]
        assert listed(client, urls["new_start_started"]) == row["new_start_started"], row["name"]
        assert listed(client, urls["finished"]) == row["finished"], row["name"]
        assert listed(client, urls["in_statistics"]) == row["in_statistics"], row["name"]
        checked += 4
    for row in context["children"]:
        urls = row["urls"]
        assert on_board(client, urls["resolved"])["count"] == row["issues_resolved"], row["name"]
        assert on_board(client, urls["on_time"])["count"] == row["issues_on_time"], row["name"]
        assert on_board(client, urls["raised"])["count"] == row["issues"], row["name"]
        checked += 3
    return checked


def check_api(client, region: Region, figures: dict) -> None:
    for figure in figures:
        if "set=" not in figure["url"] or not figure.get("detail") or figure.get("issues"):
            continue
        query = {k: v[0] for k, v in parse_qs(urlsplit(figure["url"]).query).items()}
        response = client.get("/api/v1/projects/", {**query, "page_size": 1})
        assert response.status_code == 200
        assert response.json()["count"] == figure["detail"][0], figure["label"]


def check_bulletin(client, region: Region) -> int:
    """The bulletin's other measures: 落地转化率's pool and converted projects and each row's
    portfolio open lists of exactly as many projects."""
    response = client.get(reverse("web:bulletin"), {"region": region.code, "version": "live"})
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["rows"]}
    checked = 0
    for more in response.context["more"]:
        row = rows[more["key"]]
        assert listed(client, more["portfolio_url"]) == row["projects"], more["name"]
        assert listed(client, more["pool_url"]) == more["pool_at_start"], more["name"]
        assert listed(client, more["converted_url"]) == more["converted"], more["name"]
        assert on_board(client, more["resolved_url"])["count"] == more["issues_resolved"]
        assert on_board(client, more["on_time_url"])["count"] == more["issues_on_time"]
        assert on_board(client, more["issues_url"])["count"] == more["issues"], more["name"]
        checked += 6
    return checked


def check_screen(client, region: Region) -> int:
    """The meeting screen's figures and colours open the overview's lists (walked above): the
    same totals, the same addresses, each shown as a link in the page."""
    overview = client.get(reverse("web:home"), {"region": region.code}).context
    response = client.get(reverse("web:screen"), {"region": region.code})
    assert response.status_code == 200
    screen = response.context
    html = response.content.decode()
    by_key = {f["key"]: f for f in overview["figures"]}
    checked = 0
    for key, url in screen["links"].items():
        assert url == by_key[key]["url"], key
        if key in ("investment_rate", "start_rate", "finish_rate", "resolution_rate"):
            assert f'href="{escape(url)}"' in html, key
        checked += 1
    shown = {k: screen["totals"][k] for k in ("projects", "issues_resolved", "finished")}
    assert shown == {k: overview["totals"][k] for k in shown}
    for colour, on_overview in zip(screen["colours"], overview["colours"], strict=True):
        assert (colour["url"], colour["count"]) == (on_overview["url"], on_overview["count"])
        if colour["count"]:
            assert f'href="{escape(colour["url"])}"' in html
    return checked


def walk(client) -> int:
    city = Region.objects.get(level=RegionLevel.CITY, code="370200")
    checked = check_overview(client, city) + check_bulletin(client, city)
    checked += check_screen(client, city)
    overview = client.get(reverse("web:home"), {"region": city.code}).context
    check_api(client, city, overview["figures"])
    for district in city.children.all():
        checked += check_overview(client, district)
    return checked


def test_every_figure_of_the_demo_opens_a_list_of_as_many_projects(client):
    from seed.demo import seed_demo

    seed_demo(projects=80)
    client.force_login(UserFactory(username="drill", role=Role.ADMIN, region_id="370200"))
    assert walk(client) > 100


def test_every_figure_of_generated_data_opens_a_list_of_as_many_projects(client):
    from seed.dataset import generate_dataset

    generate_dataset(projects=120, years=1, seed=3)
    recompute_period(year=2026, month=10)
    city = Region.objects.filter(level=RegionLevel.CITY).order_by("code").first()
    client.force_login(UserFactory(username="drill", role=Role.ADMIN, region=city))
    response = client.get(reverse("web:home"), {"region": city.code, "period": "2026-10"})
    assert response.context["totals"]["projects"] > 0
    checked = 0
    issues = 0
    for figure in response.context["figures"]:
        if figure.get("issues"):
            check_issue_figure(client, figure)
            issues += figure["detail"][1]
        elif "set=" in figure["url"] and figure["kind"] == "count":
            assert listed(client, figure["url"]) == figure["value"]
            checked += 1
        elif "set=" in figure["url"] and figure.get("detail"):
            assert listed(client, figure["url"]) == figure["detail"][0], figure["label"]
            checked += 1
    for colour in response.context["colours"]:
        assert listed(client, colour["url"]) == colour["count"]
        checked += 1
    assert checked == 9
    # the district table's 办结率 for every district of the city
    for row in response.context["children"]:
        assert on_board(client, row["urls"]["resolved"])["count"] == row["issues_resolved"]
        assert on_board(client, row["urls"]["raised"])["count"] == row["issues"]
    assert issues > 0  # the dataset raised issues, so the walk checked real counts
