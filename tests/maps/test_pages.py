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
    assert [f["id"] for f in data["projects"]["features"]] == ["QD-001"]
    start = html.index('id="wallmap-data"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(body)["projects"]["features"][0]["properties"]["code"] == "QD-001"
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
    assert data["truncated"] and len(data["projects"]["features"]) == 3
    red = set(
        ProjectStatus.objects.filter(colour="red", project__in=projects).values_list(
            "project__code", flat=True
        )
    )
    shown = [f["id"] for f in data["projects"]["features"]]
    assert red and set(shown[: len(red)]) == red  # the red ones are kept first
    assert "图上仅显示 3 个" in client.get("/map/").content.decode()
    settings.MAP_MAX_POINTS = 100
    assert not client.get("/map/").context["map_data"]["truncated"]
