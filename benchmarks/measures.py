"""Benchmark of the measures at province scale — run by hand, not collected by pytest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_measures_bench \\
        .venv/bin/python benchmarks/measures.py [--projects 100000] [--years 5] [--seed 1] [--drop]

1. Migrates the database and builds the dataset with `manage.py generate_dataset --projects N
   --years K --seed S` (in a child process, so its memory is not counted here), or reuses it
   when the database already holds N synthetic projects.
2. Times, in this process, for last month (the period the reports end on):
   - `recompute_period` for the whole province (two runs: the first writes the period, the
     second replaces it), and the peak RSS of this process;
   - **the floor**: one hand-written SQL statement computing the same district figures from
     the same tables (plans, reports, monthly plans, issues, stage history, 四新 tags; colour
     counts by the progress rule), run three times, best and median;
   - `GET /api/v1/summary/` (group_by=region and level) and `GET /api/v1/rankings/` (district
     and leader scopes) for a city of 10 districts: server time through Django's test client
     (whole request/response cycle in process, no network), median of 10 after a warm-up.
3. Prints every figure, the ratio of the recompute to the floor, the machine and the date.

Targets (issue #3): recompute < 30 s and ≤ 2× the floor, peak RSS < 500 MB; summary and
rankings < 100 ms. `--drop` drops the database at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from projects.choices import RegionLevel, Role, Stage  # noqa: E402
from projects.measures import FOUR_NEW_CATEGORY, Period  # noqa: E402
from projects.models import Project, Region, User  # noqa: E402
from projects.recompute import recompute_period  # noqa: E402
from supervision.models import IssueStatus  # noqa: E402

TARGET_RECOMPUTE_S = 30
TARGET_RATIO = 2
TARGET_RSS_MB = 500
TARGET_ENDPOINT_MS = 100

FLOOR_SQL = """
WITH r AS (
    SELECT project_id, SUM(completed_investment) AS completed
    FROM projects_monthlyreport WHERE year = %(y)s AND month <= %(m)s GROUP BY project_id
), mp AS (
    SELECT py.project_id, SUM(CASE WHEN mp.month <= %(m)s THEN mp.amount ELSE 0 END) AS planned
    FROM projects_monthlyplan mp JOIN projects_projectyear py ON py.id = mp.project_year_id
    WHERE py.year = %(y)s GROUP BY py.project_id
), i AS (
    SELECT project_id, COUNT(*) AS issues,
           COUNT(*) FILTER (WHERE status = ANY(%(done)s) AND (resolved_at IS NULL
                                                             OR resolved_at < %(end_ts)s))
               AS resolved
    FROM supervision_issue WHERE raised_at >= %(start_ts)s AND raised_at < %(end_ts)s
    GROUP BY project_id
), sc AS (
    SELECT project_id,
           MAX(CASE WHEN to_stage = 'withdrawn' AND changed_on > %(as_of)s THEN 1 ELSE 0 END)
               AS withdrawn_later
    FROM projects_stagechange GROUP BY project_id
), fn AS (
    SELECT pc.project_id FROM projects_project_categories pc
    JOIN projects_category c ON c.id = pc.category_id WHERE c.code = %(four_new)s
), p AS (
    SELECT p.region_id, py.annual_plan, py.original_plan, py.new_start,
           py.planned_completion, COALESCE(r.completed, 0) AS completed, mp.planned,
           COALESCE(p.actual_start <= %(as_of)s, p.stage = ANY(%(started)s)) AS started,
           COALESCE(p.actual_completion <= %(as_of)s, p.stage = ANY(%(finished)s))
               AS finished,
           p.in_statistics AND COALESCE(p.statistics_date <= %(as_of)s, TRUE) AS in_stat,
           fn.project_id IS NOT NULL AS four_new,
           COALESCE(i.issues, 0) AS issues, COALESCE(i.resolved, 0) AS resolved
    FROM projects_project p
    LEFT JOIN projects_projectyear py ON py.project_id = p.id AND py.year = %(y)s
    LEFT JOIN r ON r.project_id = p.id
    LEFT JOIN mp ON mp.project_id = p.id
    LEFT JOIN i ON i.project_id = p.id
    LEFT JOIN sc ON sc.project_id = p.id
    LEFT JOIN fn ON fn.project_id = p.id
    WHERE NOT (p.stage = 'withdrawn' AND COALESCE(sc.withdrawn_later, 0) = 0)
), q AS (
    SELECT *, started AND NOT finished AS building,
           CASE WHEN annual_plan > 0 THEN (completed / annual_plan
                - COALESCE(planned / annual_plan, %(tp)s)) * 100 END AS gap
    FROM p
)
SELECT region_id, COUNT(*) AS projects,
       SUM(annual_plan) AS annual_plan, SUM(original_plan) AS original_plan,
       SUM(completed) AS completed_ytd, SUM(completed) / NULLIF(SUM(annual_plan), 0) AS rate,
       COUNT(*) FILTER (WHERE new_start) AS new_start_planned,
       COUNT(*) FILTER (WHERE new_start AND started) AS new_start_started,
       COUNT(*) FILTER (WHERE planned_completion) AS finish_planned,
       COUNT(*) FILTER (WHERE planned_completion AND finished) AS finished,
       COUNT(*) FILTER (WHERE started) AS started,
       COUNT(*) FILTER (WHERE started AND in_stat) AS in_statistics,
       SUM(issues) AS issues, SUM(resolved) AS issues_resolved,
       SUM(completed) FILTER (WHERE four_new) AS four_new_completed,
       COUNT(*) FILTER (WHERE building AND gap >= 10) AS green,
       COUNT(*) FILTER (WHERE building AND (gap IS NULL OR (gap > -10 AND gap < 10))) AS white,
       COUNT(*) FILTER (WHERE building AND gap <= -10 AND gap >= -30) AS yellow,
       COUNT(*) FILTER (WHERE building AND gap < -30) AS red
