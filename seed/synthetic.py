"""The synthetic project: everything about one made-up key project, decided from a
`random.Random` before anything is written.

`plan_project(rng, level=…, scenario=…, district=…, timeline=…)` returns a `ProjectPlan`: its
template, name and owner, total investment, the stages it went through and its dates, 纳统,
the annual plans of each year (with revisions and, for some, a monthly plan following the
seasonal shape), the monthly reports, the milestones, the factor guarantees, the four-in-one
chain and its changes, a withdrawal. The same rng gives the same plan. No database access: the
people are whatever the caller puts in the `District` (the demo seed passes `Person` rows, the
benchmark dataset their ids), and the caller writes the plan its own way (`seed.demo` through
the ledger services with history, `seed.dataset` as rows for COPY).

The lifecycle follows the scenario the caller picked (`Scenario`: under construction since
before the reports begin, a new start of this year that has or has not started, completed
last year or this, in operation, in the planning pool, withdrawn); dates are relative to the
`Timeline` (today, and the months reports run from and to).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Generic, NamedTuple, TypeVar

from core.periods import Period
from projects.choices import FactorKind, Level, MilestoneKind, Stage

from .vocabulary import (
    BRANDS,
    BUILD_MILESTONES,
    DEPARTMENTS,
    FRONT_MILESTONES,
    GIVEN_FIRST,
    GIVEN_SECOND,
    PARKS,
    REPORT_NOTES,
    REVISION_REASONS_DOWN,
    REVISION_REASONS_UP,
    ROADS,
    SURNAMES,
    TEMPLATES,
    WITHDRAWAL_REASONS,
    Template,
)

ZERO = Decimal("0.00")
MIN_TOTAL = Decimal("1000.00")
LEVELS = (Level.PROVINCIAL, Level.CITY, Level.DISTRICT)
LEVEL_SHARES = ((Level.PROVINCIAL, 10), (Level.CITY, 30), (Level.DISTRICT, 60))
# Total investment of a template's bounds, scaled by level.
LEVEL_SCALE: dict[str, float] = {Level.PROVINCIAL: 1.5, Level.CITY: 0.6, Level.DISTRICT: 0.25}

# Seasonality of monthly investment: slow first quarter (Spring Festival), year-end rush.
SEASON = dict(
    zip(
        range(1, 13),
        (0.05, 0.04, 0.08, 0.085, 0.09, 0.10, 0.085, 0.085, 0.095, 0.085, 0.085, 0.12),
        strict=True,
    )
)

# The paths through the planning pool (谋划 → 储备 → 在谈 → 签约) and their weights.
POOL_PATHS = (
    ((Stage.CONCEIVED,), 30),
    ((Stage.CONCEIVED, Stage.RESERVE), 30),
    ((Stage.RESERVE, Stage.NEGOTIATING), 15),
    ((Stage.RESERVE, Stage.NEGOTIATING, Stage.SIGNED), 15),
    ((Stage.RESERVE, Stage.SIGNED), 10),
)
FACTOR_KINDS = (
    FactorKind.LAND,
    FactorKind.ENERGY,
    FactorKind.CREDIT,
    FactorKind.SPECIAL_BOND,
    FactorKind.WATER,
    FactorKind.EMISSION,
    FactorKind.CENTRAL_BUDGET,
    FactorKind.TREASURY_BOND,
)
WITHDRAWAL_OUTCOMES = (("approved", 80), ("pending", 10), ("rejected", 10))
OVERDUE_NODE = "关键节点：主体工程形象进度"

P = TypeVar("P")  # a person, as the caller knows them (a Person row, an id)
T = TypeVar("T")


class Scenario(enum.StrEnum):
    """Where a project stands in its lifecycle."""

    ONGOING = "ongoing"  # 在建, started before this year
    NEW_STARTED = "new_started"  # planned to start this year, started
    NEW_LATE = "new_late"  # planned to start this year, not started although due
    NEW_FUTURE = "new_future"  # planned to start later this year
    COMPLETED_LAST_YEAR = "completed_last_year"
    COMPLETED_THIS_YEAR = "completed_this_year"
    OPERATING = "operating"
    PIPELINE = "pipeline"  # 谋划 / 储备 / 在谈 / 签约, starting next year or later
    WITHDRAWN = "withdrawn"  # 退库 requested (approved, pending or rejected)

    @property
    def in_pool(self) -> bool:
        """Still in the planning pool: no plans, no reports."""
        return self in (Scenario.PIPELINE, Scenario.WITHDRAWN)


NEW_STARTS = (Scenario.NEW_STARTED, Scenario.NEW_LATE, Scenario.NEW_FUTURE)


# --- Small helpers ---------------------------------------------------------------------------


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One item of (item, weight) pairs, drawn with one `rng.random()`: for whole-number weights
    the item `rng.choices(items, weights)` gives."""
    pick = rng.random() * sum(w for _item, w in pairs)
    for item, w in pairs:
        pick -= w
        if pick < 0:
            return item
    return pairs[-1][0]


