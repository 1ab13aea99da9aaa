"""Benchmark of the map page (挂图作战) for a city of 10 districts and ~7,000 projects — run by
hand, not collected by pytest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_map_bench \\
        .venv/bin/python benchmarks/map.py [--projects 7000] [--drop]

1. Migrates, builds the synthetic dataset (`generate_dataset --projects N --years 1`, one city
   per ten districts: with N=7,000 the first city has 10 districts) unless it is there, recomputes
   last month, gives the first synthetic city's ten districts Qingdao's ten outlines
   (data/boundaries/qingdao.geojson, through `load_boundaries`) and every project a point inside
   its district's bounding box (the dataset has no coordinates).
2. Server time: `GET /map/?region=CITY` and `GET /api/v1/map/?region=CITY` through Django's test
   client as that city's official, DEBUG off, median of 10 after a warm-up.
3. Browser time: the same page in Chromium (Playwright), its HTML from step 2 and the static
   files from static/ served by request interception (so nothing but rendering is timed): from
   navigation to the map's `data-ready` (ECharts drew the districts and all the points),
   median of 5.
Targets (issue #16): under 300 ms server time, under 2 s in the browser.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from measures import city_client, drop_database, ensure_dataset  # noqa: E402

from assessment.models import PeriodComputation  # noqa: E402
from assessment.recompute import recompute_period  # noqa: E402
from core.periods import Period  # noqa: E402
from projects.boundaries import load_boundaries  # noqa: E402
from projects.choices import RegionLevel  # noqa: E402
from projects.models import Project, Region  # noqa: E402

QINGDAO = ROOT / "data" / "boundaries" / "qingdao.geojson"


def prepare(projects: int) -> tuple[Region, Period]:
    ensure_dataset(projects, 1, 1)
    period = Period.latest_complete()
    if not PeriodComputation.objects.filter(
        year=period.year, month=period.month, finished_at__isnull=False
    ).exists():
        print(f"recomputing {period} …")
        recompute_period(year=period.year, month=period.month)
    city = Region.objects.filter(code__startswith="99", level=RegionLevel.CITY).order_by("code")[0]
    districts = list(city.children.order_by("code"))[:10]
    data = json.loads(QINGDAO.read_text(encoding="utf-8"))
    for feature, district in zip(data["features"], districts, strict=False):
        feature["id"] = district.code
        feature["properties"]["name"] = district.name
    result = load_boundaries(json.dumps(data).encode(), within=city)
    assert result.ok, result.errors
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE projects_project p SET
                 longitude = b.min_lng + random() * (b.max_lng - b.min_lng),
                 latitude = b.min_lat + random() * (b.max_lat - b.min_lat)
               FROM projects_regionboundary b
               WHERE b.region_id = p.region_id AND p.latitude IS NULL"""
        )
        cursor.execute("ANALYZE")
    return city, period


def server_times(client, url: str, params: dict, runs: int = 10) -> tuple[float, bytes]:
    client.get(url, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), response.content


def browser_time(html: bytes, outlines: bytes, runs: int = 5) -> list[float]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    base = "http://127.0.0.1:9/"

    def handle(route):
        url = route.request.url
        if url.startswith(base + "static/"):
            path = ROOT / "static" / url[len(base + "static/") :].split("?")[0]
            kind = "application/javascript" if path.suffix == ".js" else "text/css"
            route.fulfill(status=200, body=path.read_bytes(), headers={"content-type": kind})
        elif url.startswith(base + "map/outlines/"):
            route.fulfill(status=200, body=outlines, headers={"content-type": "application/json"})
        elif url.startswith(base + "map/"):
            route.fulfill(status=200, body=html, headers={"content-type": "text/html"})
        else:
            route.fulfill(status=204, body=b"")

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for _ in range(runs + 1):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.route("**/*", handle)
            started = time.perf_counter()
            page.goto(base + "map/")
            page.wait_for_selector("#wallmap[data-ready=true]", timeout=30_000)
            times.append((time.perf_counter() - started) * 1000)
            points = page.get_attribute("#wallmap", "data-points")
            context.close()
        browser.close()
    print(f"  browser drew {points} points")
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=7000)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    # static URLs without the manifest of collectstatic (the files are served from static/)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    city, period = prepare(args.projects)
    located = Project.objects.filter(
        region__code__startswith=city.prefix, latitude__isnull=False
    ).count()
    client, who = city_client(city)
    print(f"{city.name} ({city.code}): {located:,} located projects, period {period}, as {who}")
    params = {"region": city.code, "period": str(period)}
    floor_ms, _body = server_times(client, "/healthz", {})
    page_ms, html = server_times(client, "/map/", params)
    outlines_url = "/map/outlines/"
    outlines_ms, outlines = server_times(client, outlines_url, {"region": city.code})
    api_ms, body = server_times(client, "/api/v1/map/", params)
    cap = settings.MAP_MAX_POINTS
    settings.MAP_MAX_POINTS = 0  # the floor: the same page without its points
    empty_ms, empty_html = server_times(client, "/map/", params)
    settings.MAP_MAX_POINTS = cap
    print(f"GET /healthz (floor)          median {floor_ms:.0f} ms")
    print(
        f"GET /map/ without points      median {empty_ms:.0f} ms, {len(empty_html) / 1024:.0f} KiB"
    )
    print(f"GET /map/                     median {page_ms:.0f} ms, {len(html) / 1024:.0f} KiB")
    print(
        f"GET /map/outlines/ (cached)   median {outlines_ms:.0f} ms, {len(outlines) / 1024:.0f} KiB"
    )
    print(f"GET /api/v1/map/              median {api_ms:.0f} ms, {len(body) / 1024:.0f} KiB")
    empty = browser_time(empty_html, outlines)
    print(f"browser, page without points: median {statistics.median(empty):.0f} ms {empty}")
    times = browser_time(html, outlines)
    print(f"browser (navigation → map drawn) median {statistics.median(times):.0f} ms {times}")
    print(f"load average {os.getloadavg()}")
    if args.drop:
        drop_database()


if __name__ == "__main__":
    main()