FROM q GROUP BY region_id ORDER BY region_id
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg,
    }


def ensure_dataset(projects: int, years: int, seed: int) -> None:
    call_command("migrate", verbosity=0)
    have = Project.objects.filter(code__startswith="SYN-").count()
    if have == projects:
        print(f"reusing the dataset: {have:,} synthetic projects")
        return
    print(f"generating the dataset: {projects:,} projects, {years} years, seed {seed} …")
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "generate_dataset",
            f"--projects={projects}",
            f"--years={years}",
            f"--seed={seed}",
            "--flush",
        ],
        check=True,
        env=os.environ,
    )
    print(f"  generated in {time.monotonic() - started:.0f} s")
    connection.close()


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def table_sizes() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [
                [
                    "projects_project",
                    "projects_monthlyreport",
                    "supervision_issue",
                    "projects_projectstatus",
                ]
            ],
        )
        return dict(cursor.fetchall())


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def floor(period: Period) -> tuple[float, int]:
    as_of = period.as_of()
    from projects.measures import _day_start

    params = {
        "y": period.year,
        "m": period.month,
        "tp": period.time_progress,
        "as_of": as_of,
        "start_ts": _day_start(period.year_start),
        "end_ts": _day_start(as_of + dt.timedelta(days=1)),
        "done": list(IssueStatus.done()),
        "started": list(Stage.started()),
        "finished": [Stage.COMPLETED, Stage.OPERATING],
        "four_new": FOUR_NEW_CATEGORY,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")  # as recompute_period does
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, params)
        rows = cursor.fetchall()
        seconds = time.perf_counter() - started
        cursor.execute("RESET work_mem")
    return seconds, len(rows)


def endpoint_ms(client: Client, url: str, params: dict, runs: int = 10) -> tuple[float, int]:
    response = client.get(url, params)  # warm-up (and a check)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(response.json()["rows"])


def city_client(city: Region) -> tuple[Client, str]:
    user, _created = User.objects.get_or_create(
        username="bench-city", defaults={"role": Role.ADMIN, "region": city}
    )
    if user.region_id != city.code:
        user.region = city
        user.save()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    probe = client.get("/api/v1/summary/", {"region": city.code})
    if probe.status_code == 200:
        return client, f"city official of {city.name}"
    print(f"  note: the city official got {probe.status_code}; timing as a superuser instead")
    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client.force_login(admin)
    return client, "superuser"


