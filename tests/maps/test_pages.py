"""The map page and the wall chart: scoped, filtered, overdue nodes marked, constant queries."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from projects.choices import MilestoneKind
from projects.models import Milestone
from tests.factories import ProjectFactory


@pytest.fixture
def milestones(project, other_project):
    today = timezone.localdate()
    project.planned_start = today - dt.timedelta(days=200)
    project.planned_completion = today + dt.timedelta(days=300)
    project.latitude, project.longitude = 36.066, 120.386
    project.save()
    late = Milestone.objects.create(
        project=project,
        name="施工许可办理",
        kind=MilestoneKind.CONSTRUCTION_PERMIT,
        due_date=today - dt.timedelta(days=10),
    )
    done = Milestone.objects.create(
        project=project,
        name="立项批复",
        kind=MilestoneKind.PROJECT_APPROVAL,
        due_date=today - dt.timedelta(days=40),
        done_on=today - dt.timedelta(days=41),
    )
    coming = Milestone.objects.create(
        project=project, name="主体封顶", due_date=today + dt.timedelta(days=60)
    )
    Milestone.objects.create(
        project=other_project, name="市北区的节点", due_date=today - dt.timedelta(days=5)
    )
    return {"late": late, "done": done, "coming": coming}


def test_wall_chart_marks_overdue_nodes_and_lists_them(client, district_official, milestones):
    client.force_login(district_official)
    response = client.get("/wall/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-project="QD-001"' in html
    assert 'data-project="QD-002"' not in html  # another district's project
    assert "市北区的节点" not in html
    assert html.count('data-state="overdue"') == 1
    assert html.count('data-state="done"') == 1
    assert html.count('data-state="due"') == 1
    overdue = response.context["overdue_nodes"]
    assert [(p.code, m.name, days) for p, m, days in overdue] == [("QD-001", "施工许可办理", 10)]
    assert 'class="bar"' in html  # the planned start–completion bar


def test_wall_chart_permits_only_and_groupings(client, city_official, milestones):
    client.force_login(city_official)
    html = client.get("/wall/?kinds=permits").content.decode()
    assert "施工许可办理" in html and "主体封顶" not in html
    for group in ("district", "taskforce", "leader", "unit"):
        assert client.get(f"/wall/?group={group}").status_code == 200


def test_wall_chart_queries_do_not_grow(
    client, city_official, milestones, regions, django_assert_max_num_queries
):
    client.force_login(city_official)
    client.get("/wall/")
    for i in range(15):
        p = ProjectFactory(code=f"QD-3{i:02d}", region=regions["other"])
        Milestone.objects.create(project=p, name="节点", due_date=timezone.localdate())
    with django_assert_max_num_queries(30) as captured:
        client.get("/wall/")
    n = len(captured.captured_queries)
    for i in range(15):
        ProjectFactory(code=f"QD-4{i:02d}", region=regions["other"])
    with django_assert_max_num_queries(n):
        client.get("/wall/")


def test_map_page_embeds_the_points_of_the_callers_projects(client, district_official, milestones):
    client.force_login(district_official)
    response = client.get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="wallmap-data"' in html
    data = response.context["map_data"]
    assert data["points"]["code"] == ["QD-001"]
    start = html.index('id="wallmap-data"')
    body = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    # compact: one array per column, the district's name once, no outlines in the page
    points = body["points"]
    assert (points["code"], points["lng"], points["lat"]) == (["QD-001"], [120.386], [36.066])
    assert points["districts"][points["district"][0]] == "市南区"
    assert "projects" not in body and "coordinates" not in html
    assert client.get("/map/?region=370203").status_code == 404


def test_map_page_bad_filter_is_reported(client, city_official, milestones):
    client.force_login(city_official)
    response = client.get("/map/?stage=nonsense")
    assert response.status_code == 200
    assert response.context["map_errors"]


def test_a_map_carries_at_most_its_limit_of_points_red_first(
    client, city_official, regions, settings
):
    from assessment.models import ProjectStatus
    from tests.ui.conftest import compute, make_projects

    projects = make_projects(regions["district"], 6, prefix="PT")  # every third one reported 0
    for i, project in enumerate(projects):
        project.latitude, project.longitude = 36.06 + i / 1000, 120.38
        project.save()
    compute()
    settings.MAP_MAX_POINTS = 3
    client.force_login(city_official)
    data = client.get("/map/").context["map_data"]
    assert data["truncated"] and len(data["points"]["code"]) == 3
    assert (data["count"], data["total"]) == (3, 6)
    red = set(
        ProjectStatus.objects.filter(colour="red", project__in=projects).values_list(
            "project__code", flat=True
        )
    )
    shown = data["points"]["code"]
    assert red and set(shown[: len(red)]) == red  # the red ones are kept first
    assert "图上仅显示 3 个" in client.get("/map/").content.decode()
    settings.MAP_MAX_POINTS = 100
    assert not client.get("/map/").context["map_data"]["truncated"]


@pytest.fixture
def outlined(regions, milestones):
    from pathlib import Path

    from django.conf import settings

    from projects.boundaries import load_boundaries

    source = Path(settings.BASE_DIR) / "data" / "boundaries" / "qingdao.geojson"
    data = json.loads(source.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["id"] in ("370202", "370203")]
    assert load_boundaries(json.dumps(data).encode(), within=regions["city"]).ok
    return regions


def test_the_outlines_are_fetched_once_per_version_with_an_etag(
    client, city_official, district_official, outlined, django_assert_max_num_queries
):
    client.force_login(city_official)
    page = client.get("/map/")
    layer = page.context["map_data"]["regions"]
    version = layer["outlines_version"]
    assert [f["geometry"] for f in layer["features"]] == [None, None]
    assert f"/map/outlines/?region=370200&amp;v={version}" in page.content.decode()
    response = client.get(f"/map/outlines/?region=370200&v={version}")
    assert response.status_code == 200
    assert response["ETag"] == f'"{version}"'
    assert "immutable" in response["Cache-Control"]
    body = json.loads(response.content)
    assert sorted(body["outlines"]) == ["370202", "370203"]
    assert body["outlines"]["370202"]["type"] in ("Polygon", "MultiPolygon")
    with django_assert_max_num_queries(6):  # session, user, region, children, load times
        again = client.get("/map/outlines/?region=370200", HTTP_IF_NONE_MATCH=f'"{version}"')
    assert again.status_code == 304 and "immutable" not in again["Cache-Control"]
    # a district official gets its own outline only, and not another district's
    client.force_login(district_official)
    own = json.loads(client.get("/map/outlines/?region=370202").content)
    assert sorted(own["outlines"]) == ["370202"]
    assert client.get("/map/outlines/?region=370203").status_code == 404
    # a boundary loaded again (a new load time) changes the version
    import datetime as dt

    from projects.models import RegionBoundary

    RegionBoundary.objects.filter(region="370202").update(
        loaded_at=timezone.now() + dt.timedelta(seconds=5)
    )
    client.force_login(city_official)
    assert client.get("/map/").context["map_data"]["regions"]["outlines_version"] != version


def test_no_tile_server_unless_one_is_set(client, city_official, outlined, settings):
    client.force_login(city_official)
    response = client.get("/map/")
    assert "data-tiles" not in response.content.decode()
    assert "tiles.example.gov" not in response["Content-Security-Policy"]
    settings.MAP_TILE_URL = "https://tiles.example.gov/{z}/{x}/{y}.png"
    response = client.get("/map/")
    assert 'data-tiles="https://tiles.example.gov/{z}/{x}/{y}.png"' in response.content.decode()
    policy = response["Content-Security-Policy"]
    img = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "https://tiles.example.gov" in img
    # the overview's small map never draws tiles
    assert "data-tiles" not in client.get("/").content.decode()


def test_map_page_queries_do_not_grow(client, city_official, outlined, regions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(city_official)
    client.get("/map/")
    with CaptureQueriesContext(connection) as first:
        client.get("/map/")
    for i in range(20):
        ProjectFactory(
            code=f"QD-5{i:02d}", region=regions["other"], latitude=36.09, longitude=120.37
        )
    with CaptureQueriesContext(connection) as second:
        response = client.get("/map/")
    assert len(second.captured_queries) == len(first.captured_queries)
    assert len(response.context["map_data"]["points"]["code"]) == 21  # QD-001 and the 20
