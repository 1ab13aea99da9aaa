"""GET /api/v1/map/ and /api/v1/regions/{code}/boundary/: scoped, filtered, constant queries."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from assessment.choices import Colour
from assessment.models import ProjectStatus
from assessment.reasons import NOT_APPLICABLE
from core.periods import Period
from projects.boundaries import load_boundaries
from projects.choices import Level
from tests.factories import ProjectFactory

QINGDAO = Path(settings.BASE_DIR) / "data" / "boundaries" / "qingdao.geojson"


@pytest.fixture
def mapped(regions, project, other_project):
    # the fixture tree has two of the ten districts: their features of the shipped file
    data = json.loads(QINGDAO.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["id"] in ("370202", "370203")]
    assert load_boundaries(json.dumps(data).encode(), within=regions["city"]).ok
    for p, (lat, lng) in ((project, (36.066, 120.386)), (other_project, (36.09, 120.37))):
        p.latitude, p.longitude = lat, lng
        p.save()
    return regions


def _codes(body):
    return sorted(f["properties"]["code"] for f in body["features"])


def test_map_returns_only_the_callers_projects(
    client_for, mapped, district_official, city_official
):
    body = client_for(district_official).get("/api/v1/map/").json()
    assert body["type"] == "FeatureCollection"
    assert _codes(body) == ["QD-001"]
    assert body["features"][0]["geometry"]["type"] == "Point"
    assert body["features"][0]["geometry"]["coordinates"] == [120.386, 36.066]
    assert _codes(client_for(city_official).get("/api/v1/map/").json()) == ["QD-001", "QD-002"]


def test_map_of_another_region_is_refused(client_for, mapped, district_official):
    response = client_for(district_official).get("/api/v1/map/?region=370203")
    assert response.status_code == 403
    assert "QD-002" not in response.content.decode()


def test_map_filters_like_the_project_list(client_for, mapped, city_official):
    ProjectFactory(
        code="QD-003",
        region=mapped["district"],
        level=Level.PROVINCIAL,
        latitude=36.07,
        longitude=120.39,
    )
    body = client_for(city_official).get("/api/v1/map/?level=provincial").json()
    assert _codes(body) == ["QD-003"]
    bad = client_for(city_official).get("/api/v1/map/?stage=nonsense&period=2024-13")
    assert bad.status_code == 400


def test_map_regions_layer_has_the_districts_with_outlines(client_for, mapped, city_official):
    body = client_for(city_official).get("/api/v1/map/?region=370200&measure=red_share").json()
    regions = body["regions"]
    assert regions["measure"]["key"] == "red_share"
    assert {f["properties"]["code"] for f in regions["features"]} == {"370202", "370203"}


def test_map_query_count_does_not_grow_with_projects(
    client_for, mapped, city_official, django_assert_max_num_queries
):
    client = client_for(city_official)
    client.get("/api/v1/map/")
    for i in range(20):
        ProjectFactory(code=f"QD-1{i:02d}", region=mapped["other"], latitude=36.1, longitude=120.38)
    with django_assert_max_num_queries(25) as few:
        client.get("/api/v1/map/")
    for i in range(40):
        ProjectFactory(code=f"QD-2{i:02d}", region=mapped["other"], latitude=36.1, longitude=120.38)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/map/").json()
    assert len(body["features"]) == 62


def test_boundary_endpoint(client_for, mapped, district_official):
    client = client_for(district_official)
    body = client.get("/api/v1/regions/370202/boundary/").json()
    assert body["type"] == "Feature" and body["id"] == "370202"
    assert body["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get("/api/v1/regions/370203/boundary/").status_code == 404  # not theirs
    assert client.get("/api/v1/regions/370202001/boundary/").status_code == 404  # none loaded


def test_reason_of_a_red_project_is_on_its_point(client_for, mapped, city_official, project):
    period = Period.latest_complete()
    ProjectStatus.objects.create(
        project=project,
        year=period.year,
        month=period.month,
        region=project.region,
        level=project.level,
        colour=Colour.RED,
        progress_verdict="red",
        investment_rate=Decimal("0.1"),
        time_progress=Decimal("0.5"),
        gap_points=Decimal("-40"),
        start_verdict=NOT_APPLICABLE,
        statistics_verdict=NOT_APPLICABLE,
        milestones_verdict=NOT_APPLICABLE,
        reporting_verdict=NOT_APPLICABLE,
        computed_at=timezone.now(),
    )
    body = client_for(city_official).get(f"/api/v1/map/?period={period}").json()
    point = next(f for f in body["features"] if f["id"] == "QD-001")
    assert point["properties"]["colour"] == "red"
    assert "投资完成率 10" in point["properties"]["reason"]
    assert ProjectStatus.objects.count() == 1


def _red(project, period):
    return ProjectStatus.objects.create(
        project=project,
        year=period.year,
        month=period.month,
        region=project.region,
        level=project.level,
        colour=Colour.RED,
        progress_verdict="red",
        investment_rate=Decimal("0.1"),
        time_progress=Decimal("0.5"),
        gap_points=Decimal("-40"),
        start_verdict=NOT_APPLICABLE,
        statistics_verdict=NOT_APPLICABLE,
        milestones_verdict=NOT_APPLICABLE,
        reporting_verdict=NOT_APPLICABLE,
        computed_at=timezone.now(),
    )


def test_map_api_is_capped_red_first_with_a_truncation_marker(
    client_for, mapped, city_official, settings
):
    period = Period.latest_complete()
    for i in range(4):
        ProjectFactory(code=f"QD-0{i + 5}", region=mapped["other"], latitude=36.1, longitude=120.3)
    red = ProjectFactory(code="QD-999", region=mapped["other"], latitude=36.1, longitude=120.3)
    _red(red, period)
    client = client_for(city_official)
    settings.MAP_MAX_POINTS = 3
    body = client.get(f"/api/v1/map/?period={period}").json()
    assert (body["truncated"], body["total"], body["count"], body["limit"]) == (True, 7, 3, 3)
    assert len(body["features"]) == 3 and body["features"][0]["id"] == "QD-999"  # red first
    # limit= asks for fewer, never for more than the cap
    assert client.get(f"/api/v1/map/?period={period}&limit=2").json()["count"] == 2
    assert client.get(f"/api/v1/map/?period={period}&limit=50").json()["count"] == 3
    assert client.get("/api/v1/map/?limit=0").status_code == 400
    settings.MAP_MAX_POINTS = 100
    body = client.get(f"/api/v1/map/?period={period}").json()
    assert (body["truncated"], body["total"], body["count"]) == (False, 7, 7)


def test_map_api_bbox_keeps_the_points_inside(client_for, mapped, city_official):
    client = client_for(city_official)
    body = client.get("/api/v1/map/?bbox=120.38,36.06,120.39,36.07").json()
    assert _codes(body) == ["QD-001"]
    assert body["total"] == 1 and not body["truncated"]
    assert _codes(client.get("/api/v1/map/?bbox=120.0,36.0,120.5,36.5").json()) == [
        "QD-001",
        "QD-002",
    ]
    for bad in ("1,2,3", "a,b,c,d", "120.5,36,120.0,36.5", "200,0,210,1"):
        response = client.get(f"/api/v1/map/?bbox={bad}")
        assert response.status_code == 400, bad
        assert "bbox" in response.json()
