"""recompute_period: idempotent, atomic, one region at a time, safe to run twice at once; the
`recompute` and `publish_ranking` commands run the same code."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assessment import recompute
from assessment.models import PeriodComputation, ProjectStatus, RankingSnapshot
from assessment.reasons import CHECKS
from assessment.recompute import statement
from tests.measures.conftest import build_project, compute

FIELDS = (
    "project_id",
    "colour",
    *(f"{check}_verdict" for check in CHECKS),
    "gap_points",
    "completed_ytd",
    "investment_rate",
)


def snapshot_of(month=10):
    """Every stored column that matters, and the reasons and checks worded from them."""
    statuses = ProjectStatus.objects.filter(month=month).order_by("project_id")
    return [(*(getattr(s, f) for f in FIELDS), s.reason, s.checks) for s in statuses]


@pytest.mark.django_db
def test_recompute_twice_gives_the_same_rows(regions):
    build_project(regions["district"], plan="1000", reports={9: "300", 10: "200"})
    build_project(regions["other"], plan="500", reports={10: "450"})
    first = compute()
    rows = snapshot_of()
    second = compute()
    assert snapshot_of() == rows
    assert (first.projects, second.projects) == (2, 2)
    assert (first.run, second.run) == (1, 2)
    assert PeriodComputation.objects.get(year=2024, month=10).runs == 2


@pytest.mark.django_db
def test_a_failed_recompute_leaves_the_previous_complete_result(regions, monkeypatch):
    build_project(regions["district"], plan="1000", reports={10: "300"})
    build_project(regions["other"], plan="1000", reports={10: "600"})
    compute()
    before = snapshot_of()
    build_project(regions["other"], plan="1000", reports={10: "900"})
    real = statement.write

    def write_then_fail(*args, **kwargs):
        assert real(*args, **kwargs) == 3  # the old rows are gone, the new ones written …
        raise RuntimeError("connection lost before commit")

    monkeypatch.setattr(statement, "write", write_then_fail)
    with pytest.raises(RuntimeError):
        compute()
    assert snapshot_of() == before  # … and all of it rolled back: the old complete result


@pytest.mark.django_db
def test_recompute_of_one_region_leaves_the_others_alone(regions):
    build_project(regions["district"], plan="1000", reports={10: "300"})
    other = build_project(regions["other"], plan="1000", reports={10: "600"})
    compute()
    other_before = ProjectStatus.objects.values("computed_at", "completed_ytd").get(project=other)
    build_project(regions["district"], plan="1000", reports={10: "900"})
    result = compute(region_code="370202")
    assert result.projects == 2
    assert ProjectStatus.objects.filter(region_id="370202").count() == 2
    assert (
        ProjectStatus.objects.values("computed_at", "completed_ytd").get(project=other)
        == other_before
    )


@pytest.mark.django_db
def test_bad_input_is_refused_before_anything_is_written(regions):
    with pytest.raises(ValueError, match="月份"):
        recompute.recompute_period(year=2024, month=13)
    with pytest.raises(ValueError, match="未知的区域代码"):
        recompute.recompute_period(year=2024, month=10, region_code="999999")
    assert not PeriodComputation.objects.exists()


@pytest.mark.django_db
def test_recompute_command_runs_the_same_code_with_a_progress_bar(regions):
    build_project(regions["district"], plan="1000", reports={10: "412"})
    out, err = StringIO(), StringIO()
    call_command("recompute", period="2024-10", stdout=out, stderr=err)
    assert "2024-10 全部区域：1 个项目（红 1、黄 0、白 0、绿 0）" in out.getvalue()
    assert "计算 2024-10" in err.getvalue()  # tqdm writes the bar to stderr
    assert ProjectStatus.objects.get().colour == "red"
    call_command("recompute", period="2024-10", region="370202", stdout=out, stderr=err)
    assert PeriodComputation.objects.get().runs == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [({"period": "2024-13"}, "期间格式|月份"), ({"period": "2024-10", "region": "1"}, "未知")],
)
def test_recompute_command_reports_bad_input(regions, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("recompute", stdout=StringIO(), stderr=StringIO(), **options)


@pytest.mark.django_db
def test_publish_ranking_command_is_idempotent_and_corrects_with_a_reason(regions):
    build_project(regions["district"], plan="1000", reports={10: "412"})
    out = StringIO()
    call_command("publish_ranking", period="2024-10", stdout=out)
    assert "先计算 2024-10" in out.getvalue()  # never computed: computed first
    published = RankingSnapshot.objects.count()
    assert published == 6  # two cities × district, leader, unit
    call_command("publish_ranking", period="2024-10", stdout=out)
    assert RankingSnapshot.objects.count() == published
    assert "未更改" in out.getvalue()
    call_command(
        "publish_ranking",
        period="2024-10",
        parent="370200",
        scope=["district"],
        reason="更正市南区数据",
        stdout=out,
    )
    latest = RankingSnapshot.objects.filter(parent_id="370200", scope="district")
    assert list(latest.values_list("version", flat=True).order_by("version")) == [1, 2]
    with pytest.raises(CommandError, match="未知的区域代码"):
        call_command("publish_ranking", period="2024-10", parent="123456", stdout=out)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_recomputes_of_one_period_serialise(regions):
    if connection.vendor != "postgresql":
        pytest.skip("threads sharing SQLite's in-memory test database cannot run at once")
    for n in range(30):
        build_project(
            regions["district"] if n % 2 else regions["other"], plan="100", reports={10: "50"}
        )
    compute()
    PeriodComputation.objects.filter(year=2024, month=10).update(runs=0)
    errors, results = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(
                recompute.recompute_period(year=2024, month=10, today=dt.date(2024, 11, 20))
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.run for r in results) == [1, 2]  # one after the other
    assert ProjectStatus.objects.filter(year=2024, month=10).count() == 30
    assert PeriodComputation.objects.get(year=2024, month=10).runs == 2


@pytest.mark.django_db
def test_a_whole_run_inside_a_transaction_leaves_the_vacuum_to_autovacuum(regions, monkeypatch):
    """VACUUM needs autocommit: inside a caller's transaction (and on SQLite) it is not run."""
    from assessment.recompute import runs

    project = build_project(regions["district"], plan="100", reports={10: "50"})
    ran = []
    real = runs.reclaim_replaced
    monkeypatch.setattr(runs, "reclaim_replaced", lambda: ran.append(real()) or ran[-1])
    compute()
    assert ran == [False]  # called after the whole run, and declined
    recompute.recompute_projects(project_ids=[project.pk], year=2024, month=10)
    assert ran == [False]  # an incremental run rewrites no whole period: no vacuum


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_whole_run_vacuums_the_tables_it_rewrote_on_postgresql(regions, settings):
    """After its commit a whole run vacuums statuses, forecasts and sums (so a replaced
    period's dead rows are reclaimed at once), unless switched off."""
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    from assessment.recompute import runs

    for n in range(5):
        build_project(regions["district"], plan="100", reports={10: str(n)})

    def vacuums() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [[model._meta.db_table for model in runs.REWRITTEN]],
            )
            return dict(cursor.fetchall())

    before = vacuums()
    compute()
    after = vacuums()
    assert len(after) == 3
    assert all(after[table] == before.get(table, 0) + 1 for table in after)
    settings.RECOMPUTE_VACUUM = False
    compute()
    assert vacuums() == after
    assert runs.reclaim_replaced() is False
