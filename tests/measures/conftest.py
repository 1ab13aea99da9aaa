"""Builders for the measures tests: projects with plans, reports, milestones and issues, written
straight to the tables (the services are tested elsewhere; here the data must match the
articles' figures exactly)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment.recompute import recompute_period
from projects.choices import Level, Stage
from projects.models import (
    ChainAssignment,
    ChainRole,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    Person,
    Project,
    ProjectYear,
    StageChange,
)
from supervision.choices import IssueStatus
from supervision.models import Issue
from tests.factories import ProjectFactory

TODAY = dt.date(2024, 11, 20)  # the recompute of 2024-10 runs after the month's end


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def build_project(
    region,
    *,
    code=None,
    level=Level.DISTRICT,
    stage=Stage.CONSTRUCTION,
    year=2024,
    plan=None,
    original=None,
    reports=None,
    monthly_plan=None,
    new_start=False,
    planned_finish=False,
    actual_start=dt.date(2023, 6, 1),
    planned_start=None,
    actual_completion=None,
    in_statistics=True,
    statistics_date=None,
    unit=None,
    **fields,
) -> Project:
    """A project with (optionally) a plan for `year` and monthly reports {month: amount}."""
    extra = {"code": code} if code else {}
    project: Project = ProjectFactory(  # type: ignore[assignment]  # a factory call gives the model
        region=region,
        level=level,
        stage=stage,
        actual_start=actual_start,
        planned_start=planned_start,
        actual_completion=actual_completion,
        in_statistics=in_statistics,
        statistics_date=statistics_date,
        responsible_unit=unit,
        **extra,
        **fields,
    )
    if plan is not None or new_start or planned_finish:
        py = ProjectYear.objects.create(
            project=project,
            year=year,
            annual_plan=None if plan is None else Decimal(plan),
            original_plan=Decimal(original if original is not None else plan)
            if plan is not None
            else None,
            new_start=new_start,
            planned_completion=planned_finish,
        )
        for month, amount in (monthly_plan or {}).items():
            MonthlyPlan.objects.create(project_year=py, month=month, amount=Decimal(amount))
    MonthlyReport.objects.bulk_create(
        MonthlyReport(project=project, year=year, month=month, completed_investment=Decimal(amount))
        for month, amount in (reports or {}).items()
    )
    return project


def every_month(amount, months=range(1, 11)) -> dict:
    return {m: amount for m in months}


def add_issues(project, *, total, resolved, year=2024, on_time=None, deadline=None) -> None:
    """`total` issues raised in March of `year`, `resolved` of them resolved in April (the first
    `on_time` by their deadline, the rest after it)."""
    on_time = resolved if on_time is None else on_time
    deadline = deadline or dt.date(year, 4, 10)
    issues = []
    for n in range(total):
        done = n < resolved
        late = n >= on_time
        issues.append(
            Issue(
                project=project,
                title=f"问题{n}",
                category="other",
                status=IssueStatus.CLOSED if done else IssueStatus.IN_PROGRESS,
                raised_at=aware(dt.date(year, 3, 1)),
                deadline=deadline,
                resolved_at=aware(deadline + dt.timedelta(days=5 if late else -1))
                if done
                else None,
            )
        )
    Issue.objects.bulk_create(issues)


def add_milestone(project, *, due, done_on=None, name="取得施工许可") -> Milestone:
    return Milestone.objects.create(project=project, name=name, due_date=due, done_on=done_on)


def move_stage(project, *, to_stage, on, from_stage="") -> StageChange:
    return StageChange.objects.create(
        project=project, from_stage=from_stage, to_stage=to_stage, changed_on=on
    )


def assign_leader(project, person: Person, *, start, end=None) -> ChainAssignment:
    return ChainAssignment.objects.create(
        project=project,
        role=ChainRole.objects.get(code="leader"),
        person=person,
        start_date=start,
        end_date=end,
    )


def compute(year=2024, month=10, region_code=None, today=TODAY):
    return recompute_period(year=year, month=month, region_code=region_code, today=today)


@pytest.fixture
def eager(celery_eager):
    """Celery tasks run in-process (the embedded default), whatever the environment says."""


@pytest.fixture
def broker(celery_broker):
    """Celery tasks go to a broker (CI with Redis): nothing runs in-process."""


@pytest.fixture(autouse=True)
def _per_process_cache(settings):
    """The measures' API tests count the queries of the embedded default, whose per-process
    cache makes the answers' key read the period tokens, and let transactions end without
    commit hooks; with CACHE_URL=redis://… in the environment they would run the shared
    cache's way instead (no query, invalidation on commit), which tests/api/test_shared_cache.py
    tests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
