"""generate_dataset: a deterministic synthetic dataset for benchmarks (INTERFACES.md §2).

On SQLite these exercise the bulk_create path; with DATABASE_URL=postgres://… the same tests
exercise COPY."""

import datetime as dt
import hashlib
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import F, Max, Min

from projects.choices import Stage, WithdrawalStatus
from projects.models import (
    ChainAssignment,
    MonthlyReport,
    Project,
    ProjectYear,
    Region,
    Withdrawal,
)
from seed.dataset import flush_dataset, generate_dataset
from supervision.choices import IssueStatus
from supervision.models import Issue
from tests.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def checksum() -> str:
    """A digest of the key columns of the synthetic data, independent of row ids."""
    digest = hashlib.sha256()
    queries = [
        Project.objects.filter(code__startswith="SYN-")
        .order_by("code")
        .values_list(
            "code",
            "name",
            "region_id",
            "level",
            "stage",
            "total_investment",
            "planned_start",
            "actual_start",
            "planned_completion",
            "actual_completion",
            "in_statistics",
            "statistics_date",
        ),
        ProjectYear.objects.filter(project__code__startswith="SYN-")
        .order_by("project__code", "year")
        .values_list("project__code", "year", "annual_plan", "original_plan", "new_start"),
        MonthlyReport.objects.filter(project__code__startswith="SYN-")
        .order_by("project__code", "year", "month")
        .values_list("project__code", "year", "month", "completed_investment"),
        ChainAssignment.objects.filter(project__code__startswith="SYN-")
        .order_by("project__code", "role__code", "start_date", "person__name")
        .values_list("project__code", "role__code", "person__name", "start_date", "end_date"),
        Issue.objects.filter(project__code__startswith="SYN-")
        .order_by("project__code", "raised_at", "title")
        .values_list("project__code", "title", "category", "status", "raised_at", "deadline"),
    ]
    for query in queries:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def history_rows() -> int:
    return sum(
        m._base_manager.count() for m in apps.get_models() if m.__name__.startswith("Historical")
    )


def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate_dataset(projects=120, years=2, seed=5, batch_size=50)
    first = checksum()
    flush_dataset()
    generate_dataset(projects=120, years=2, seed=5, batch_size=17)  # batch size does not matter
    again = checksum()
    flush_dataset()
    generate_dataset(projects=120, years=2, seed=6)

    assert first == again
    assert checksum() != first


def test_respects_number_of_projects_and_years_of_reports():
    result = generate_dataset(projects=200, years=2, seed=1)

    assert Project.objects.filter(code__startswith="SYN-").count() == 200
    span = MonthlyReport.objects.aggregate(
        first=Min(F("year") * 100 + F("month")), last=Max(F("year") * 100 + F("month"))
    )
    assert (span["first"], span["last"]) == (202411, 202610)  # 24 months ending last month
    per_project = Counter(MonthlyReport.objects.values_list("project", flat=True))
    assert max(per_project.values()) == 24
    reports = MonthlyReport.objects.count()
    assert 0.7 * 200 * 24 < reports <= 200 * 24
    assert result.counts["projects_monthlyreport"] == reports


def test_regions_scale_with_projects_at_least_ten_districts():
    result = generate_dataset(projects=30, years=1, seed=1)

    districts = Region.objects.filter(code__startswith="99", level="county")
    assert result.districts == districts.count() == 10
    assert Region.objects.get(code="990000").level == "province"
    assert all(d.parent.level == "city" for d in districts)
    assert set(Project.objects.values_list("region__level", flat=True)) == {"county"}