def money(value: float) -> Decimal:
    """万元 to the cent (never negative), rounded half-even on the float's exact value."""
    return Decimal(f"{max(value, 0.0):.2f}")


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from `start` to `end` inclusive (`start` if the span is empty)."""
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), the month's last day where it is shorter."""
    period = Period.of(day).shifted(months)
    return period.start.replace(day=min(day.day, period.end.day))


def months_of(year: int, first: dt.date, last: dt.date) -> range:
    """The months (1–12) of `year` from `first`'s to `last`'s, both clamped to the year (none if
    `last` falls in an earlier month than `first`)."""
    december = Period(year, 12).index
    low = max(Period.of(first).index, december - 11)
    high = min(Period.of(last).index, december)
    return range(low - december + 12, high - december + 13)


def person_name(rng: random.Random, taken: set[str]) -> str:
    """A Chinese name of two or three characters not in `taken` (added to it)."""
    for _attempt in range(200):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_FIRST)
        if rng.random() < 0.8:
            name += rng.choice(GIVEN_SECOND)
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("name pool exhausted")


def short_place(name: str) -> str:
    """八大关街道 → 八大关, 泊里镇 → 泊里, 西海岸新区 → 西海岸."""
    for suffix in ("街道", "新区", "镇", "区", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


# --- What the generator is given ---------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Today, and the months monthly reports run over: from `first_report` to last month."""

    today: dt.date
    first_report: Period

    @cached_property
    def last_report(self) -> Period:
        return Period.latest_complete(self.today)

    @property
    def last_month_end(self) -> dt.date:
        return self.last_report.end

    @property
    def this_year(self) -> int:
        """The year of last month: in January, the year just ended."""
        return self.last_report.year

    @property
    def years(self) -> range:
        """The years with annual plans: those of the reports."""
        return range(self.first_report.year, self.this_year + 1)

    def day(self, years: int, month: int, day: int) -> dt.date:
        """A day of this year (`years` 0), of last year (-1), of next year (1) …"""
        return dt.date(self.this_year + years, month, day)


@dataclass(frozen=True)
class Town(Generic[P]):
    """A town or sub-district a project can be in: the place in its name, the office's head."""

    place: str
    head: P
    ref: object = None  # the caller's own handle (the town's Region)


@dataclass(frozen=True)
class District(Generic[P]):
    """A district as the generator sees it: names, performance against plan, its people."""

    name: str  # 西海岸新区
    city: str  # 青岛: owner companies are named after it
    towns: Sequence[Town[P]]
    leaders: Sequence[P]  # district leaders; the first carries the most projects
    staff: Sequence[P]
    heads: Mapping[str, P]  # department key (vocabulary.DEPARTMENTS) → its head
    performance: float = 1.0  # investment against plan, on average (1.0 on plan)


# --- What it makes ---------------------------------------------------------------------------


@dataclass
class YearPlan:
    """One year's annual plan: the original, a revision (amount, reason), a monthly plan."""

    year: int
    plan: Decimal
    new_start: bool
    planned_completion: bool
    revision: tuple[Decimal, str] | None = None
    monthly: dict[int, Decimal] | None = None

    @property
    def current(self) -> Decimal:
        return self.revision[0] if self.revision else self.plan


class Report(NamedTuple):
    """One monthly report (a tuple: there are millions at benchmark scale)."""

    year: int
    month: int
    amount: Decimal
    note: str


@dataclass(frozen=True)
class MilestonePlan(Generic[P]):
    kind: str
    name: str
    due: dt.date
    done_on: dt.date | None
    responsible: P


@dataclass(frozen=True)
class FactorPlan:
    kind: str
    demand: Decimal
    secured: Decimal
    note: str


@dataclass(frozen=True)
class ChainChange(Generic[P]):
    role: str
    person: P
    on: dt.date


@dataclass(frozen=True)
class WithdrawalPlan:
    outcome: str  # approved, pending, rejected
    reason: str
    requested_on: dt.date


@dataclass
class Lifecycle:
    """The stages a project went through [(stage, day)], the first its stage at creation, and
    its dates; `stalled_months`: months without reports up to last month."""

    stages: list[tuple[str, dt.date]] = field(default_factory=list)
    start: dt.date | None = None
    completion: dt.date | None = None
    operation: dt.date | None = None
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    stalled_months: int = 0

    @property
    def created_on(self) -> dt.date:
        return self.stages[0][1]


@dataclass
class ProjectPlan(Generic[P]):
    """Everything about one synthetic project."""

    level: str
    scenario: Scenario
    town: Town[P]
    template: Template
    name: str  # as the template makes it (the caller may need to make it unique)
    owner: str
    total: Decimal
    life: Lifecycle
    statistics_date: dt.date | None  # 纳统 on that day, or not in statistics
    years: list[YearPlan]
    reports: list[Report]
    milestones: list[MilestonePlan[P]]
    factors: list[FactorPlan]
    chain: dict[str, tuple[P, dt.date]]  # role code → (person, from)
    chain_changes: list[ChainChange[P]]
    withdrawal: WithdrawalPlan | None
    jitter: tuple[float, float]  # offsets of latitude and longitude from the district's centre

    @property
    def department(self) -> str:
        """The responsible department's key."""
        return self.template.department

    @property
    def categories(self) -> list[str]:
        """Category codes: the template's, 重大建设类 for provincial and city projects under
        way, 重大准备类 for the pool."""
        codes = list(self.template.categories)
        if self.level != Level.DISTRICT and not self.scenario.in_pool:
            codes.append("major_construction")
        if self.scenario == Scenario.PIPELINE:
            codes.append("major_preparation")
        return list(dict.fromkeys(codes))


# --- The generator -----------------------------------------------------------------------------


def plan_project(
    rng: random.Random,
    *,
    level: str,
    scenario: Scenario,
    district: District[P],
    timeline: Timeline,
) -> ProjectPlan[P]:
    """One synthetic project of `level` in `district`, living `scenario` (see the module)."""
    town = rng.choice(district.towns)
    level_index = LEVELS.index(level)
    template = weighted(rng, [(t, t.level_weights[level_index]) for t in TEMPLATES])
    brand = rng.choice(BRANDS)
    name = _name(rng, template, brand, town.place, district.name)
    low, high = template.investment
    total = max(money(log_uniform(rng, low, high) * LEVEL_SCALE[level]), MIN_TOTAL)
    owner = _owner(rng, template, brand, district)
    duration = rng.randint(18, 48) if level != Level.DISTRICT else rng.randint(10, 30)
    life = _lifecycle(rng, scenario, duration, timeline)
    statistics_date = _statistics(rng, life, timeline.today)
    factor = _performance(rng, district.performance, life.stalled_months)
    years, reports = _plans_and_reports(rng, scenario, life, total, duration, factor, timeline)
    head = district.heads[template.department]
    milestones = _milestones(rng, life, duration, head, district, timeline.today)
    factors = _factors(rng, total)
    chain, changes = _chain(rng, scenario, life.created_on, town, template, district, timeline)
    withdrawal = _withdrawal(rng, life, timeline.today) if scenario == Scenario.WITHDRAWN else None
    jitter = (rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06))
    return ProjectPlan(
        level=level,
        scenario=scenario,
        town=town,
        template=template,
        name=name,
        owner=owner,
        total=total,
        life=life,
        statistics_date=statistics_date,
        years=years,
        reports=reports,
        milestones=milestones,
        factors=factors,
        chain=chain,
        chain_changes=changes,
        withdrawal=withdrawal,
        jitter=jitter,
    )


