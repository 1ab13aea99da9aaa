"""The parallel engine of a recompute, on PostgreSQL, for a run of all regions
(`RECOMPUTE_WORKERS`, default 2): PostgreSQL runs the SELECT of an INSERT … SELECT on one core,
so the run's connection exports its snapshot and N worker connections, each importing that
snapshot (so all of them read the very same data), compute a range of project ids with
`statement`'s INSERT … SELECT into an unlogged staging table (`Stage`) of the run's own, which
nobody else reads; the run then copies the staging rows into ProjectStatus with one
INSERT … SELECT, in its transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
import threading
import time

from django.conf import settings
from django.db import connection, transaction

from core.periods import Period
from projects.models import Project, Region

from ..models import ProjectStatus
from . import statement

STAGE_PREFIX = "projects_recompute_stage_"
STAGE_NAME = re.compile(rf"^{STAGE_PREFIX}(\d+)_[0-9a-f]+$")
SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")
STAGE_MAX_AGE = dt.timedelta(days=1)  # a staging table older than any run: left by a crash


def workers_for(region: Region | None) -> int:
    """How many connections compute the run: `RECOMPUTE_WORKERS` for a run of all regions on
    PostgreSQL started outside a transaction (workers read committed data only, so a caller's
    uncommitted changes — a test's, say — would be invisible to them); otherwise 1."""
    workers = int(getattr(settings, "RECOMPUTE_WORKERS", 1))
    if (
        workers < 2
        or region is not None
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return 1
    return workers


class Stage:
    """The unlogged table a parallel run's workers write into: the run's own (its name is
    unique), created before the run's transaction and dropped after it, whatever happens.
    Tables left by a crashed process are dropped by a later run once they are a day old."""

    def __init__(self, columns: list[str]):
        self.name = f"{STAGE_PREFIX}{int(time.time())}_{secrets.token_hex(6)}"
        self.columns = columns  # the ProjectStatus columns a run writes (`written_columns`)

    def create(self) -> None:
        qn = connection.ops.quote_name
        source = qn(ProjectStatus._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {qn(self.name)} AS SELECT "
                f"{', '.join(qn(c) for c in self.columns)} FROM {source} WITH NO DATA"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(self.name)}")

    @classmethod
    def sweep(cls) -> None:
        """Drops staging tables a crashed run left behind (older than STAGE_MAX_AGE)."""
        oldest = time.time() - STAGE_MAX_AGE.total_seconds()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND starts_with(tablename, %s)",
                [STAGE_PREFIX],
            )
            for (name,) in cursor.fetchall():
                match = STAGE_NAME.match(name)
                if match and int(match.group(1)) < oldest:
                    cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def _id_ranges(workers: int) -> list[tuple[int, int]]:
    """Ranges [low, high) of project ids holding about as many projects each."""
    fractions = [k / workers for k in range(1, workers)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY id) "
            f"FROM {connection.ops.quote_name(Project._meta.db_table)}",
            [fractions],
        )
        cuts = [c for c in (cursor.fetchone()[0] or []) if c is not None]
    bounds = [0, *sorted(set(cuts)), 2**63 - 1]
    return list(itertools.pairwise(bounds))


def _compute_into_stage(snapshot: str, sql: str, params: list, errors: list, index: int) -> None:
    """A worker thread: on its own connection, in a transaction reading the run's snapshot."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked: SNAPSHOT_ID
            statement.tune(cursor)
            cursor.execute(sql, params)
    except BaseException as exc:  # handed to the run, which re-raises it
        errors[index] = exc
    finally:
        connection.close()


def write_parallel(
    stage: Stage, period: Period, as_of: dt.date, rules, layers, now, workers: int, step
) -> int:
    """Computes the period's rows of all regions on `workers` connections into `stage`, while
    this connection deletes the period's old rows; then copies them into ProjectStatus."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    if not SNAPSHOT_ID.match(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    statements = [
        statement.insert_sql(
            statement.figures_select(period, as_of, None, rules, id_range=id_range),
            layers,
            statement.run_constants(rules),
            now,
            into=stage.name,
        )
        for id_range in _id_ranges(workers)
    ]
    errors: list[BaseException | None] = [None] * len(statements)
    threads = [
        threading.Thread(
            target=_compute_into_stage,
            args=(snapshot, sql, params, errors, index),
            name=f"recompute-{period}-{index}",
        )
        for index, (sql, params) in enumerate(statements)
    ]
    for thread in threads:
        thread.start()
    try:
        statement.clear(period, None)
        step()
    finally:
        for thread in threads:  # the snapshot lives until this transaction ends: wait first
            thread.join()
    for error in errors:
        if error is not None:
            raise error
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in stage.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(ProjectStatus._meta.db_table)} ({columns}) SELECT {columns} "
            f"FROM {qn(stage.name)} ORDER BY {qn('region_id')}, {qn('project_id')}"
        )
        return cursor.rowcount
