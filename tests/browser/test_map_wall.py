"""挂图作战 in a real browser, on the demo (seed_demo): the map draws Qingdao's ten districts and
the demo's projects with no request leaving 127.0.0.1 (every request recorded), a click on a
district zooms into it, a click on a point opens the project; the wall chart marks a district's
overdue milestones. Screenshots at 1366×768 and 390 px."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from .conftest import PASSWORD, PHONE, shot

LOCAL = {"127.0.0.1", "localhost"}  # the live server's host (localhost is 127.0.0.1)


@pytest.fixture
def demo(transactional_db, settings):
    from assessment.recompute import recompute_period
    from projects.models import Milestone, Project
    from seed.demo import seed_demo

    settings.DEMO_PASSWORD = PASSWORD
    # the reference rows the migrations add (a transactional test flushes them)
    from importlib import import_module

    from assessment.models import ColourRules
    from projects.models import Category, ChainRole

    defaults = import_module("projects.migrations.0002_reference_data")
    for order, (code, name) in enumerate(defaults.CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (code, name, is_leader) in enumerate(defaults.CHAIN_ROLES, start=1):
        ChainRole.objects.get_or_create(
            code=code, defaults={"name": name, "order": order, "is_leader": is_leader}
        )
    ColourRules.objects.get_or_create(pk=1)
    seed_demo(projects=120, extras=False)
    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    recompute_period(year=last.year, month=last.month)
    # one overdue node of 市南区 we know by name
    project = Project.objects.filter(region_id="370202").order_by("code").first()
    Milestone.objects.create(
        project=project, name="测试逾期节点", due_date=today - dt.timedelta(days=12)
    )
    return {"project": project}


def _record(page, requests):
    page.on("request", lambda request: requests.append(request.url))


def _log_in(page, username):
    page.goto(f"{page.base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{page.base}/**")


def test_map_draws_the_districts_and_points_offline(page, demo):
    from projects.models import Project

    requests: list[str] = []
    _record(page, requests)
    _log_in(page, "city")
    page.goto(f"{page.base}/map/")
    chart = page.locator("#wallmap[data-ready=true]")
    chart.wait_for()
    assert chart.get_attribute("data-districts") == "10"
    located = Project.objects.filter(latitude__isnull=False).count()
    assert int(chart.get_attribute("data-points")) == located > 0
    page.wait_for_timeout(300)
    shot(page, "map-city-1366")

    # a click on 平度市, away from its projects (around its centre), zooms into it
    from projects.boundaries import BoundaryIndex

    assert BoundaryIndex.load().locate(119.8, 36.95).code == "370283"
    x, y = page.evaluate("window.wallmapPixel(119.8, 36.95)")
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/map/?region=370283*")
    page.locator("#wallmap[data-ready=true]").wait_for()
    assert "平度市" in page.locator("h1").inner_text()
    shot(page, "map-district-1366")

    # a click on a point opens its project
    project = (
        Project.objects.filter(region_id="370283", latitude__isnull=False).order_by("code").first()
    )
    x, y = page.evaluate(
        f"window.wallmapPixel({float(project.longitude)}, {float(project.latitude)})"
    )
    box = page.locator("#wallmap").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/projects/**")
    assert "/projects/" in page.url

    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts <= LOCAL, hosts


def test_map_on_a_phone(browser, live_server, demo, console):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    console.watch(page)
    page.base = live_server.url
    requests: list[str] = []
    _record(page, requests)
    _log_in(page, "city")
    page.goto(f"{page.base}/map/")
    page.locator("#wallmap[data-ready=true]").wait_for()
    page.locator("#wallmap").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, "map-phone-390")
    page.goto(f"{page.base}/wall/?region=370202")
    shot(page, "wall-phone-390")
    context.close()
    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts <= LOCAL, hosts
    assert console.errors == []


def test_wall_chart_marks_a_districts_overdue_milestones(page, demo):
    _log_in(page, "city")
    page.goto(f"{page.base}/wall/?region=370202")
    row = page.locator(f'tr[data-project="{demo["project"].code}"]')
    assert row.locator('rect[data-state="overdue"]').count() >= 1
    assert "测试逾期节点" in page.locator("#overdue-nodes").inner_text()
    assert page.locator("#wallchart .wall-group").first.inner_text().startswith("市南区")
    shot(page, "wall-shinan-1366", full_page=True)


def test_a_click_on_the_project_forms_map_sets_the_location(page, demo):
    project = demo["project"]
    _log_in(page, "city")
    page.goto(f"{page.base}/projects/{project.code}/edit/")
    picker = page.locator("#location-picker[data-ready=true]")
    picker.wait_for()
    picker.scroll_into_view_if_needed()
    x, y = page.evaluate("window.pickerPixel(120.45, 36.15)")  # 李沧区
    box = picker.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert abs(float(page.input_value("#id_latitude")) - 36.15) < 0.01
    assert abs(float(page.input_value("#id_longitude")) - 120.45) < 0.01
    shot(page, "project-form-picker-1366")
    page.click("#save-project")
    page.wait_for_url(f"**/projects/{project.code}/")
    project.refresh_from_db()
    assert abs(float(project.latitude) - 36.15) < 0.01


# a 1×1 grey PNG: the installation's tile server of the test
TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f1a7a50000000049454e44ae426082"
)


def test_map_tile_url_draws_the_installations_tiles_beneath(page, demo, settings):
    settings.MAP_TILE_URL = "http://tiles.intranet.test/{z}/{x}/{y}.png"
    tiles: list[str] = []

    def serve(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, body=TILE, headers={"content-type": "image/png"})

    page.route("http://tiles.intranet.test/**", serve)
    _log_in(page, "city")
    page.goto(f"{page.base}/map/")
    chart = page.locator("#wallmap[data-ready=true]")
    chart.wait_for()
    assert int(chart.get_attribute("data-tiles-drawn")) > 0
    page.wait_for_function("document.querySelector('#wallmap').dataset.tilesDrawn > 0")
    page.wait_for_timeout(500)
    assert tiles and all(urlparse(t).path.endswith(".png") for t in tiles)
    z, x, y = (int(v) for v in urlparse(tiles[0]).path.removesuffix(".png").split("/")[1:])
    assert 7 <= z <= 12 and 0 <= x < 2**z and 0 <= y < 2**z  # Qingdao's city at its zoom
    assert chart.get_attribute("data-districts") == "10"
    shot(page, "map-tiles-1366")
