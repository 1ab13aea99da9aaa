"""Server time and HTML size of the province-scale pages (issue #15, item 1), for a province, a
city and a district official, against a minimal Django view measured in the same run (the
floor: what the framework, the session and the test client cost by themselves).

Run on a copy of a generated dataset whose latest period is computed (the recompute writes the
statuses and the per-district sums the overview reads):

    createdb -h 127.0.0.1 -U postgres -T bench_100k rp_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rp_bench python manage.py migrate
    DATABASE_URL=… python manage.py recompute --period 2026-11
    DATABASE_URL=… python benchmarks/pages.py [--runs 5]

Django's test client in this process, DEBUG off; each figure is the median of `--runs` timed
requests after one untimed warm-up request. Prints the machine, date and load average, and a
Markdown table for docs/benchmarks.md. Creates three officials (bench_province, bench_city,
bench_district) in the database it runs on if they are missing: never run it on a database of
record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_ROOT", "/tmp/benchmark-pages-static")  # collected below
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402
import django.db.models  # noqa: E402

django.setup()

from core.db import enable_web_timeouts  # noqa: E402

# the web process's connection settings (portfolio/wsgi.py): its timeouts and no JIT
enable_web_timeouts()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from assessment.selectors import latest_computed_period  # noqa: E402
from projects.choices import RegionLevel, Role  # noqa: E402
from projects.models import Project, Region, User  # noqa: E402

TARGET_MS = 300
TARGET_BYTES = 1_000_000


def floor_view(request):
    """The floor: a logged-in request answered by a minimal view (no query of its own)."""
    return HttpResponse(f"<p>{request.user.pk}</p>")


urlpatterns = [path("floor/", floor_view)]


def pages(period: str) -> list[tuple[str, str, dict]]:
    return [
        ("overview", "/", {"period": period}),
        ("project list, first page", "/projects/", {"period": period}),
        (
            "project list, sorted by rate",
            "/projects/",
            {"period": period, "ordering": "-investment_rate"},
        ),
        ("project list, ?page=1000", "/projects/", {"period": period, "page": "1000"}),
        ("project list, keyset page 1001", "/projects/", {"period": period, "after": "DEEP"}),
        ("issues board", "/issues/", {}),
        ("meeting screen", "/screen/", {"period": period}),
        (
            "meeting screen, a slide's rows",
            "/screen/rows/",
            {"period": period, "deck": "attention", "offset": "24", "limit": "12"},
        ),
    ]


def official(level: str) -> User:
    """An official of the first region of `level` (the district with most projects)."""
    if level == RegionLevel.COUNTY:
        code = (
            Project.objects.order_by()
            .values_list("region_id", flat=True)
            .annotate(n=django.db.models.Count("pk"))
            .order_by("-n")
            .first()
        )
        region = Region.objects.get(code=code)
    else:
        region = Region.objects.filter(level=level).order_by("code")[0]
    user, _ = User.objects.get_or_create(
        username=f"bench_{level}", defaults={"region": region, "role": Role.ADMIN}
    )
    return user


def deep_cursor(client: Client, url: str, params: dict) -> dict:
    """`after=DEEP`: the cursor of page 1000's last row — what 下一页 on page 1000 carries."""
    if params.get("after") != "DEEP":
        return params
    html = client.get(url, {**params, "after": "", "page": "1000"}).content.decode()
    found = re.search(r'href="\?([^"]*)" rel="next"', html)
    if not found:
        return {**params, "after": ""}
    return dict(parse_qsl(unescape(found.group(1))))


def timed(client: Client, url: str, params: dict, runs: int) -> tuple[float, int, int]:
    params = deep_cursor(client, url, params)
    response = client.get(url, params)  # warm-up (and the status shown)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
    return statistics.median(times), size, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", default="province,city,county")
    parser.add_argument("--only", default="", help="measure only the pages whose name has this")
    args = parser.parse_args()
    call_command("collectstatic", "--no-input", verbosity=0)  # the manifest DEBUG off needs
    period = latest_computed_period()
    if period is None:
        sys.exit("no computed period: run `manage.py recompute --period YYYY-MM` first")
    projects = Project.objects.count()
    print(f"# pages at {projects:,} projects, period {period}", flush=True)
    print(f"date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()}")
    print(
        f"machine {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rows = []
    for level in args.users.split(","):
        user = official(level)
        client = Client()
        client.force_login(user)
        with override_settings(ROOT_URLCONF=__name__):
            floor, _size, _status = timed(client, "/floor/", {}, args.runs)
        rows.append((level, "floor (minimal view)", floor, 0, 200))
        for name, url, params in pages(str(period)):
            if args.only not in name:
                continue
            ms, size, status = timed(client, url, params, args.runs)
            rows.append((level, name, ms, size, status))
            print(f"{level:9} {name:32} {ms:8.0f} ms {size / 1000:9.0f} kB  {status}", flush=True)
    print(f"load average at the end {os.getloadavg()}")
    print("\n| user | page | median ms | HTML kB | status | target |")
    print("|---|---|---|---|---|---|")
    for level, name, ms, size, status in rows:
        ok = (
            ""
            if name.startswith("floor")
            else ("ok" if ms < TARGET_MS and size < TARGET_BYTES else "**over**")
        )
        print(f"| {level} | {name} | {ms:,.0f} | {size / 1000:,.0f} | {status} | {ok} |")


if __name__ == "__main__":
    main()