def test_projects_span_levels_stages_and_categories():
    generate_dataset(projects=400, years=1, seed=2)

    projects = Project.objects.filter(code__startswith="SYN-")
    levels = Counter(projects.values_list("level", flat=True))
    stages = Counter(projects.values_list("stage", flat=True))
    assert set(levels) == {"provincial", "city", "district"}
    assert levels["district"] > levels["city"] > levels["provincial"]
    assert stages["construction"] > 0.7 * 400
    assert {"completed", "operating", "withdrawn"} <= set(stages)
    assert projects.filter(categories__isnull=False).distinct().count() > 0.9 * 400
    assert projects.filter(in_statistics=True).exists()
    assert projects.filter(in_statistics=False, actual_start__isnull=False).exists()
    assert set(
        ChainAssignment.objects.filter(end_date__isnull=True).values_list("project", flat=True)
    ) >= set(projects.values_list("pk", flat=True))


def test_about_three_issues_per_project_in_mixed_states_some_overdue():
    generate_dataset(projects=300, years=1, seed=3)

    issues = Issue.objects.filter(project__code__startswith="SYN-")
    assert 2.5 * 300 < issues.count() < 3.5 * 300
    statuses = set(issues.values_list("status", flat=True))
    assert statuses == set(IssueStatus.values)
    overdue = issues.exclude(status__in=IssueStatus.done()).filter(deadline__lt=TODAY)
    assert overdue.exists()
    assert not issues.filter(status__in=IssueStatus.done(), resolved_at__isnull=True).exists()


def test_synthetic_data_writes_no_history_rows():
    before = history_rows()
    generate_dataset(projects=50, years=1, seed=1)
    assert history_rows() == before


def test_flush_removes_only_synthetic_data(project, city_official):
    MonthlyReportFactory(project=project, year=2026, month=9)
    real = {
        "projects": Project.objects.count(),
        "regions": Region.objects.count(),
        "reports": MonthlyReport.objects.count(),
    }
    generate_dataset(projects=60, years=1, seed=1)
    assert Project.objects.count() == real["projects"] + 60

    removed = flush_dataset()

    assert removed["projects.Project"] == 60
    assert Project.objects.count() == real["projects"]
    assert Region.objects.count() == real["regions"]
    assert MonthlyReport.objects.count() == real["reports"]
    assert not Issue.objects.filter(project__code__startswith="SYN-").exists()
    assert Project.objects.filter(pk=project.pk).exists()


def test_command_prints_summary_and_flush_replaces_the_dataset():
    out = StringIO()
    call_command("generate_dataset", "--projects", "40", "--years", "1", "--seed", "9", stdout=out)
    assert "projects_monthlyreport" in out.getvalue()

    with pytest.raises(CommandError, match="--flush"):
        call_command("generate_dataset", "--projects", "40", "--years", "1", stdout=StringIO())

    out = StringIO()
    call_command(
        "generate_dataset",
        "--projects",
        "25",
        "--years",
        "1",
        "--flush",
        "--batch-size",
        "10",
        stdout=out,
    )
    assert "删除已有的模拟数据" in out.getvalue()
    assert Project.objects.filter(code__startswith="SYN-").count() == 25


def test_new_projects_after_the_dataset_get_fresh_ids(regions):
    generate_dataset(projects=20, years=1, seed=1)
    from projects.services import project_create

    project = project_create(
        code="AFTER-1", name="后建项目", region=regions["district"], level="city"
    )
    assert project.pk > Project.objects.filter(code__startswith="SYN-").aggregate(m=Max("pk"))["m"]


def test_withdrawals_are_reviewed_unless_pending_and_only_approved_ones_leave_the_pool():
    generate_dataset(projects=600, years=1, seed=4)

    withdrawals = Withdrawal.objects.filter(project__code__startswith="SYN-")
    assert withdrawals.filter(status=WithdrawalStatus.APPROVED).exists()
    for withdrawal in withdrawals.select_related("project"):
        approved = withdrawal.status == WithdrawalStatus.APPROVED
        assert (withdrawal.project.stage == Stage.WITHDRAWN) == approved
        assert (withdrawal.reviewed_at is None) == (withdrawal.status == WithdrawalStatus.PENDING)
        moved = withdrawal.project.stage_changes.filter(to_stage=Stage.WITHDRAWN).exists()
        assert moved == approved
