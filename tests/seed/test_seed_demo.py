"""seed_demo: Qingdao with ten districts, a few hundred projects, every colour situation,
the demo logins; idempotent (INTERFACES.md §2, issue #2 item 9).

The default seed is expensive (~15 s), so it runs once per module inside an outer transaction
that is rolled back at the end; each test runs in a savepoint of it (pytest-django's `db`)."""

import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Max, Min, Sum

from projects.choices import Level, RegionLevel, Role, Stage, WithdrawalStatus
from projects.models import (
    ChainAssignment,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    StageChange,
    TaskForce,
    User,
    Withdrawal,
)
from seed.demo import seed_demo

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
LOGINS = ["admin", "city", "shinan", "shibei", "xihaian", "laoshan", "licang", "chengyang"]
LOGINS += ["jimo", "jiaozhou", "pingdu", "laixi", "shenhe", "lingdao"]


def row_counts() -> dict[str, int]:
    """Rows of every table, history tables included."""
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The default demo seed (360 projects, with the other parts' extras where installed)."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def construction_rates() -> dict[str, Decimal]:
    """Jan–Oct investment rate of each project under construction with a plan this year."""
    plans = dict(
        ProjectYear.objects.filter(
            year=2026, project__stage=Stage.CONSTRUCTION, annual_plan__gt=0
        ).values_list("project__code", "annual_plan")
    )
    done = dict(
        MonthlyReport.objects.filter(year=2026, project__code__in=plans)
        .values("project__code")
        .annotate(total=Sum("completed_investment"))
        .values_list("project__code", "total")
    )
    return {code: done.get(code, Decimal(0)) / plan for code, plan in plans.items()}


# --- The default seed ---------------------------------------------------------------------------


def test_default_seed_builds_qingdao_ten_districts_and_a_few_hundred_projects(demo, db):
    qingdao = Region.objects.get(code="370200", name="青岛市")
    districts = Region.objects.filter(parent=qingdao, level=RegionLevel.COUNTY)
    assert districts.count() == 10
    assert Region.objects.filter(level=RegionLevel.TOWN).count() >= 20
    assert Project.objects.count() == 360
    assert set(Project.objects.values_list("region__parent", flat=True)) == {"370200"}
    levels = Counter(Project.objects.values_list("level", flat=True))
    assert 0.05 < levels[Level.PROVINCIAL] / 360 < 0.15
    assert 0.2 < levels[Level.CITY] / 360 < 0.4
    assert 0.5 < levels[Level.DISTRICT] / 360 < 0.7
    stages = Counter(Project.objects.values_list("stage", flat=True))
    assert set(stages) == set(Stage.values)
    assert stages[Stage.CONSTRUCTION] == max(stages.values())
    assert "演示账号" in demo and "lingdao" in demo


def test_every_district_has_departments_town_offices_and_people(demo, db):
    for district in Region.objects.filter(parent="370200"):
        units = set(district.units.values_list("name", flat=True))
        assert {"发展和改革局", "自然资源和规划局", "住房和城乡建设局", "生态环境局"} <= units
        assert Region.objects.filter(parent=district, units__kind="town_office").count() >= 2
        assert district.people.count() >= 10


def test_reports_run_from_january_last_year_to_last_month(demo, db):
    span = MonthlyReport.objects.aggregate(
        first=Min(F("year") * 100 + F("month")), last=Max(F("year") * 100 + F("month"))
    )
    assert (span["first"], span["last"]) == (202501, 202610)
    months = set(MonthlyReport.objects.values_list("year", "month"))
    assert len(months) == 22


def test_seasonality_slow_first_quarter_and_year_end_rush(demo, db):
    by_month = dict(
        MonthlyReport.objects.filter(year=2025)
        .values("month")
        .annotate(total=Sum("completed_investment"))
        .values_list("month", "total")
    )
    assert by_month[2] < by_month[6] < by_month[12]
    assert by_month[1] + by_month[2] + by_month[3] < by_month[10] + by_month[11] + by_month[12]


def test_progress_covers_green_white_yellow_and_red(demo, db):
    time_progress = Decimal(10) / Decimal(12)
    points = [(rate - time_progress) * 100 for rate in construction_rates().values()]
    assert any(d >= 10 for d in points), "green: ahead of time progress"
    assert any(-10 < d < 10 for d in points), "white: on time progress"
    assert any(-30 <= d <= -10 for d in points), "yellow: behind"
    assert any(d < -30 for d in points), "red: far behind"


def test_some_districts_ahead_of_time_progress_and_some_behind(demo, db):
    plans = (
        ProjectYear.objects.filter(year=2026)
        .values("project__region")
        .annotate(plan=Sum("annual_plan"))
    )
    rates = {}
    for row in plans:
        done = MonthlyReport.objects.filter(
            year=2026, project__region=row["project__region"]
        ).aggregate(s=Sum("completed_investment"))["s"]
        rates[row["project__region"]] = done / row["plan"]
    time_progress = Decimal(10) / Decimal(12)
    assert any(rate > time_progress for rate in rates.values())
    assert any(rate < time_progress - Decimal("0.1") for rate in rates.values())


def test_stalled_projects_have_no_report_for_the_last_two_months(demo, db):
    last = (
        MonthlyReport.objects.filter(project__stage=Stage.CONSTRUCTION)
        .values("project")
        .annotate(last=Max(F("year") * 100 + F("month")))
    )
    stalled = [row for row in last if row["last"] <= 202608]
    assert len(stalled) >= 3
    assert not MonthlyReport.objects.filter(
        project__in=[row["project"] for row in stalled], year=2026, month__in=[9, 10]
    ).exists()


def test_overdue_milestones_some_within_30_days_some_longer(demo, db):
    overdue = Milestone.objects.filter(
        project__stage=Stage.CONSTRUCTION, done_on__isnull=True, due_date__lt=TODAY
    )
    late_days = [(TODAY - m.due_date).days for m in overdue]
    assert any(days <= 30 for days in late_days), "yellow: overdue up to 30 days"
    assert any(days > 30 for days in late_days), "red: overdue more than 30 days"
    front = set(Milestone.objects.values_list("kind", flat=True))
    assert {"project_approval", "land", "planning_permit", "construction_permit"} <= front
    assert not Milestone.objects.filter(responsible__isnull=True).exists()


def test_planned_new_starts_not_started_some_three_months_late(demo, db):
    waiting = ProjectYear.objects.filter(
        year=2026, new_start=True, project__actual_start__isnull=True
    ).exclude(project__stage=Stage.WITHDRAWN)
    due = [py.project.planned_start for py in waiting if py.project.planned_start < TODAY]
    assert any(TODAY.month - d.month < 3 for d in due), "yellow: not started, due this quarter"
    assert any(TODAY.month - d.month >= 3 for d in due), "red: three months late"
    started = ProjectYear.objects.filter(
        year=2026, new_start=True, project__actual_start__year=2026
    )
    assert started.count() > waiting.count()


def test_most_started_projects_are_in_statistics_but_not_all(demo, db):
    started = Project.objects.filter(stage=Stage.CONSTRUCTION)
    outside = started.filter(in_statistics=False, actual_start__lt=TODAY - dt.timedelta(days=70))
    assert started.filter(in_statistics=True).count() > 0.75 * started.count()
    assert outside.exists(), "red: started more than two months ago, not in statistics"
    assert not Project.objects.filter(in_statistics=True, statistics_date__isnull=True).exists()


def test_plans_revised_with_reason_and_monthly_plans(demo, db):
    revised = ProjectYear.objects.exclude(annual_plan=F("original_plan"))
    assert revised.filter(annual_plan__lt=F("original_plan")).exists()
    assert PlanRevision.objects.filter(project_year__in=revised).exclude(reason="").count() == (
        revised.count()
    )
    for py in ProjectYear.objects.filter(monthly_plans__isnull=False).distinct()[:20]:
        assert py.monthly_plans.aggregate(s=Sum("amount"))["s"] == py.annual_plan


def test_chains_have_four_roles_and_some_changed_this_year(demo, db):
    current = ChainAssignment.objects.filter(end_date__isnull=True)
    per_project = Counter(current.values_list("project", flat=True))
    assert set(per_project.values()) == {4}
    assert len(per_project) == 360
    assert ChainAssignment.objects.filter(end_date__year=2026).count() >= 10
    lingdao = User.objects.get(username="lingdao")
    assert current.filter(person=lingdao.person, role__is_leader=True).count() >= 10


def test_withdrawals_went_through_request_and_review(demo, db):
    approved = Withdrawal.objects.filter(status=WithdrawalStatus.APPROVED)
    assert approved.exists()
    assert Withdrawal.objects.filter(status=WithdrawalStatus.PENDING).exists()
    assert set(approved.values_list("reviewer__username", flat=True)) == {"shenhe"}
    for withdrawal in approved:
        assert withdrawal.project.stage == Stage.WITHDRAWN
        assert withdrawal.reason
        assert StageChange.objects.filter(project=withdrawal.project, to_stage="withdrawn").exists()


def test_factor_gaps_and_task_forces_exist(demo, db):
    assert any(f.gap > 0 for f in FactorGuarantee.objects.all())
    assert TaskForce.objects.count() >= 5
    assert all(tf.memberships.count() >= 3 for tf in TaskForce.objects.all())


def test_writes_went_through_services_with_history(demo, db):
    project = Project.objects.filter(stage=Stage.CONSTRUCTION).first()
    history_users = set(project.history.values_list("history_user__username", flat=True))
    assert history_users == {project.region.users.get(role=Role.OFFICIAL).username}
    assert project.stage_changes.filter(to_stage=Stage.CONSTRUCTION).exists()
    assert MonthlyReport.history.count() == MonthlyReport.objects.count()
    assert MonthlyPlan.history.count() == MonthlyPlan.objects.count()


@pytest.mark.parametrize("username", LOGINS)
def test_demo_logins_work(demo, db, client, username):
    response = client.post(
        "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_users_have_their_roles_and_regions(demo, db):
    users = {u.username: u for u in User.objects.select_related("region")}
    assert users["admin"].is_superuser
    assert (users["city"].role, users["city"].region_id) == (Role.ADMIN, "370200")
    assert (users["shenhe"].role, users["shenhe"].region_id) == (Role.REVIEWER, "370200")
    assert (users["xihaian"].role, users["xihaian"].region.name) == (Role.OFFICIAL, "西海岸新区")
    assert (users["jiaozhou"].region_id, users["laixi"].region_id) == ("370281", "370285")
    assert users["lingdao"].role == Role.LEADER and users["lingdao"].person is not None


def test_colours_all_occur_when_recompute_is_installed(demo, db):
    pytest.importorskip("assessment.recompute")
    from assessment.models import ProjectStatus

    colours = set(
        ProjectStatus.objects.filter(year=2026, month=10).values_list("colour", flat=True)
    )
    assert {"green", "white", "yellow", "red"} <= colours


def test_second_run_changes_nothing_and_writes_no_history(demo, db):
    before = row_counts()
    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        call_command("seed_demo", stdout=out)

    assert row_counts() == before
    assert "未作改动" in out.getvalue()


def test_second_run_is_fast(demo, db, django_assert_max_num_queries):
    # Regions (read), reference data, units and people, users, existing project codes, the
    # boundaries already loaded (4): a handful of reads, nothing per project.
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(19):
        result = seed_demo(extras=False)
    assert not result.changed
    assert result.projects_skipped == 360
