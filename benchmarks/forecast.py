"""The year-end forecast's share of a whole recompute (issue #17): whole recomputes of a period
with and without the forecast, interleaved (3 each, medians), the year's first run (which learns
the twelve months' seasonal shares), the learning alone (one month, as every run did before the
shares were kept; the twelve months at once) and the forecast's write alone (rolled back).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_scale_bench \
        python benchmarks/forecast.py [--period 2026-06]

Run on a generated dataset (`generate_dataset --projects 100000 --years 5`): it rewrites the
period's statuses and forecasts and drops the kept shares (never on a database of record).
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

from django.db import transaction  # noqa: E402

from assessment import forecast  # noqa: E402
from assessment.models import ForecastShare  # noqa: E402
from assessment.recompute import recompute_period  # noqa: E402
from core.periods import Period  # noqa: E402


class Rollback(Exception):
    pass


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2026-06")
    period = Period.parse(parser.parse_args().period)
    y, m = period.year, period.month

    def whole() -> None:
        recompute_period(year=y, month=m)

    print("load before", os.getloadavg())
    real = forecast.write
    ForecastShare.objects.all().delete()
    print(f"the year's first run (learns the twelve months' shares): {timed(whole):.2f} s")
    with_forecast, without = [], []
    for _ in range(3):
        with_forecast.append(timed(whole))
        forecast.write = lambda *a, **k: 0
        without.append(timed(whole))
        forecast.write = real
    for label, runs in (("with the forecast (kept shares)", with_forecast), ("without", without)):
        print(f"{label}: {[round(x, 2) for x in runs]}, median {statistics.median(runs):.2f} s")
    one = timed(lambda: forecast.learn_shares(period))
    year = timed(lambda: forecast.learn_year(y))
    print(f"learning: one month {one:.2f} s; the twelve months at once {year:.2f} s")
    writes = []
    for _ in range(3):
        try:
            with transaction.atomic():
                writes.append(timed(lambda: forecast.write(period)))
                raise Rollback
        except Rollback:
            pass
    print(f"the forecast's write alone: {[round(x, 2) for x in writes]}")
    print("load after", os.getloadavg())


if __name__ == "__main__":
    main()