def _name(rng: random.Random, template: Template, brand: str, place: str, district: str) -> str:
    return template.pattern.format(
        brand=brand,
        place=place,
        district=district,
        park=rng.choice(PARKS),
        phase=rng.choice(["一期", "二期", "三期"]),
        n=rng.randint(2, 68),
        road=rng.choice(ROADS),
    )


def _owner(rng: random.Random, template: Template, brand: str, district: District) -> str:
    """The owner company: the brand's for a branded industrial project, otherwise the
    district's investment group, its bureau (schools, hospitals) or its city-building group."""
    key, city, place = template.department, district.city, short_place(district.name)
    if key in ("gxj", "swj", "fgj") and "{brand}" in template.pattern:
        return f"{city}{brand}{rng.choice(['科技', '实业', '新能源', '智能装备'])}有限公司"
    if key in ("gxj", "swj", "fgj"):
        return f"{city}{place}{rng.choice(['发展集团', '投资控股集团'])}有限公司"
    if key in ("jyj", "wjj"):
        return f"{district.name}{DEPARTMENTS[key]}"
    return f"{city}{place}城市建设投资集团有限公司"


# Lifecycle ------------------------------------------------------------------------------------


def _lifecycle(rng: random.Random, scenario: Scenario, duration: int, t: Timeline) -> Lifecycle:
    if scenario in NEW_STARTS:
        return _new_start(rng, scenario, duration, t)
    if scenario.in_pool:
        return _in_pool(rng, duration, t)
    return _under_way(rng, scenario, duration, t)


