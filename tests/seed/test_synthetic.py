"""The synthetic-project generator (seed.synthetic) that the demo seed and the benchmark dataset
share: deterministic, shaped like the ledger's rules, no database."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from core.periods import Period
from projects.choices import Level, Stage
from seed.synthetic import (
    SEASON,
    District,
    Scenario,
    Timeline,
    Town,
    add_months,
    money,
    months_of,
    plan_project,
    seasonal_split,
    weighted,
)
from seed.vocabulary import DEPARTMENTS

TODAY = dt.date(2026, 11, 23)
TIMELINE = Timeline(today=TODAY, first_report=Period(2025, 1))
DISTRICT = District(
    name="西海岸新区",
    city="青岛",
    towns=[Town("泊里", 100), Town("灵山卫", 101)],
    leaders=[1, 2, 3],
    staff=[7, 8, 9],
    heads={key: 10 + n for n, key in enumerate(DEPARTMENTS)},
)


def plan(scenario, seed=1, level=Level.CITY, timeline=TIMELINE):
    return plan_project(
        random.Random(seed), level=level, scenario=scenario, district=DISTRICT, timeline=timeline
    )


def plans(scenario, count=60, **kwargs):
    return [plan(scenario, seed=seed, **kwargs) for seed in range(count)]


def test_the_same_rng_gives_the_same_project():
    assert plan(Scenario.ONGOING, seed=5) == plan(Scenario.ONGOING, seed=5)
    assert plan(Scenario.ONGOING, seed=5) != plan(Scenario.ONGOING, seed=6)


def test_weighted_draws_the_item_rng_choices_draws_for_whole_weights():
    pairs = [("a", 40), ("b", 0), ("c", 18), ("d", 4), ("e", 38)]
    items, weights = zip(*pairs, strict=True)
    for seed in range(3000):
        expected = random.Random(seed).choices(items, weights=weights)[0]
        assert weighted(random.Random(seed), pairs) == expected


def test_money_is_to_the_cent_and_never_negative():
    assert money(12.3) == Decimal("12.30") and str(money(12.3)) == "12.30"
    assert money(1234.5678) == Decimal("1234.57")
    assert money(-3.0) == Decimal("0.00")


def test_months_of_a_year_are_clamped_to_it():
    assert months_of(2026, dt.date(2025, 11, 3), dt.date(2026, 3, 1)) == range(1, 4)
    assert months_of(2026, dt.date(2026, 5, 31), dt.date(2027, 2, 1)) == range(5, 13)
    assert list(months_of(2026, dt.date(2026, 5, 1), dt.date(2026, 4, 30))) == []
    assert list(months_of(2026, dt.date(2027, 1, 1), dt.date(2027, 3, 1))) == []


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 3, 15), -3) == dt.date(2023, 12, 15)


def test_a_monthly_plan_adds_up_to_the_annual_plan_with_the_year_end_rush():
    amounts = seasonal_split(Decimal("1000.00"), list(range(3, 13)))
    assert sum(amounts.values()) == Decimal("1000.00")
    assert max(amounts, key=amounts.get) == 12 and SEASON[12] == max(SEASON.values())


def test_projects_under_way_report_every_month_up_to_last_month_at_most():
    for p in plans(Scenario.ONGOING):
        periods = [Period(r.year, r.month) for r in p.reports]
        assert periods == sorted(set(periods))
        assert Period(2025, 1) <= periods[0] and periods[-1] <= Period(2026, 10)
        assert [stage for stage, _on in p.life.stages][-1] == Stage.CONSTRUCTION
        assert p.life.start < TODAY and {y.year for y in p.years} == {2025, 2026}


def test_a_late_new_start_is_planned_for_this_year_but_has_no_start_and_no_reports():
    for p in plans(Scenario.NEW_LATE):
        assert p.life.start is None and not p.reports
        assert p.life.planned_start.year == 2026 and p.life.planned_start < TODAY
        assert [y.year for y in p.years if y.new_start] == [2026]


def test_the_planning_pool_has_no_plans_and_a_withdrawal_is_requested_after_the_last_move():
    for p in plans(Scenario.PIPELINE) + plans(Scenario.WITHDRAWN):
        assert not p.years and not p.reports and p.life.start is None
        assert p.life.stages[0][0] in (Stage.CONCEIVED, Stage.RESERVE)
    for p in plans(Scenario.WITHDRAWN):
        assert p.life.stages[-1][1] <= p.withdrawal.requested_on < TODAY


@pytest.mark.parametrize("scenario", list(Scenario))
def test_nothing_happens_after_today_and_the_chain_starts_with_the_project(scenario):
    for p in plans(scenario, count=30):
        assert all(on <= TODAY for _stage, on in p.life.stages)
        assert all(m.done_on is None or m.done_on < TODAY for m in p.milestones)
        assert p.statistics_date is None or p.statistics_date < TODAY
        assert set(p.chain) == {"leader", "department_head", "town_head", "staff"}
        assert {since for _person, since in p.chain.values()} == {p.life.created_on}


def test_reports_run_over_the_timeline_s_years_for_a_longer_benchmark_window():
    timeline = Timeline(today=TODAY, first_report=Period(2021, 11))
    reported = [plan(Scenario.ONGOING, seed=s, timeline=timeline).reports for s in range(40)]
    assert min((r[0].year, r[0].month) for r in reported if r) == (2021, 11)
    assert max(len(r) for r in reported) == 60
