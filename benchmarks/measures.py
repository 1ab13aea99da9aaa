"""Benchmark of the measures at province scale — run by hand, not collected by pytest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_measures_bench \\
        .venv/bin/python benchmarks/measures.py [--projects 100000] [--years 5] [--seed 1] [--drop]

1. Migrates the database and builds the dataset with `manage.py generate_dataset --projects N
   --years K --seed S` (in a child process, so its memory is not counted here), or reuses it
   when the database already holds N synthetic projects.
2. Times, in this process, for last month (the period the reports end on):
   - `recompute_period` for the whole province, three runs: the first writes the period anew
     (its rows are deleted first), the next two replace it; and the peak RSS of this process;
   - **the floor**: one hand-written SQL statement (`FLOOR_SQL`) computing the same district
     figures from the same tables — every figure of the summary, the colour counts by all
     five checks with the installation's thresholds — run three times; the script then checks
     that each district's figures equal `measures.summary` over the stored statuses (so the
     floor and the recompute really compute the same thing);
   - `GET /api/v1/summary/` (group_by=region and level) and `GET /api/v1/rankings/` (district
     and leader scopes) for a city of 10 districts with DEBUG off: server time through
     Django's test client (whole request/response cycle in process, no network), median of 10
     after a warm-up.
3. Prints every figure, the ratio of the recompute to the floor (medians), the machine and the
   date.

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
# Production settings (DEBUG off: no query log) but plain HTTP for the in-process test client.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from assessment.measures import FOUR_NEW_CATEGORY  # noqa: E402
from assessment.recompute import recompute_period  # noqa: E402
from core.periods import Period  # noqa: E402
from projects.choices import RegionLevel, Role, Stage  # noqa: E402
from projects.models import Project, Region, User  # noqa: E402
from supervision.choices import IssueStatus  # noqa: E402

TARGET_RECOMPUTE_S = 30
TARGET_RATIO = 2
TARGET_RSS_MB = 500
TARGET_ENDPOINT_MS = 100

FLOOR_SQL = """
WITH r AS (  -- completed_ytd and the last month reported since the reporting lookback
    SELECT project_id,
           SUM(CASE WHEN year = %(y)s THEN completed_investment ELSE 0 END) AS completed,
           MAX(year * 12 + month) AS last_index
    FROM projects_monthlyreport
    WHERE (year = %(y)s AND month <= %(m)s)
       OR (year = %(since_y)s AND year < %(y)s AND month >= %(since_m)s)
    GROUP BY project_id
), mp AS (
    SELECT py.project_id, SUM(CASE WHEN mp.month <= %(m)s THEN mp.amount ELSE 0 END) AS planned
    FROM projects_monthlyplan mp JOIN projects_projectyear py ON py.id = mp.project_year_id
    WHERE py.year = %(y)s GROUP BY py.project_id
), i AS (
    SELECT project_id, COUNT(*) AS issues,
           COUNT(*) FILTER (WHERE status = ANY(%(done)s)
                            AND (resolved_at IS NULL OR resolved_at < %(end_ts)s)) AS resolved,
           COUNT(*) FILTER (WHERE status = ANY(%(done)s)
                            AND (resolved_at IS NULL OR resolved_at < %(end_ts)s)
                            AND (deadline IS NULL OR (resolved_at IS NOT NULL
                                 AND (resolved_at AT TIME ZONE %(tz)s)::date <= deadline)))
               AS on_time
    FROM supervision_issue WHERE raised_at >= %(start_ts)s AND raised_at < %(end_ts)s
    GROUP BY project_id
), sc AS (
    SELECT project_id,
           bool_or(to_stage = 'construction' AND changed_on BETWEEN %(jan1)s AND %(as_of)s)
               AS moved_in,
           bool_or(to_stage = 'withdrawn' AND changed_on > %(as_of)s) AS withdrawn_later,
           (array_agg(to_stage ORDER BY changed_on DESC, recorded_at DESC, id DESC)
                FILTER (WHERE changed_on < %(jan1)s))[1] AS stage_before
    FROM projects_stagechange GROUP BY project_id
), ms AS (
    SELECT project_id, COUNT(*) AS overdue, MIN(due_date) AS since
    FROM projects_milestone
    WHERE due_date < %(as_of)s AND (done_on IS NULL OR done_on > %(as_of)s)
    GROUP BY project_id
), fn AS (
    SELECT DISTINCT pc.project_id FROM projects_project_categories pc
    JOIN projects_category c ON c.id = pc.category_id WHERE c.code = %(four_new)s
), p AS (
    SELECT p.region_id, py.id IS NOT NULL AS has_plan, py.annual_plan, py.original_plan,
           COALESCE(py.new_start, FALSE) AS new_start,
           COALESCE(py.planned_completion, FALSE) AS planned_finish,
           COALESCE(r.completed, 0) AS completed, mp.planned, r.last_index,
           p.planned_start, p.actual_start,
           COALESCE(p.actual_start <= %(as_of)s, p.stage = ANY(%(started)s)) AS started,
           COALESCE(p.actual_completion <= %(as_of)s, p.stage = ANY(%(finished)s))
               AS finished,
           p.in_statistics AND COALESCE(p.statistics_date <= %(as_of)s, TRUE) AS in_stat,
           fn.project_id IS NOT NULL AS four_new,
           COALESCE(i.issues, 0) AS issues, COALESCE(i.resolved, 0) AS resolved,
           COALESCE(i.on_time, 0) AS on_time,
           CASE WHEN sc.stage_before IS NOT NULL THEN sc.stage_before = ANY(%(planning)s)
                WHEN sc.project_id IS NULL THEN p.stage = ANY(%(planning)s)
                ELSE FALSE END AS pool,
           COALESCE(sc.moved_in, FALSE)
               OR COALESCE(p.actual_start BETWEEN %(jan1)s AND %(as_of)s, FALSE) AS moved_in,
           COALESCE(ms.overdue, 0) AS overdue, %(as_of)s::date - ms.since AS overdue_days
    FROM projects_project p
    LEFT JOIN projects_projectyear py ON py.project_id = p.id AND py.year = %(y)s
    LEFT JOIN r ON r.project_id = p.id
    LEFT JOIN mp ON mp.project_id = p.id
    LEFT JOIN i ON i.project_id = p.id
    LEFT JOIN sc ON sc.project_id = p.id
    LEFT JOIN ms ON ms.project_id = p.id
    LEFT JOIN fn ON fn.project_id = p.id
    WHERE NOT (p.stage = 'withdrawn' AND NOT COALESCE(sc.withdrawn_later, FALSE))
), q AS MATERIALIZED (  -- the period's portfolio; the numbers the colour checks compare
    SELECT *, started AND NOT finished AS building,
           (started AND NOT finished) OR (new_start AND NOT started) AS coloured,
           ROUND((CASE WHEN annual_plan > 0 THEN completed / annual_plan END
                  - CASE WHEN planned IS NOT NULL AND annual_plan > 0
                         THEN planned / annual_plan ELSE %(tp)s END) * 100, 4) AS gap,
           %(index)s - (EXTRACT(YEAR FROM planned_start) * 12
                        + EXTRACT(MONTH FROM planned_start)) AS months_late,
           %(index)s - (EXTRACT(YEAR FROM actual_start) * 12
                        + EXTRACT(MONTH FROM actual_start)) AS months_since_start,
           %(index)s - last_index AS silent_months
    FROM p WHERE has_plan OR (started AND NOT finished) OR pool
), v AS MATERIALIZED (  -- each check's verdict where it applies (NULL where it does not)
    SELECT *,
           CASE WHEN building AND annual_plan > 0 THEN
                CASE WHEN gap >= %(green)s THEN 'green' WHEN gap > -%(yellow)s THEN 'white'
                     WHEN gap >= -%(red)s THEN 'yellow' ELSE 'red' END END AS v_progress,
           CASE WHEN new_start AND NOT started AND planned_start IS NOT NULL THEN
                CASE WHEN months_late < 0 THEN 'ok' WHEN months_late >= %(start_red)s
                     THEN 'red' ELSE 'yellow' END END AS v_start,
           CASE WHEN building AND actual_start IS NOT NULL THEN
                CASE WHEN in_stat THEN 'ok' WHEN months_since_start >= %(stat_red)s THEN 'red'
                     WHEN months_since_start >= %(stat_yellow)s THEN 'yellow' ELSE 'ok' END
                END AS v_statistics,
           CASE WHEN overdue > 0 THEN
                CASE WHEN overdue_days > %(milestone_red)s THEN 'red' ELSE 'yellow' END
                END AS v_milestones,
           CASE WHEN building AND (actual_start IS NULL OR actual_start < %(window_start)s)
                THEN CASE WHEN silent_months IS NULL OR silent_months >= %(window)s
                          THEN 'red' ELSE 'ok' END END AS v_reporting
    FROM q
), c AS (  -- the colour: the worst verdict
    SELECT *,
           CASE WHEN NOT coloured THEN ''
                WHEN 'red' IN (v_progress, v_start, v_statistics, v_milestones, v_reporting)
                     THEN 'red'
                WHEN 'yellow' IN (v_progress, v_start, v_statistics, v_milestones, v_reporting)
                     THEN 'yellow'
                WHEN v_progress = 'green' THEN 'green' ELSE 'white' END AS colour
    FROM v
)
SELECT region_id, COUNT(*) AS projects,
       COALESCE(SUM(annual_plan), 0) AS annual_plan,
       COALESCE(SUM(original_plan), 0) AS original_plan,
       SUM(completed) AS completed_ytd,
       COALESCE(SUM(planned), 0) AS planned_ytd,
       COALESCE(SUM(annual_plan) FILTER (WHERE planned IS NULL), 0) AS plan_by_time,
       COUNT(*) FILTER (WHERE new_start) AS new_start_planned,
       COUNT(*) FILTER (WHERE new_start AND started) AS new_start_started,
       COUNT(*) FILTER (WHERE planned_finish) AS finish_planned,
       COUNT(*) FILTER (WHERE planned_finish AND finished) AS finished,
       COUNT(*) FILTER (WHERE building) AS under_construction,
       COUNT(*) FILTER (WHERE started) AS started,
       COUNT(*) FILTER (WHERE started AND in_stat) AS in_statistics,
       SUM(issues) AS issues, SUM(resolved) AS issues_resolved, SUM(on_time) AS issues_on_time,
       COALESCE(SUM(completed) FILTER (WHERE four_new), 0) AS four_new_completed,
       COUNT(*) FILTER (WHERE pool) AS pool_at_start,
       COUNT(*) FILTER (WHERE pool AND moved_in) AS converted,
       COUNT(*) FILTER (WHERE colour = 'green') AS green,
       COUNT(*) FILTER (WHERE colour = 'white') AS white,
       COUNT(*) FILTER (WHERE colour = 'yellow') AS yellow,
       COUNT(*) FILTER (WHERE colour = 'red') AS red