def _under_way(rng: random.Random, scenario: Scenario, duration: int, t: Timeline) -> Lifecycle:
    """Started before this year: under construction, completed or in operation."""
    life = Lifecycle()
    start, completion = _start_and_completion(rng, scenario, t)
    life.start, life.completion = start, completion
    if scenario == Scenario.OPERATING:
        assert completion is not None  # an operating project was completed
        life.operation = add_months(completion, rng.randint(1, 4))
        if life.operation >= t.today:
            life.operation = completion + dt.timedelta(days=20)
    life.planned_start = start + dt.timedelta(days=rng.randint(-45, 20))
    life.planned_completion = _planned_completion(rng, life, duration, t)
    created_on = start - dt.timedelta(days=rng.randint(60, 400))
    life.stages.append((rng.choice([Stage.RESERVE, Stage.SIGNED]), created_on))
    if life.stages[0][0] == Stage.RESERVE:
        life.stages.append((Stage.SIGNED, random_day(rng, created_on, life.start)))
    life.stages.append((Stage.CONSTRUCTION, life.start))
    if life.completion:
        life.stages.append((Stage.COMPLETED, life.completion))
    if life.operation:
        life.stages.append((Stage.OPERATING, life.operation))
    if scenario == Scenario.ONGOING and rng.random() < 0.07:
        life.stalled_months = rng.choice([2, 2, 3, 4])
    return life


def _start_and_completion(
    rng: random.Random, scenario: Scenario, t: Timeline
) -> tuple[dt.date, dt.date | None]:
    day = t.day
    if scenario == Scenario.ONGOING:
        # From 22 months before the first reported month to its tenth (when reports run from
        # January of last year: from March two years before to October of last year).
        first = t.first_report
        start = random_day(rng, first.shifted(-22).start, first.shifted(9).end)
        return start, None
    if scenario == Scenario.COMPLETED_LAST_YEAR:
        start = random_day(rng, day(-4, 3, 1), day(-2, 6, 30))
        return start, random_day(rng, day(-1, 3, 1), day(-1, 12, 20))
    if scenario == Scenario.COMPLETED_THIS_YEAR:
        start = random_day(rng, day(-3, 3, 1), day(-1, 5, 31))
        end = t.last_month_end - dt.timedelta(days=5)
        return start, random_day(rng, day(0, 1, 15), end)
    start = random_day(rng, day(-4, 3, 1), day(-3, 6, 30))  # in operation
    return start, random_day(rng, day(-2, 6, 1), day(-1, 9, 30))


def _planned_completion(rng: random.Random, life: Lifecycle, duration: int, t: Timeline) -> dt.date:
    """Near the completion (same year); else start + duration, or the end of this year or the
    middle of the next where that has passed."""
    assert life.start is not None  # a started project
    if life.completion:
        planned = life.completion + dt.timedelta(days=rng.randint(-40, 30))
        return planned if planned.year == life.completion.year else life.completion
    planned = add_months(life.start, duration)
    if planned >= t.today:
        return planned
    return t.day(0, 12, 31) if rng.random() < 0.5 else t.day(1, 6, 30)


