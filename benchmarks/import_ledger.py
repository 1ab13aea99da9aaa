"""Benchmark: import a 10,000-row ledger (12 months and 4 chain people per row) into a fresh
database, then import it again (nothing changes), then once more with one month changed in a
tenth of the rows.

    DJANGO_SETTINGS_MODULE=portfolio.settings .venv/bin/python benchmarks/import_ledger.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_import_bench \\
        DJANGO_SETTINGS_MODULE=portfolio.settings .venv/bin/python benchmarks/import_ledger.py

The configured database is not touched: Django's test-database machinery creates a fresh one
(SQLite: a file in a temporary directory; PostgreSQL: test_<NAME>, e.g. test_h_import_bench),
migrates it, and drops it at the end. Options: --rows N (default 10000), --seed S, --keep FILE
(keep the generated ledger), --no-floor. Not collected by pytest (not under tests/, not named
test_*).

The floor (PostgreSQL only, in the same run, after the first import): reading the same file
(openpyxl read-only, every cell's value) plus a COPY of the very rows the first import wrote
(every table it filled: projects, plans, reports, chain, people, units, categories and all their
history rows) into the same tables, with their indexes and their foreign keys checked
(`SET CONSTRAINTS ALL IMMEDIATE` after the COPYs), inside a transaction that is rolled back.
The rows are taken with `COPY … TO STDOUT` before the timing starts. The ratio printed is the
import itself (without the recompute it sets off on commit) ÷ the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

DISTRICTS = [
    "市南区",
    "市北区",
    "黄岛区",
    "崂山区",
    "李沧区",
    "城阳区",
    "即墨区",
    "胶州市",
    "平度市",
    "莱西市",
]
DISTRICT_CODES = ["370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281",
                  "370283", "370285"]  # fmt: skip
CATEGORIES = [
    "重大建设类",
    "制造业",
    "四新经济",
    "产业链项目",
    "新基建",
    "技改",
    "基础设施",
    "民生",
]
STAGES = ["谋划", "储备", "签约", "在建", "在建", "在建", "竣工", "投产"]
LEVELS = ["省级", "市级", "区级", "区级"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def build_ledger(path: Path, rows: int, seed: int) -> list[str]:
    """Writes the ledger (openpyxl write-only) and returns its header."""
    from openpyxl import Workbook

    from imports.ledger import ledger_columns
    from projects.models import ChainRole

    rng = random.Random(seed)
    roles = list(ChainRole.objects.filter(active=True))
    headers = [c.header for c in ledger_columns(roles) if c.key not in {"town"}]
    people = {d: [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(150)]
              for d in DISTRICTS}  # fmt: skip
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(headers)
    for n in range(1, rows + 1):
        district = DISTRICTS[n % len(DISTRICTS)]
        total = Decimal(rng.randint(5_000, 500_000))
        plan = (total / rng.randint(3, 8)).quantize(Decimal("0.01"))
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        values = {
            "项目编号": f"B{n:06d}",
            "项目名称": f"基准测试项目{n}",
            "所属区域": district,
            "项目级别": rng.choice(LEVELS),
            "项目类别": "、".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
            "建设阶段": rng.choice(STAGES),
            "总投资(万元)": float(total),
            "年度计划投资(万元)": float(plan),
            "是否新开工": rng.choice(["是", "否"]),
            "是否计划竣工": rng.choice(["是", "否"]),
            "计划开工日期": start,
            "实际开工日期": (start + dt.timedelta(days=rng.randint(0, 60))).isoformat(),
            "计划竣工日期": f"{start.year + 2}年{start.month}月{min(start.day, 28)}日",
            "是否纳统": rng.choice(["是", "否"]),
            "建设单位": f"青岛建设公司{n % 500}",
            "所属行业": rng.choice(["制造业", "基础设施", "服务业"]),
            "责任单位": f"{district}部门{n % 30}",
        }
        for role in roles:
            values[role.name] = rng.choice(people[district])
        for month in range(1, 13):
            values[f"{month}月"] = round(float(plan) / 12 * rng.uniform(0.5, 1.5), 2)
        sheet.append([values.get(header) for header in headers])
    workbook.save(path)
    return headers


def change_some_months(source: Path, target: Path, every: int) -> int:
    """A copy of the ledger where every `every`-th row has a different 5月."""
    from openpyxl import Workbook, load_workbook

    reader = load_workbook(source, read_only=True)
    rows = reader.worksheets[0].iter_rows(values_only=True)
    headers = list(next(rows))
    may = headers.index("5月")
    writer = Workbook(write_only=True)
    sheet = writer.create_sheet("台账")
    sheet.append(headers)
    changed = 0
    for n, row in enumerate(rows, start=1):
        row = list(row)
        if n % every == 0:
            row[may] = round((row[may] or 0) + 1.25, 2)
            changed += 1
        sheet.append(row)
    reader.close()
    writer.save(target)
    return changed


def timed(label: str, func):
    """Runs func; prints wall-clock time and this process's CPU time (the machine is shared:
    the gap between the two is time spent waiting for the CPU or the database)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = func()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.1f} s (CPU of this process {time.process_time() - cpu:.1f} s)")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="also save the generated ledger here")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor")
    args = parser.parse_args()

    import django
    from django.conf import settings

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    django.setup()
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(workdir / "bench.sqlite3")
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args, workdir, connection)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def table_counts(connection) -> dict[str, int]:
    """Rows per table (a fresh database: counting is cheap)."""
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def read_file(path: Path) -> int:
    """The floor's reading: every cell's value, as the import's reader gets them."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    workbook.close()
    return cells


def floor(path: Path, tables: list[str], connection) -> float:
    """Reading the file plus a COPY of the rows the import wrote into the same tables (rolled
    back). Returns the seconds of reading + COPY."""
    from django.db import transaction

    quote = connection.ops.quote_name
    dumps: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        for table in tables:
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                dumps[table] = b"".join(bytes(chunk) for chunk in copy)
    rows = sum(dump.count(b"\n") for dump in dumps.values())
    size = sum(len(dump) for dump in dumps.values())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)} CASCADE")
            started = time.perf_counter()
            read_file(path)
            reading = time.perf_counter() - started
            for table, dump in dumps.items():
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(dump)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, now
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"floor: {elapsed:.1f} s = reading the file {reading:.1f} s + COPY of {rows:,} rows "
        f"({size / 1e6:.1f} MB) into {len(tables)} tables {elapsed - reading:.1f} s"
    )
    return elapsed


IMPORT_SECONDS: list[float] = []  # each import_ledger's own time, without its on-commit hooks


def import_ledger(path, *, year, written: list[str] | None = None):
    """The import, timed apart from what it sets off on commit: in the embedded default
    (Celery eager) the measures' recompute of the changed period runs in-process when the
    transaction commits; with a broker it runs in the worker. Both times are printed."""
    from django.db import connection, transaction

    from imports.ledger import import_ledger as run_import

    with transaction.atomic():  # holds the on-commit hooks until the import is timed
        before = table_counts(connection) if written is not None else {}
        started = time.perf_counter()
        result = run_import(path, year=year)
        IMPORT_SECONDS.append(time.perf_counter() - started)  # the import alone, no hooks
        print(f"  import itself: {IMPORT_SECONDS[-1]:.1f} s")
        if written is not None:
            after = table_counts(connection)
            written += [t for t, n in after.items() if n > before.get(t, 0)]
        started = time.perf_counter()
    print(f"  recompute set off on commit: {time.perf_counter() - started:.1f} s")
    return result


def run(args, workdir: Path, connection) -> None:
    from projects.choices import RegionLevel
    from projects.models import ChainAssignment, MonthlyReport, Person, Project, Region

    province = Region.objects.create(code="370000", name="山东省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(
        code="370200", name="青岛市", level=RegionLevel.CITY, parent=province
    )
    for code, name in zip(DISTRICT_CODES, DISTRICTS, strict=True):
        Region.objects.create(code=code, name=name, level=RegionLevel.COUNTY, parent=city)

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    path = workdir / "ledger.xlsx"
    timed(
        f"generate {args.rows} rows (not part of the import)",
        lambda: build_ledger(path, args.rows, args.seed),
    )
    print(f"file: {path.stat().st_size / 1e6:.1f} MB")

    written: list[str] = []
    result, first = timed(
        "import, fresh database", lambda: import_ledger(path, year=2024, written=written)
    )
    assert result.ok, [str(e) for e in result.errors[:20]]
    first_import = IMPORT_SECONDS[-1]
    print("  " + result.summary())
    print(
        f"  projects {Project.objects.count()}, reports {MonthlyReport.objects.count()}, "
        f"chain rows {ChainAssignment.objects.count()}, people {Person.objects.count()}, "
        f"history rows {Project.history.count() + MonthlyReport.history.count()} "
        "(projects + reports)"
    )

    floor_time = None
    if connection.vendor == "postgresql" and not args.no_floor:
        floor_time = floor(path, sorted(written), connection)
        print(f"  the import itself ÷ floor: {first_import / floor_time:.1f}×")

    result, again = timed("import again, nothing changes", lambda: import_ledger(path, year=2024))
    assert result.ok and result.counts["projects_unchanged"] == args.rows, result.summary()
    print("  " + result.summary())

    changed_path = workdir / "ledger-changed.xlsx"
    changed = change_some_months(path, changed_path, every=10)
    result, _ = timed(
        f"import with 5月 changed in {changed} rows", lambda: import_ledger(changed_path, year=2024)
    )
    assert result.ok and result.counts["reports_updated"] == changed, result.summary()
    print("  " + result.summary())
    if args.keep:
        Path(args.keep).write_bytes(path.read_bytes())
    verdict = "OK" if first < 60 else "TOO SLOW"
    print(f"{verdict}: {args.rows} rows in {first:.1f} s (limit 60 s); re-import {again:.1f} s")
    if floor_time is not None:
        print(
            f"floor {floor_time:.1f} s: the first import itself {first_import:.1f} s, "
            f"{first_import / floor_time:.1f}× the floor"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
