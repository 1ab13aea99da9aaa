"""A period replaced again and again (issue #15, item 5: "no growth after twenty replaces"):
whole recomputes of one period, `--replaces` times, printing after each the time of the run and
the on-disk size and dead rows of the tables a run rewrites (statuses, forecasts, per-district
sums) — first as the product runs (`RECOMPUTE_VACUUM` on: `VACUUM (ANALYZE)` after each run,
`assessment.recompute.runs.reclaim_replaced`), then, for comparison, with that off and the
tables' autovacuum switched off for the duration (the worst case the issue measured: 1 M dead
rows after ten replaces). The tables' autovacuum setting is restored at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_scale_bench \
        python benchmarks/replaces.py [--period 2026-11] [--replaces 20] [--only vacuum]

Run on a generated dataset (`generate_dataset --projects 100000 --years 5`): it rewrites the
period's statuses (never on a database of record).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from assessment.recompute import recompute_period  # noqa: E402
from assessment.recompute.runs import REWRITTEN, reclaim_replaced  # noqa: E402
from core.periods import Period  # noqa: E402

TABLES = [model._meta.db_table for model in REWRITTEN]


def sizes() -> dict[str, tuple[int, int]]:
    """Each table's total size (heap and indexes, bytes) and its dead rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, pg_total_relation_size(relid), n_dead_tup "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [TABLES],
        )
        return {name: (size, dead) for name, size, dead in cursor.fetchall()}


def autovacuum(enabled: bool) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"ALTER TABLE {connection.ops.quote_name(table)} "
                f"SET (autovacuum_enabled = {'true' if enabled else 'false'})"
            )


def series(period: Period, replaces: int, *, vacuum: bool) -> list[tuple[float, int]]:
    settings.RECOMPUTE_VACUUM = vacuum
    if not vacuum:
        autovacuum(False)
    rows = []
    vacuum_times: list[float] = []
    try:
        for n in range(1, replaces + 1):
            settings.RECOMPUTE_VACUUM = False
            started = time.perf_counter()
            recompute_period(year=period.year, month=period.month)
            seconds = time.perf_counter() - started
            settings.RECOMPUTE_VACUUM = vacuum
            started = time.perf_counter()
            vacuumed = reclaim_replaced()  # what recompute_period does next (timed apart)
            vacuum_seconds = time.perf_counter() - started
            now = sizes()
            total = sum(size for size, _ in now.values())
            dead = sum(dead for _, dead in now.values())
            status = now[TABLES[0]]
            rows.append((seconds, total))
            vacuum_times.append(vacuum_seconds if vacuumed else 0.0)
            print(
                f"  replace {n:2d}: {seconds:5.2f} s"
                + (f" + VACUUM {vacuum_seconds:4.2f} s" if vacuumed else "")
                + f"; the three tables {total / 2**20:7.1f} MB "
                f"(statuses {status[0] / 2**20:.1f} MB), dead rows {dead:,}",
                flush=True,
            )
    finally:
        autovacuum(True)
    if vacuum:
        print(f"  VACUUM (ANALYZE) median {statistics.median(vacuum_times):.2f} s")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default=str(Period.latest_complete()))
    parser.add_argument("--replaces", type=int, default=20)
    parser.add_argument("--only", choices=["vacuum", "novacuum"])
    args = parser.parse_args()
    period = Period.parse(args.period)
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (DATABASE_URL=postgres://…)")
    print(f"period {period}; load before {os.getloadavg()}")
    recompute_period(year=period.year, month=period.month)  # the period exists, vacuumed
    modes = [m for m in ("vacuum", "novacuum") if args.only in (None, m)]
    for mode in modes:
        print(
            "as the product runs (VACUUM (ANALYZE) after each whole run):"
            if mode == "vacuum"
            else "without it, and with the tables' autovacuum off:"
        )
        rows = series(period, args.replaces, vacuum=mode == "vacuum")
        first, last = rows[0][1], rows[-1][1]
        print(
            f"  → median run {statistics.median(s for s, _ in rows):.2f} s; size after replace 1 "
            f"{first / 2**20:.1f} MB, after {len(rows)} {last / 2**20:.1f} MB "
            f"({(last - first) / first * 100:+.1f} %)"
        )
        if mode == "novacuum":  # leave the tables as the product keeps them
            settings.RECOMPUTE_VACUUM = True
            recompute_period(year=period.year, month=period.month)
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