def _new_start(rng: random.Random, scenario: Scenario, duration: int, t: Timeline) -> Lifecycle:
    """Planned to start this year: started, late, or due later this year."""
    life = Lifecycle()
    today = t.today
    if scenario == Scenario.NEW_STARTED:
        life.planned_start = random_day(
            rng, t.day(0, 1, 10), t.last_month_end - dt.timedelta(days=10)
        )
        start = life.planned_start + dt.timedelta(days=rng.randint(-30, 60))
        life.start = min(max(start, t.day(0, 1, 5)), today - dt.timedelta(days=3))
        if rng.random() < 0.04:
            life.stalled_months = 2
    elif scenario == Scenario.NEW_LATE:
        life.planned_start = random_day(
            rng, t.day(0, 2, 1), t.last_month_end - dt.timedelta(days=5)
        )
    else:
        life.planned_start = random_day(rng, today + dt.timedelta(days=5), t.day(0, 12, 28))
    life.planned_completion = add_months(life.planned_start, duration)
    created_on = random_day(rng, t.day(-2, 6, 1), t.day(-1, 10, 31))
    first = rng.choice([Stage.CONCEIVED, Stage.RESERVE, Stage.RESERVE])
    life.stages.append((first, created_on))
    if first == Stage.CONCEIVED:
        life.stages.append((Stage.RESERVE, random_day(rng, created_on, t.day(-1, 12, 31))))
    signed_on = random_day(
        rng, t.day(0, 1, 2), min(life.planned_start, today) - dt.timedelta(days=1)
    )
    if life.start:
        signed_on = min(signed_on, life.start)
    if scenario != Scenario.NEW_FUTURE or rng.random() < 0.6:
        life.stages.append((Stage.SIGNED, max(signed_on, life.stages[-1][1])))
    if life.start:
        life.stages.append((Stage.CONSTRUCTION, life.start))
    return life


def _in_pool(rng: random.Random, duration: int, t: Timeline) -> Lifecycle:
    """In the planning pool since last year or the year before; a planned start from next
    spring for those past 谋划."""
    life = Lifecycle()
    today = t.today
    day = random_day(rng, t.day(-2, 3, 1), today - dt.timedelta(days=20))
    path = weighted(rng, POOL_PATHS)
    for stage in path:
        life.stages.append((stage, day))
        day = random_day(rng, day + dt.timedelta(days=20), today - dt.timedelta(days=1))
        if day >= today:
            break
    if path[-1] != Stage.CONCEIVED:
        life.planned_start = random_day(rng, t.day(1, 3, 1), t.day(2, 6, 30))
        life.planned_completion = add_months(life.planned_start, duration)
    return life


def _statistics(rng: random.Random, life: Lifecycle, today: dt.date) -> dt.date | None:
    """纳统: most started projects (all completed ones), ten to seventy-five days after the
    start; some not (yet)."""
    start = life.start
    if start and start < today and (rng.random() < 0.86 or life.completion):
        day = start + dt.timedelta(days=rng.randint(10, 75))
        if day < today:
            return day
    return None


def _performance(rng: random.Random, district: float, stalled_months: int) -> float:
    """Investment against plan. With the year-end rush, January–October is ~80% of a year's
    work while time progress is 83.3%: a project on plan runs ~1.1. Some far behind (red on
    progress), some ahead (green); a stalled project slower."""
    factor = 1.1 * district * math.exp(rng.gauss(0, 0.15))
    roll = rng.random()
    if roll < 0.06:
        factor *= 0.5
    elif roll < 0.18:
        factor *= 1.2
    if stalled_months:
        factor *= 0.7
    return factor


# Plans and reports ----------------------------------------------------------------------------


def _plans_and_reports(
    rng: random.Random,
    scenario: Scenario,
    life: Lifecycle,
    total: Decimal,
    duration: int,
    factor: float,
    t: Timeline,
) -> tuple[list[YearPlan], list[Report]]:
    """The annual plan of each year the project works in (its share of the total by the months
    it is planned to work that year) and, once started, the monthly reports against it."""
    years: list[YearPlan] = []
    reports: list[Report] = []
    if scenario.in_pool:
        return years, reports
    invested_share = 0.0
    for year in t.years:
        plan_months = _plan_months(life, year)
        if plan_months is None:
            continue
        months_share = len(plan_months) / max(duration, 1)
        share = min(months_share * rng.uniform(0.85, 1.15), max(0.05, 1 - invested_share))
        invested_share += share
        spec = _year_plan(rng, year, money(float(total) * share), plan_months, life, t)
        years.append(spec)
        if life.start:
            reports += _reports(rng, year, spec.plan, plan_months, life, factor, t)
    return years, reports