FROM c GROUP BY region_id ORDER BY region_id
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


def clear_period(period: Period) -> None:
    """Deletes the period's stored statuses (and vacuums them away), so the first recompute
    writes every row anew."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM projects_projectstatus WHERE year = %s AND month = %s",
            [period.year, period.month],
        )
        cursor.execute("VACUUM projects_projectstatus")


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


def floor_params(period: Period) -> dict:
    from django.conf import settings as django_settings

    from assessment.measures import _day_start
    from assessment.models import ColourRules
    from core.periods import month_start

    rules = ColourRules.current()
    as_of = period.as_of()
    since = period.lookback_start(rules.reporting_red_months)
    return {
        "y": period.year,
        "m": period.month,
        "index": period.index,
        "since_y": since.year,
        "since_m": since.month,
        "tp": period.time_progress,
        "as_of": as_of,
        "jan1": period.year_start,
        "start_ts": _day_start(period.year_start),
        "end_ts": _day_start(as_of + dt.timedelta(days=1)),
        "tz": django_settings.TIME_ZONE,
        "done": list(IssueStatus.done()),
        "started": list(Stage.started()),
        "finished": [Stage.COMPLETED, Stage.OPERATING],
        "planning": list(Stage.planning()),
        "four_new": FOUR_NEW_CATEGORY,
        "green": rules.green_min_points,
        "yellow": rules.yellow_max_points,
        "red": rules.red_over_points,
        "start_red": rules.start_red_months,
        "stat_red": rules.statistics_red_months,
        "stat_yellow": rules.statistics_yellow_months,
        "milestone_red": rules.milestone_red_days,
        "window": rules.reporting_red_months,
        "window_start": month_start(period.index - rules.reporting_red_months + 1),
    }


def floor(period: Period) -> tuple[float, list[dict]]:
    """Runs FLOOR_SQL once: seconds, and a row of sums and counts per district."""
    params = floor_params(period)
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")  # as recompute_period does
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, params)
        rows = cursor.fetchall()
        seconds = time.perf_counter() - started
        names = [column.name for column in cursor.description]
        cursor.execute("RESET work_mem")
    return seconds, [dict(zip(names, row, strict=True)) for row in rows]


def check_floor(period: Period, floor_rows: list[dict]) -> int:
    """The floor must compute the very figures the summary shows: every district's sums and
    counts (and so every rate) equal `measures.summary` over the stored statuses. Raises
    AssertionError naming the first difference; returns the number of districts compared."""
    from assessment import measures

    summary = {}
    for city in Region.objects.filter(level=RegionLevel.CITY, code__startswith="99"):
        for row in measures.summary(
            projects_qs=None,
            year=period.year,
            month=period.month,
            group_by="region",
            parent=city,
        ):
            summary[row["key"]] = row
    compared = 0
    for row in floor_rows:
        got = summary[row["region_id"]]
        for name, value in row.items():
            if name in ("region_id", "planned_ytd", "plan_by_time"):
                continue
            assert got[name] == value, (row["region_id"], name, got[name], value)
        plan = row["annual_plan"]
        expected = row["planned_ytd"] + row["plan_by_time"] * period.time_progress
        time_progress = expected / plan if plan else period.time_progress
        assert round(got["time_progress"], 10) == round(time_progress, 10), row["region_id"]
        compared += 1
    assert compared == len([r for r in summary.values() if r["projects"]]), "district count"
    return compared


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

    clear_period(period)  # run 1 writes the period for the first time, runs 2–3 replace it
    runs = []
    for run in (1, 2, 3):
        seconds, result = timed(recompute_period, year=period.year, month=period.month)
        runs.append(seconds)
        kind = "first write" if run == 1 else "replace"
        print(f"recompute {period}, run {run} ({kind}): {seconds:.2f} s — {result}")
    previous = period.previous()
    seconds, result = timed(recompute_period, year=previous.year, month=previous.month)
    print(f"recompute {previous} (for movement): {seconds:.2f} s — {result}")
    rss_recompute = rss_mb()

    floor_times = []
    for _ in range(3):
        seconds, floor_rows = floor(period)
        floor_times.append(seconds)
    best_floor, median_floor = min(floor_times), statistics.median(floor_times)
    districts = check_floor(period, floor_rows)
    print(
        f"floor (one hand-written SQL, {districts} districts, every figure equal to the "
        f"summary's): best {best_floor:.2f} s, median {median_floor:.2f} s"
    )
    median_recompute = statistics.median(runs)
    ratio = median_recompute / median_floor
    print(
        f"recompute / floor: {ratio:.2f}× (medians); {min(runs) / best_floor:.2f}× (best of "
        f"each); {max(runs) / median_floor:.2f}× (slowest run / median floor)"
    )

    city = (
        Region.objects.filter(level=RegionLevel.CITY, code__startswith="99")
        .order_by("code")
        .first()
    )
    assert city is not None, "no synthetic city (99…): run generate_dataset first"
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
        f"recompute {period}: {runs[0]:.2f} s (first write), {runs[1]:.2f} / {runs[2]:.2f} s "
        f"(replace); median {median_recompute:.2f} s — target < {TARGET_RECOMPUTE_S} s: "
        f"{verdict(max(runs) < TARGET_RECOMPUTE_S)}"
    )
    print(
        f"floor: median {median_floor:.2f} s; ratio {ratio:.2f}× (medians) — target ≤ "
        f"{TARGET_RATIO}×: {verdict(ratio <= TARGET_RATIO)}"
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
