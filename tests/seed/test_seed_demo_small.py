"""seed_demo at a small scale: deterministic, idempotent, and on top of existing data."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps

from projects.models import Milestone, MonthlyReport, Project, Region, User
from seed.demo import seed_demo

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_small_seed_is_deterministic_and_idempotent(db, frozen):
    first = seed_demo(projects=40, extras=False)
    snapshot = row_counts()
    names = list(Project.objects.order_by("code").values_list("code", "name", "total_investment"))

    again = seed_demo(projects=40, extras=False)

    assert first.created["projects"] == 40 and again.projects_skipped == 40
    assert not again.changed
    assert row_counts() == snapshot
    assert names[0][0].startswith("QD")
    assert len({name for _code, name, _total in names}) == 40


def test_seed_on_top_of_existing_regions_and_users(regions, city_official, frozen):
    # conftest's tree and the `city` login exist already: the seed keeps them.
    seed_demo(projects=20, extras=False)

    assert User.objects.get(username="city").pk == city_official.pk
    assert Region.objects.get(code="370202").name == "市南区"
    assert Project.objects.count() == 20


@pytest.mark.parametrize(
    ("today", "last_period"),
    [(dt.date(2027, 1, 10), (2026, 12)), (dt.date(2026, 3, 5), (2026, 2))],
    ids=["january", "march"],
)
def test_seed_on_other_days_reports_up_to_last_month_and_nothing_in_the_future(
    db, today, last_period
):
    seed_demo(projects=60, extras=False, today=today)

    periods = set(MonthlyReport.objects.values_list("year", "month"))
    assert max(periods) == last_period
    assert min(periods) == (last_period[0] - 1, 1)
    for field in ("actual_start", "actual_completion", "statistics_date", "operation_start"):
        assert not Project.objects.filter(**{f"{field}__gt": today}).exists(), field
    assert not Milestone.objects.filter(done_on__gt=today).exists()