def _plan_months(life: Lifecycle, year: int) -> list[int] | None:
    """The months of `year` the project is planned to work in (December if none), or None if
    the year has no plan (before the start, after the completion)."""
    run_start = life.start or life.planned_start
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if run_start is None or run_start > last_day:
        return None
    if life.completion and life.completion < first_day:
        return None
    plan_from = max(life.planned_start or run_start, first_day)
    plan_to = min(life.planned_completion or last_day, last_day)
    if life.completion and life.completion.year == year:
        plan_to = max(plan_to, life.completion)
    return list(months_of(year, plan_from, plan_to)) or [12]


def _year_plan(
    rng: random.Random,
    year: int,
    plan: Decimal,
    plan_months: list[int],
    life: Lifecycle,
    t: Timeline,
) -> YearPlan:
    """The year's plan, revised for some (mostly down, 调减; this year also up, 调增), with a
    monthly plan following the seasonal shape for some of this year's."""
    spec = YearPlan(
        year=year,
        plan=plan,
        new_start=bool(life.planned_start and life.planned_start.year == year),
        planned_completion=bool(life.planned_completion and life.planned_completion.year == year),
    )
    if year == t.this_year and rng.random() < 0.12:
        if rng.random() < 0.7:
            new = money(float(plan) * rng.uniform(0.55, 0.85))
            spec.revision = (new, rng.choice(REVISION_REASONS_DOWN))
        else:
            new = money(float(plan) * rng.uniform(1.1, 1.3))
            spec.revision = (new, rng.choice(REVISION_REASONS_UP))
    elif year < t.this_year and rng.random() < 0.05:
        new = money(float(plan) * rng.uniform(0.7, 0.9))
        spec.revision = (new, rng.choice(REVISION_REASONS_DOWN))
    if year == t.this_year and rng.random() < 0.22:
        spec.monthly = seasonal_split(spec.current, plan_months)
    return spec


def seasonal_split(amount: Decimal, plan_months: list[int]) -> dict[int, Decimal] | None:
    """`amount` spread over the months by the seasonal shape, the last month taking what the
    rounding left (None where that would be negative)."""
    weight_sum = sum(SEASON[m] for m in plan_months)
    amounts = {m: money(float(amount) * SEASON[m] / weight_sum) for m in plan_months}
    amounts[plan_months[-1]] += amount - sum(amounts.values())
    return amounts if amounts[plan_months[-1]] >= 0 else None


def _reports(
    rng: random.Random,
    year: int,
    plan: Decimal,
    plan_months: list[int],
    life: Lifecycle,
    factor: float,
    t: Timeline,
) -> list[Report]:
    """The year's monthly reports, from the start (or the first reported month) to last month,
    the completion, or the month a stalled project stopped reporting: against the original
    plan, shaped by the season, ±25%, now and then nothing done."""
    assert life.start is not None  # only started projects report
    weight_sum = sum(SEASON[m] for m in plan_months)
    last_report = t.last_report
    if life.completion:
        last_report = min(last_report, Period.of(life.completion))
    if life.stalled_months:
        last_report = t.last_report.shifted(-life.stalled_months)
    report_from = max(life.start, dt.date(year, 1, 1), t.first_report.start)
    reports, planned = [], float(plan)
    for month in months_of(year, report_from, last_report.end):
        season = SEASON[month] / weight_sum
        amount = money(planned * season * factor * rng.uniform(0.75, 1.25))
        if rng.random() < 0.03:
            amount = ZERO
        reports.append(Report(year, month, amount, rng.choice(REPORT_NOTES)))
    return reports


# Milestones, factors, chain, withdrawal -------------------------------------------------------


def _milestones(
    rng: random.Random, life: Lifecycle, duration: int, head: P, district: District[P], today
) -> list[MilestonePlan[P]]:
    """The four 前期手续 before the (planned) start; once started and until completed, the
    construction nodes over the planned duration (`head`, the responsible department's, answers
    for them), one more of them overdue for some (within 30 days: yellow; longer: red)."""
    milestones = []
    anchor = life.start or life.planned_start
    if anchor:
        for kind, label, department, days_before in FRONT_MILESTONES:
            due = anchor - dt.timedelta(days=days_before + rng.randint(-10, 10))
            done_on = _front_done(rng, due, life.start, today)
            milestones.append(MilestonePlan(kind, label, due, done_on, district.heads[department]))
    if life.start and not life.completion:
        milestones += _construction_nodes(rng, life, duration, head, today)
    return milestones


