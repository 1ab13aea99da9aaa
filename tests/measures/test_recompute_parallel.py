"""The parallel recompute (PostgreSQL, a run of all regions started outside a transaction):
worker connections read one exported snapshot and compute ranges of projects into the run's
own staging table, which the run copies into ProjectStatus in its transaction."""

import datetime as dt

import pytest
from django.db import connection, transaction

from assessment.models import ProjectStatus
from assessment.reasons import CHECKS
from assessment.recompute import parallel
from tests.measures.conftest import add_milestone, build_project, compute

FIELDS = [
    f.name for f in ProjectStatus._meta.concrete_fields if f.name not in ("id", "computed_at")
]


def rows(month=10):
    return list(
        ProjectStatus.objects.filter(year=2024, month=month).order_by("project_id").values(*FIELDS)
    )


def stage_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE starts_with(tablename, %s)",
            [parallel.STAGE_PREFIX],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture
def portfolio(regions):
    """Projects of both districts with every colour check in play."""
    if connection.vendor != "postgresql":
        pytest.skip("the parallel recompute runs on PostgreSQL")
    for n in range(40):
        region = regions["district"] if n % 2 else regions["other"]
        project = build_project(
            region,
            plan="1000",
            reports={9: "50", 10: str(120 * (n % 9))} if n % 5 else {},
            in_statistics=n % 3 != 0,
            actual_start=dt.date(2024, 1 + n % 9, 1),
        )
        if n % 4 == 0:
            add_milestone(project, due=dt.date(2024, 9, 1 + n % 20))
    build_project(
        regions["district"],
        plan="300",
        new_start=True,
        actual_start=None,
        planned_start=dt.date(2024, 6, 1),
        stage="signed",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_run_writes_the_very_rows_one_statement_writes(portfolio, settings):
    settings.RECOMPUTE_WORKERS = 1
    compute()
    one_statement = rows()
    assert len(one_statement) == 41
    assert {r["colour"] for r in one_statement} >= {"red", "yellow", "white", "green"}
    assert any(r[f"{check}_verdict"] for r in one_statement for check in CHECKS)
    for workers in (2, 3):
        settings.RECOMPUTE_WORKERS = workers
        assert parallel.workers_for(None) == workers
        result = compute()
        assert result.projects == 41
        assert rows() == one_statement
    assert stage_tables() == []  # the run's staging table is gone


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_worker_leaves_the_previous_complete_result(
    portfolio, regions, settings, monkeypatch
):
    settings.RECOMPUTE_WORKERS = 2
    compute()
    before = rows()
    real = parallel._compute_into_stage

    def second_worker_fails(snapshot, sql, params, errors, index):
        if index == 1:
            errors[index] = RuntimeError("worker lost its connection")
            connection.close()
            return
        real(snapshot, sql, params, errors, index)

    monkeypatch.setattr(parallel, "_compute_into_stage", second_worker_fails)
    build_project(regions["district"], plan="100", reports={10: "100"})
    with pytest.raises(RuntimeError, match="worker lost"):
        compute()
    assert rows() == before
    assert stage_tables() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staging_tables_left_by_a_crash_are_swept_after_a_day(portfolio, settings):
    settings.RECOMPUTE_WORKERS = 2
    old = f"{parallel.STAGE_PREFIX}{int(dt.datetime(2024, 1, 1).timestamp())}_abcdef"
    fresh = parallel.Stage(columns=[])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {old} (x int)")
        cursor.execute(f"CREATE UNLOGGED TABLE {fresh.name} (x int)")  # a run going on now
    compute()
    assert stage_tables() == [fresh.name]
    fresh.drop()


@pytest.mark.django_db
def test_one_statement_inside_a_transaction_for_a_region_or_on_sqlite(regions, settings):
    # workers read committed data only: a caller's open transaction (a test's, an import's)
    # would hide its own changes from them, so such runs stay on one connection
    settings.RECOMPUTE_WORKERS = 4
    assert parallel.workers_for(regions["district"]) == 1
    with transaction.atomic():
        assert parallel.workers_for(None) == 1
    settings.RECOMPUTE_WORKERS = 1
    assert parallel.workers_for(None) == 1