def drop_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    connection.close()
    import psycopg

    params = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE "{name}"')
    print(f"dropped database {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("benchmarks/measures.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    settings.CELERY_TASK_ALWAYS_EAGER = True

    ensure_dataset(args.projects, args.years, args.seed)
    analyze()
    period = Period.latest_complete()
    sizes = table_sizes()
    print(f"period {period}; rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    rss_before = rss_mb()

    results = {}
    for run in (1, 2):
        seconds, result = timed(recompute_period, year=period.year, month=period.month)
        results[f"recompute_{run}"] = seconds
        print(f"recompute {period}, run {run}: {seconds:.2f} s — {result}")
    previous = period.previous()
    seconds, result = timed(recompute_period, year=previous.year, month=previous.month)
    print(f"recompute {previous} (for movement): {seconds:.2f} s — {result}")
    rss_recompute = rss_mb()

    floor_times = []
    for _ in range(3):
        seconds, districts = floor(period)
        floor_times.append(seconds)
    best_floor, median_floor = min(floor_times), statistics.median(floor_times)
    print(
        f"floor (one hand-written SQL, {districts} districts): best {best_floor:.2f} s, "
        f"median {median_floor:.2f} s"
    )
    recompute_best = min(results.values())
    ratio = recompute_best / best_floor
    print(f"recompute / floor: {ratio:.2f}× (best of each)")

    city = (
        Region.objects.filter(level=RegionLevel.CITY, code__startswith="99")
        .order_by("code")
        .first()
    )
    client, who = city_client(city)
    districts = city.children.count()
    print(f"endpoints for {city.name} ({city.code}, {districts} districts) as {who}:")
    endpoints = {}
    for label, url, params in (
        ("summary by region", "/api/v1/summary/", {"group_by": "region"}),
        ("summary by level", "/api/v1/summary/", {"group_by": "level"}),
        ("rankings by district", "/api/v1/rankings/", {"scope": "district"}),
        ("rankings by leader", "/api/v1/rankings/", {"scope": "leader"}),
    ):
        key = "region" if "summary" in url else "parent"
        ms, rows = endpoint_ms(client, url, {**params, key: city.code, "period": str(period)})
        endpoints[label] = ms
        print(f"  {label}: {ms:.1f} ms median ({rows} rows)")
    peak = rss_mb()

    print()
    print("=== results ===")
    info = machine()
    print(
        f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory_gb']} GB RAM; "
        f"PostgreSQL {info['postgresql']}; Python {info['python']}; {info['date']}"
    )
    print(
        f"dataset: {sizes.get('projects_project', 0):,} projects, "
        f"{sizes.get('projects_monthlyreport', 0):,} monthly reports, "
        f"{sizes.get('supervision_issue', 0):,} issues"
    )
    verdict = lambda ok: "OK" if ok else "MISSED"  # noqa: E731
    print(
        f"recompute {period}: {results['recompute_1']:.2f} s (first), "
        f"{results['recompute_2']:.2f} s (again) — target < {TARGET_RECOMPUTE_S} s: "
        f"{verdict(recompute_best < TARGET_RECOMPUTE_S)}"
    )
    print(
        f"floor: {best_floor:.2f} s; ratio {ratio:.2f}× — target ≤ {TARGET_RATIO}×: "
        f"{verdict(ratio <= TARGET_RATIO)}"
    )
    print(
        f"peak RSS: {peak:.0f} MB (before recompute {rss_before:.0f} MB, after "
        f"{rss_recompute:.0f} MB) — target < {TARGET_RSS_MB} MB: {verdict(peak < TARGET_RSS_MB)}"
    )
    for label, ms in endpoints.items():
        print(
            f"{label}: {ms:.1f} ms — target < {TARGET_ENDPOINT_MS} ms: "
            f"{verdict(ms < TARGET_ENDPOINT_MS)}"
        )
    if args.drop:
        drop_database()


if __name__ == "__main__":
    main()
