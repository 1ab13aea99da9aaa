"""The background export of the full project list (imports.exporting) at scale: the time and the
peak memory of writing the whole province's list, against a floor of writing the same number of
plain rows with openpyxl's write-only mode (no query, no styles) in the same run.

    createdb -h 127.0.0.1 -U postgres wt_exports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_exports_bench \
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_exports_bench \
        .venv/bin/python manage.py generate_dataset --projects 100000 --years 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_exports_bench \
        .venv/bin/python manage.py recompute --period 2026-11
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_exports_bench \
        .venv/bin/python benchmarks/export.py --limits 10000 100000

The recompute fills the status columns (colour, rates, the reason worded from the status row);
without a computed period they are empty and the status join is not measured.

Each size runs in a fresh process (peak RSS is per process), as a superuser, through the job's
own code path (`export_job_run`, Celery eager).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(limit: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
    import django

    django.setup()
    from django.conf import settings

    from imports import exporting
    from imports.models import ExportJob
    from projects.models import Project, User

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="wt_exports_bench_")
    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench_export", password=None
    )
    if limit < Project.objects.count():
        # a region-free way to cut the list: the first `limit` codes
        last = Project.objects.order_by("code").values_list("code", flat=True)[limit - 1]
        cut = last
    else:
        cut = None
    original = exporting.project_filterset

    def limited(u, d):
        filterset = original(u, d)
        if cut is not None:
            filterset.queryset = filterset.queryset.filter(code__lte=cut)
        return filterset

    exporting.project_filterset = limited
    job = ExportJob.objects.create(user=user, kind="projects", query={})
    start = time.perf_counter()
    exporting.export_job_run(job_id=job.pk)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    assert job.state == "done", job.message
    size = job.file.size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("floor")
    floor_start = time.perf_counter()
    for n in range(job.rows_done):
        sheet.append([f"SYN-{n}", "项目名称", "区域", 1.0, 2.0, 3.0, 0.5, 0.5] + ["x"] * 13)
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
    floor = time.perf_counter() - floor_start
    return {
        "rows": job.rows_done,
        "seconds": round(seconds, 2),
        "floor_seconds": round(floor, 2),
        "ratio": round(seconds / floor, 2) if floor else None,
        "peak_rss_mb": round(peak, 1),
        "file_mb": round(size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limits", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--one", type=int)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    print(f"load average {os.getloadavg()}")
    for limit in args.limits:
        out = (
            subprocess.run(
                [sys.executable, __file__, "--one", str(limit)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(json.dumps({"limit": limit, **json.loads(out)}))
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
