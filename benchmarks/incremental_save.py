"""Benchmark of a report save's fresh colour (issue #15, item 2) — run by hand, not by pytest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ra_bench \\
        .venv/bin/python benchmarks/incremental_save.py [--runs 5]

On a migrated copy of a `generate_dataset` database: makes sure last month is computed (a whole
run), then times, medians of --runs:
- the whole-period recompute of last month (`recompute_period`, what a save cost before);
- a report save on the embedded default (eager Celery): `services.report_create` of one project
  for last month plus its commit hooks, i.e. the incremental recompute of that project's
  statuses, until the colour is stored;
- the same for a correction of an earlier month of the year (every later computed month is
  recomputed for that project);
and checks that the stored status equals the whole run's. Prints machine, date, load average.

With `--worker` (needs Redis: `CELERY_BROKER_URL=redis://127.0.0.1:6379/0` in the environment) the
saves go through the broker as in a deployment with a worker: the script starts a Celery worker
(`--pool=solo`) against the same database, saves a report, and times from the save's commit
until the project's status of the month carries the new figures (polled every 10 ms) — "a saved
report's colour current with a worker" (target < 2 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

import django

django.setup()

from celery import current_app  # noqa: E402
from django.db import transaction  # noqa: E402

from assessment import recompute  # noqa: E402
from assessment.models import ProjectStatus  # noqa: E402
from core.periods import Period  # noqa: E402
from projects import services  # noqa: E402
from projects.choices import Stage  # noqa: E402
from projects.models import MonthlyReport, Project  # noqa: E402

FIELDS = ("colour", "completed_ytd", "investment_rate", "gap_points")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help="through Redis and a real worker")
    args = parser.parse_args()
    if args.worker:
        with_worker(args.runs)
        return
    current_app.conf.task_always_eager = True
    latest = Period.latest_complete()
    periods = recompute.computed_periods(latest.year)
    if latest not in periods:
        recompute.run(latest)
    earlier = Period(latest.year, max(1, latest.month - 5))
    if earlier != latest and earlier not in recompute.computed_periods(latest.year):
        recompute.run(earlier)
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"load average: {os.getloadavg()}"
    )
    print(
        f"projects: {Project.objects.count()}; period {latest}; computed months of the year: "
        f"{len(recompute.computed_periods(latest.year))}"
    )
    whole = [timed(lambda: recompute.run(latest)) for _ in range(max(1, args.runs // 2))]
    print(f"whole-period recompute of {latest}: median {statistics.median(whole):.0f} ms")
    taken = MonthlyReport.objects.filter(year=latest.year, month__gte=earlier.month).values(
        "project_id"
    )
    candidates = list(
        ProjectStatus.objects.filter(year=latest.year, month=latest.month)
        .exclude(project_id__in=taken)
        .exclude(project__stage=Stage.WITHDRAWN)
        .values_list("project_id", flat=True)[: args.runs * 2]
    )
    saves: list[float] = []
    corrections: list[float] = []
    for i, pk in enumerate(candidates):
        project = Project.objects.get(pk=pk)
        month = latest.month if i % 2 == 0 else earlier.month

        def save(project=project, month=month):
            with transaction.atomic():
                services.report_create(
                    project=project,
                    year=latest.year,
                    month=month,
                    completed_investment=Decimal("123.4"),
                )

        (saves if month == latest.month else corrections).append(timed(save))
    print(
        f"report save of {latest}, colour stored (eager, incremental): median "
        f"{statistics.median(saves):.0f} ms, runs {[round(t) for t in saves]}"
    )
    if earlier != latest:
        n = len(recompute.computed_periods(latest.year)) - recompute.computed_periods(
            latest.year
        ).index(earlier)
        print(
            f"correction of {earlier} ({n} computed months recomputed for the project): "
            f"median {statistics.median(corrections):.0f} ms, runs "
            f"{[round(t) for t in corrections]}"
        )
    incremental = {
        s.project_id: tuple(getattr(s, f) for f in FIELDS)
        for s in ProjectStatus.objects.filter(
            year=latest.year, month=latest.month, project_id__in=candidates
        )
    }
    recompute.run(latest)
    for period in recompute.computed_periods(latest.year):
        if period >= earlier and period != latest:
            recompute.run(period)
    whole_rows = {
        s.project_id: tuple(getattr(s, f) for f in FIELDS)
        for s in ProjectStatus.objects.filter(
            year=latest.year, month=latest.month, project_id__in=candidates
        )
    }
    print("incremental statuses equal the whole run's:", incremental == whole_rows)


def with_worker(runs: int) -> None:
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        sys.exit("--worker needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    current_app.conf.task_always_eager = False
    latest = Period.latest_complete()
    if latest not in recompute.computed_periods(latest.year):
        recompute.run(latest)
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "portfolio", "worker", "--pool=solo"),
            *("--without-gossip", "--without-mingle", "--loglevel=WARNING"),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    try:
        print(
            f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average: "
            f"{os.getloadavg()}; projects: {Project.objects.count()}; period {latest}"
        )
        taken = MonthlyReport.objects.filter(year=latest.year, month=latest.month).values(
            "project_id"
        )
        candidates = list(
            ProjectStatus.objects.filter(year=latest.year, month=latest.month)
            .exclude(project_id__in=taken)
            .exclude(project__stage=Stage.WITHDRAWN)
            .values_list("project_id", flat=True)[: runs + 1]
        )
        times: list[float] = []
        for i, pk in enumerate(candidates):
            project = Project.objects.get(pk=pk)
            before = ProjectStatus.objects.get(
                project_id=pk, year=latest.year, month=latest.month
            ).completed_ytd
            with transaction.atomic():
                services.report_create(
                    project=project,
                    year=latest.year,
                    month=latest.month,
                    completed_investment=Decimal("123.4"),
                )
            committed = time.perf_counter()
            deadline = committed + (120 if i == 0 else 30)  # the first one waits for the boot
            while time.perf_counter() < deadline:
                now = ProjectStatus.objects.get(
                    project_id=pk, year=latest.year, month=latest.month
                ).completed_ytd
                if now != before:
                    break
                time.sleep(0.01)
            else:
                sys.exit(f"the worker did not update project {pk} in time")
            if i:  # the first save also waited for the worker to boot
                times.append((time.perf_counter() - committed) * 1000)
        print(
            f"report save of {latest}, colour current through the worker: median "
            f"{statistics.median(times):.0f} ms, runs {[round(t) for t in times]}"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
