"""Migration 0007 moves each check's verdict and numbers from the old checks JSON into columns:
periods computed before it keep their colours and reasons."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("projects", "0006_project_region_prefix_index")]
AFTER = [("projects", "0007_status_verdict_columns")]


@pytest.mark.django_db(transaction=True)
def test_stored_checks_become_verdict_columns_and_the_reason_reads_the_same():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    region = old.get_model("projects", "Region").objects.create(
        code="370202", name="市南区", level="county", prefix="370202"
    )
    project = old.get_model("projects", "Project").objects.create(
        code="QD-1",
        name="测试",
        region=region,
        level="district",
        stage="construction",
        total_investment=Decimal("1000"),
        actual_start=dt.date(2024, 3, 1),
    )
    reason = (
        "投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点；2024年3月 开工已 7 个月，尚未纳统"
    )
    old.get_model("projects", "ProjectStatus").objects.create(
        project_id=project.pk,
        region_id="370202",
        year=2024,
        month=10,
        colour="red",
        under_construction=True,
        started=True,
        annual_plan=Decimal("1000"),
        completed_ytd=Decimal("412"),
        investment_rate=Decimal("0.412"),
        time_progress=Decimal("0.833333"),
        actual_start=dt.date(2024, 3, 1),
        months_without_report=0,
        computed_at=timezone.now(),
        reason=reason,
        checks={
            "progress": {
                "verdict": "red",
                "reason": "…",
                "gap_points": -42.13,
                "investment_rate": 0.412,
                "time_progress": 0.833333,
            },
            "statistics": {"verdict": "red", "reason": "…", "months_since_start": 7},
            "reporting": {"verdict": "ok", "reason": "按月报送", "months_without_report": 0},
        },
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    try:
        from assessment.models import ProjectStatus

        # the columns of 0007 only: later migrations' columns are not there yet
        names = {
            f.attname for f in old.get_model("projects", "ProjectStatus")._meta.concrete_fields
        }
        names |= {
            f.attname
            for f in executor.loader.project_state(AFTER)
            .apps.get_model("projects", "ProjectStatus")
            ._meta.concrete_fields
        }
        later = [f.attname for f in ProjectStatus._meta.concrete_fields if f.attname not in names]
        status = ProjectStatus.objects.defer(*later).get()
        assert (status.progress_verdict, status.statistics_verdict) == ("red", "red")
        assert (status.reporting_verdict, status.start_verdict, status.milestones_verdict) == (
            "ok",
            "",
            "",
        )
        assert status.gap_points == Decimal("-42.1333")
        assert (status.months_since_start, status.reporting_window) == (7, 2)
        assert status.reason == reason
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