def _front_done(rng: random.Random, due: dt.date, start: dt.date | None, today: dt.date):
    """Done by the start once started; before, about half of those due are done, some late."""
    if start:
        return min(due + dt.timedelta(days=rng.randint(-20, 15)), start)
    if due < today and rng.random() < 0.55:
        done_on = due + dt.timedelta(days=rng.randint(-10, 20))
        return min(done_on, today - dt.timedelta(days=1))
    return None


def _construction_nodes(
    rng: random.Random, life: Lifecycle, duration: int, head: P, today: dt.date
) -> list[MilestonePlan[P]]:
    start = life.start
    assert start is not None  # construction nodes: once started
    end = life.planned_completion or add_months(start, duration)
    span = max((end - start).days, 60)
    roll = rng.random()
    nodes = []
    for index, label in enumerate(BUILD_MILESTONES):
        due = start + dt.timedelta(days=span * (index + 1) // len(BUILD_MILESTONES))
        done_on = None
        if due < today:
            done_on = min(due + dt.timedelta(days=rng.randint(-25, 10)), today)
            done_on = max(min(done_on, today - dt.timedelta(days=1)), start)
        nodes.append(MilestonePlan(MilestoneKind.CONSTRUCTION, label, due, done_on, head))
    if roll < 0.14:
        late = rng.randint(5, 28) if roll < 0.08 else rng.randint(35, 120)
        due = today - dt.timedelta(days=late)
        nodes.append(MilestonePlan(MilestoneKind.CONSTRUCTION, OVERDUE_NODE, due, None, head))
    return nodes


def _factors(rng: random.Random, total: Decimal) -> list[FactorPlan]:
    """One to three factor guarantees, each in its own unit; some with a gap."""
    factors = []
    count = rng.randint(1, 3)
    for kind in rng.sample(FACTOR_KINDS, k=count):
        demand = _factor_demand(rng, kind, total)
        if rng.random() < 0.3:
            secured = money(float(demand) * rng.uniform(0.2, 0.9))
            factors.append(FactorPlan(kind, demand, secured, "缺口正在协调解决"))
        else:
            factors.append(FactorPlan(kind, demand, demand, ""))
    return factors


def _factor_demand(rng: random.Random, kind: str, total: Decimal) -> Decimal:
    if kind == FactorKind.LAND:
        return money(rng.uniform(20, 600))  # 亩
    if kind in (FactorKind.ENERGY, FactorKind.EMISSION):
        return money(rng.uniform(200, 20000))
    if kind == FactorKind.WATER:
        return money(rng.uniform(1, 80))
    return money(float(total) * rng.uniform(0.05, 0.4))  # funding, 万元


def _chain(
    rng: random.Random,
    scenario: Scenario,
    since: dt.date,
    town: Town[P],
    template: Template,
    district: District[P],
    t: Timeline,
) -> tuple[dict[str, tuple[P, dt.date]], list[ChainChange[P]]]:
    """四包一 from the project's creation: a district leader (the first carries the most), the
    responsible department's head, the town's head, a member of staff; for some projects under
    way one of them changed this year."""
    leaders, staff = district.leaders, district.staff
    leader = leaders[0] if rng.random() < 0.45 else rng.choice(leaders[1:])
    chain = {
        "leader": (leader, since),
        "department_head": (district.heads[template.department], since),
        "town_head": (town.head, since),
        "staff": (rng.choice(staff), since),
    }
    changes = []
    if not scenario.in_pool and rng.random() < 0.12:
        role = rng.choice(["leader", "staff", "department_head"])
        day = random_day(rng, t.day(0, 3, 1), t.today - dt.timedelta(days=1))
        if role == "leader":
            replacement = rng.choice([p for p in leaders if p != leader])
        elif role == "staff":
            replacement = rng.choice([p for p in staff if p != chain["staff"][0]])
        else:
            other = rng.choice([k for k in DEPARTMENTS if k != template.department])
            replacement = district.heads[other]
        changes.append(ChainChange(role, replacement, max(day, since)))
    return chain, changes


def _withdrawal(rng: random.Random, life: Lifecycle, today: dt.date) -> WithdrawalPlan:
    outcome = weighted(rng, WITHDRAWAL_OUTCOMES)
    requested_on = random_day(rng, life.stages[-1][1], today - dt.timedelta(days=2))
    return WithdrawalPlan(outcome, rng.choice(WITHDRAWAL_REASONS), requested_on)
