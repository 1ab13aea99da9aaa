"""The "四新" share against the same period of last year (issue #13, item 4): on the bulletin
beside the share, and in /api/v1/summary/ (rows and total), in percentage points."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.models import Category
from tests.measures.conftest import build_project, compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(regions):
    """市南区: a "四新" project of 400 of 1000 completed in 1—10月 2023 (40%), 600 of 1000
    in 2024 (60%): +20 points (each year's projects are in the other year's portfolio too,
    under construction, with nothing completed). 市北区: 1000 completed in 2024 only."""
    four_new = Category.objects.get(code="four_new")
    for year, amount in ((2023, "400"), (2024, "600")):
        tagged = build_project(regions["district"], year=year, plan="1000", reports={10: amount})
        tagged.categories.add(four_new)
        build_project(
            regions["district"], year=year, plan="1000", reports={10: str(1000 - int(amount))}
        )
    build_project(regions["other"], plan="1000", reports={10: "1000"})
    compute(year=2023, month=10, today=dt.date(2023, 11, 20))
    compute(year=2024, month=10)


def test_the_bulletin_shows_the_four_new_share_against_last_year(client, two_years, city_official):
    client.force_login(city_official)
    response = client.get(reverse("web:bulletin"), {"period": "2024-10", "version": "live"})
    more = {m["key"]: m for m in response.context["more"]}
    assert float(more["370202"]["four_new_share"]) == pytest.approx(0.6)
    assert float(more["370202"]["four_new_share_last_year"]) == pytest.approx(0.4)
    assert float(more["370202"]["four_new_share_change"]) == pytest.approx(0.2)
    assert more["370203"]["four_new_share_change"] is None  # no share last year
    assert "同比 +20.0 个百分点" in response.content.decode()


def test_the_summary_api_gives_the_change_in_points(client, two_years, city_official):
    client.force_login(city_official)
    response = client.get("/api/v1/summary/", {"period": "2024-10", "group_by": "region"})
    assert response.status_code == 200
    body = response.json()
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["370202"]["four_new_share_last_year"] == pytest.approx(0.4)
    assert rows["370202"]["four_new_share_change_points"] == pytest.approx(20.0)
    assert rows["370203"]["four_new_share_change_points"] is None
    # the city: 600 of 2000 this year (30%), 400 of 1000 last year (40%): −10 points
    assert body["total"]["four_new_share_change_points"] == pytest.approx(-10.0)
