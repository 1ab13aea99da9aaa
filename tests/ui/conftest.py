"""Data for the web UI's tests: two districts of Qingdao with projects on track and stalled,
computed for 2024-10 by the measures' own recompute, with time frozen in November 2024."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assessment.recompute import recompute_period
from projects.choices import Level, Stage
from projects.models import MonthlyReport, Project, ProjectYear

YEAR, MONTH = 2024, 10
PERIOD = f"{YEAR}-{MONTH:02d}"
NOW = dt.datetime(2024, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen_time():
    """Mid-November 2024: the latest complete reporting month is 2024-10."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def eager_celery(celery_eager):
    """Tasks run in-process here whatever the environment says (CI also runs with a broker)."""


def make_projects(region, count: int, *, prefix: str, stalled_every: int = 3) -> list[Project]:
    """`count` projects under construction in `region`, each with a 2024 plan of 1,200 万元;
    every `stalled_every`-th has no report at all (red), the others 100 万元 a month from
    January to October (on plan: 1,000 of 1,200 = 83.3% at 10/12)."""
    projects = Project.objects.bulk_create(
        Project(
            code=f"{prefix}-{i:03d}",
            name=f"{region.name}重点项目{i:03d}",
            region=region,
            level=[Level.PROVINCIAL, Level.CITY, Level.DISTRICT][i % 3],
            stage=Stage.CONSTRUCTION,
            total_investment=Decimal("10000.00"),
            planned_start=dt.date(2023, 3, 1),
            actual_start=dt.date(2023, 3, 1),
            in_statistics=True,
            statistics_date=dt.date(2023, 4, 1),
        )
        for i in range(count)
    )
    ProjectYear.objects.bulk_create(
        ProjectYear(
            project=p, year=YEAR, annual_plan=Decimal("1200"), original_plan=Decimal("1200")
        )
        for p in projects
    )
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            project=p, year=YEAR, month=m, completed_investment=Decimal("100"), note="按计划推进"
        )
        for i, p in enumerate(projects)
        if i % stalled_every
        for m in range(1, MONTH + 1)
    )
    return projects


def compute(year: int = YEAR, month: int = MONTH) -> None:
    recompute_period(year=year, month=month)


@pytest.fixture
def portfolio(regions):
    """Six projects in 市南区 (two stalled) and three in 市北区 (one stalled), computed."""
    district = make_projects(regions["district"], 6, prefix="SN")
    other = make_projects(regions["other"], 3, prefix="SB")
    compute()
    return {"district": district, "other": other}
