"""The synthetic benchmark dataset (`manage.py generate_dataset --projects N --years K --seed S`).

A province (code 990000, "99" is no real province) with cities and districts scaled to N (about
one district per 650 projects, at least 10; ten districts a city), units and people per district,
and N projects (codes `SYN-0000001` …) made by the synthetic-project generator (`seed.synthetic`)
from a benchmark mix of scenarios — mostly under construction, some new starts, completed, in
operation, in the planning pool, withdrawn —: annual plans, monthly plans for some, plan
revisions, monthly reports for the K×12 months ending last month, the four-in-one chains (some
changed), milestones (some overdue), factor guarantees, stage changes, withdrawals, 纳统 flags
and dates; and about three issues per project in every state (some overdue). Same seed, same
options and same day → same data: each project draws from its own `random.Random` seeded from
(seed, project number), so the batch size does not matter.

Speed: rows are generated as tuples, batch by batch (memory stays flat however large N is), and
written with COPY on PostgreSQL (psycopg 3 `cursor.copy`) or `bulk_create` on SQLite. Projects
and annual plans get their ids from the generator (the sequences are moved past them at the
end), so no row has to be read back. **No history rows** are written for synthetic data.

Synthetic data is recognisable: projects by the `SYN-` code prefix, regions by the `99` code
prefix (and everything attached to them). `flush_dataset()` removes exactly that, with raw
deletes child tables first (business models refuse `.delete()`), and leaves everything else.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from core.periods import Period
from projects.choices import RegionLevel, Role, Stage, UnitKind, WithdrawalStatus
from projects.models import (
    Category,
    ChainAssignment,
    ChainRole,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    StageChange,
    Unit,
    User,
    Withdrawal,
    region_prefix,
)
from supervision.models import Issue

from .synthetic import (
    LEVEL_SHARES,
    District,
    ProjectPlan,
    Scenario,
    Timeline,
    Town,
    person_name,
    plan_project,
    random_day,
    weighted,
)
from .vocabulary import DEPARTMENTS

PROJECT_PREFIX = "SYN-"
PROVINCE_CODE = "990000"
REGION_PREFIX = "99"
PROJECTS_PER_DISTRICT = 650
MIN_DISTRICTS = 10
DISTRICTS_PER_CITY = 10
SYN_USERS = ("syn_official", "syn_reviewer")

CITY_FIRST = "东西南北中新安平临永长宁泰昌兴"
CITY_SECOND = "阳山河城江海州丰泉原宁陵林川"

# The benchmark's scenario mix (per mille): a portfolio mostly under construction, as a
# province's key projects are.
SCENARIO_SHARES = (
    (Scenario.ONGOING, 850),
    (Scenario.NEW_STARTED, 30),
    (Scenario.NEW_LATE, 5),
    (Scenario.NEW_FUTURE, 5),
    (Scenario.COMPLETED_LAST_YEAR, 20),
    (Scenario.COMPLETED_THIS_YEAR, 25),
    (Scenario.OPERATING, 25),
    (Scenario.PIPELINE, 25),
    (Scenario.WITHDRAWN, 15),
)
# A district's leaders (title, how many), members of staff, town offices.
LEADERS = (("区委常委、副区长", 1), ("副区长", 2))
STAFF = 3
TOWN_OFFICES = 2
WITHDRAWAL_STATUS = {
    "approved": WithdrawalStatus.APPROVED,
    "pending": WithdrawalStatus.PENDING,
    "rejected": WithdrawalStatus.REJECTED,
}
ISSUE_STATUSES = (
    ("closed", 45),
    ("feedback", 10),
    ("resolved", 10),
    ("in_progress", 12),
    ("assigned", 10),
    ("collected", 8),
    ("escalated", 5),
)
ISSUE_DONE = {"closed", "feedback", "resolved"}
ISSUE_TITLES = {
    "land": ("用地指标不足，影响项目供地", "土地征收补偿未完成", "用地预审尚未批复"),
    "funding": ("项目资本金未足额到位", "银行授信审批进度慢", "专项债资金拨付滞后"),
    "environment": ("环评批复待取得", "排放总量替代指标缺口"),
    "energy": ("能耗指标缺口需协调", "节能审查未通过"),
    "approval": ("施工许可办理受阻", "规划方案审查未通过", "消防设计审查待办理"),
    "demolition": ("地上附着物拆迁未完成", "征地补偿存在争议"),
    "utilities": ("供电线路迁改滞后", "燃气、供水配套未接入", "施工用电容量不足"),
    "other": ("施工单位人员不足", "建材价格上涨影响进度", "周边群众诉求待协调"),
}
ISSUE_CATEGORIES = tuple(ISSUE_TITLES)


class DatasetError(Exception):
    pass


@dataclass
class DatasetResult:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    districts: int = 0
    cities: int = 0


def region_plan(projects: int) -> list[tuple[str, str, str | None, str]]:
    """(code, name, parent code, level) of the synthetic province, its cities and districts."""
    districts = max(MIN_DISTRICTS, round(projects / PROJECTS_PER_DISTRICT))
    cities = math.ceil(districts / DISTRICTS_PER_CITY)
    if cities > 99 or districts > 99 * 99:
        raise DatasetError("too many districts for the synthetic code range")
    rows: list[tuple[str, str, str | None, str]] = [
        (PROVINCE_CODE, "模拟省", None, RegionLevel.PROVINCE)
    ]
    names: set[str] = set()
    rng = random.Random("synthetic-regions")
    for c in range(cities):
        city_code = f"{REGION_PREFIX}{c + 1:02d}00"
        city_name = _place_name(rng, names)
        rows.append((city_code, f"{city_name}市", PROVINCE_CODE, RegionLevel.CITY))
        in_city = min(DISTRICTS_PER_CITY, districts - c * DISTRICTS_PER_CITY)
        for n in range(1, in_city + 1):
            name = _place_name(rng, names)
            suffix = "区" if n <= 6 else rng.choice(["县", "市"])
            rows.append(
                (
                    f"{REGION_PREFIX}{c + 1:02d}{n:02d}",
                    f"{name}{suffix}",
                    city_code,
                    RegionLevel.COUNTY,
                )
            )
    return rows


def _place_name(rng: random.Random, taken: set[str]) -> str:
    for _attempt in range(500):
        name = rng.choice(CITY_FIRST) + rng.choice(CITY_SECOND)
        if name not in taken:
            taken.add(name)
            return name
    name = f"{rng.choice(CITY_FIRST)}{rng.choice(CITY_SECOND)}{len(taken)}"
    taken.add(name)
    return name


def synthetic_exists() -> bool:
    return (
        Project.objects.filter(code__startswith=PROJECT_PREFIX).exists()
        or Region.objects.filter(code__startswith=REGION_PREFIX).exists()
    )


# --- Flush -----------------------------------------------------------------------------------


def flush_dataset(*, log: Callable[[str], None] | None = None) -> dict[str, int]:
    """Removes the synthetic data (SYN- projects, 99… regions) and every row attached to them
    (reports, plans, issues, computed statuses, …), child tables first. Raw deletes: the
    business models refuse `.delete()`. History rows (there are none for synthetic data) are
    left alone. Returns the rows removed per table."""
    removed: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        _purge(Project.objects.filter(code__startswith=PROJECT_PREFIX), removed, log, set())
        _purge(Region.objects.filter(code__startswith=REGION_PREFIX), removed, log, set())
    return dict(removed)


def _purge(queryset, removed, log, path: set) -> None:
    model = queryset.model
    label = model._meta.label
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        fk = rel.field
        if not getattr(fk, "db_constraint", True) or rel.related_model is model:
            continue  # history tables (no constraint), and self-references (same predicate)
        child = rel.related_model
        child_qs = child._base_manager.filter(**{f"{fk.name}__in": queryset.values("pk")})
        if rel.on_delete is models.SET_NULL:
            count = child_qs.update(**{fk.name: None})
            if count:
                removed[f"{child._meta.label}.{fk.name}=NULL"] += count
            continue
        if child._meta.label in path:
            continue
        _purge(child_qs, removed, log, path | {label})
    count = queryset._raw_delete(queryset.db)
    if count:
        removed[label] += count
        if log:
            log(f"  {label}: {count}")


# --- Generate --------------------------------------------------------------------------------


def generate_dataset(
    *,
    projects: int,
    years: int,
    seed: int,
    batch_size: int = 2000,
    today: dt.date | None = None,
    progress: bool = False,
) -> DatasetResult:
    if projects < 1 or years < 1 or batch_size < 1:
        raise DatasetError("--projects, --years and --batch-size must be positive")
    if synthetic_exists():
        raise DatasetError(
            "a synthetic dataset (SYN- projects / 99… regions) already exists; "
            "run with --flush to replace it"
        )
    started = time.monotonic()
    result = DatasetResult()
    writer = (PostgresWriter if connection.vendor == "postgresql" else BulkWriter)(result)
    generator = _Generator(
        projects=projects, years=years, seed=seed, today=today or timezone.localdate()
    )
    with transaction.atomic():
        generator.setup(writer, result)
    bar = _progress(projects, progress)
    for first in range(0, projects, batch_size):
        last = min(first + batch_size, projects)
        with transaction.atomic():
            for number in range(first, last):
                generator.project(number, writer)
            writer.flush()
        bar.update(last - first)
    bar.close()
    writer.reset_sequences()
    writer.analyze()
    result.seconds = time.monotonic() - started
    return result


def _progress(total: int, enabled: bool) -> tqdm:
    return tqdm(total=total, unit="项目", disable=not enabled, mininterval=1.0)


class _Table:
    """One table the generator writes: the model, the columns it fills, and the constant
    values of the model's other columns (fields added later by other parts of the code)."""

    def __init__(self, model, columns: tuple[str, ...], now: dt.datetime):
        self.model = model
        self.columns = columns
        self.extra_columns: list[str] = []
        self.extra_values: list = []
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.primary_key:
                continue
            if f.has_db_default():
                continue  # the database fills it
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default() or (f.empty_strings_allowed and not f.null):
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise DatasetError(
                    f"{model._meta.label}.{f.name} is required and has no default; "
                    "teach seed/dataset.py to fill it"
                )
            self.extra_columns.append(f.column)
            self.extra_values.append(f.get_db_prep_save(value, connection))
        self.extra = tuple(self.extra_values)
        column_of = {f.attname: f.column for f in model._meta.concrete_fields}
        quote = connection.ops.quote_name
        names = [quote(column_of[c]) for c in columns] + [quote(c) for c in self.extra_columns]
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({', '.join(names)}) FROM STDIN"


class _Writer:
    ORDER = (
        "project",
        "categories",
        "stagechange",
        "projectyear",
        "planrevision",
        "monthlyplan",
        "report",
        "milestone",
        "factor",
        "chain",
        "withdrawal",
        "issue",
    )

    def __init__(self, result: DatasetResult):
        self.result = result
        self.tables: dict[str, _Table] = {}
        self.rows: dict[str, list[tuple]] = defaultdict(list)

    def register(self, name: str, table: _Table) -> None:
        self.tables[name] = table

    def add(self, name: str, row: tuple) -> None:
        self.rows[name].append(row)

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.rows.pop(name, None)
            if rows:
                self.write(self.tables[name], rows)
                self.result.counts[self.tables[name].model._meta.db_table] += len(rows)

    def write(self, table: _Table, rows: list[tuple]) -> None:
        raise NotImplementedError

    def analyze(self) -> None:
        pass

    def reset_sequences(self) -> None:
        sql = connection.ops.sequence_reset_sql(no_style(), [Project, ProjectYear])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


class PostgresWriter(_Writer):
    """COPY … FROM STDIN through psycopg 3."""

    def analyze(self) -> None:
        """Fresh planner statistics, so a benchmark right after the load plans well."""
        with connection.cursor() as cursor:
            for table in self.tables.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.model._meta.db_table)}")

    def write(self, table: _Table, rows: list[tuple]) -> None:
        extra = table.extra
        with connection.cursor() as cursor, cursor.cursor.copy(table.copy_sql) as copy:
            write_row = copy.write_row
            if extra:
                for row in rows:
                    write_row(row + extra)
            else:
                for row in rows:
                    write_row(row)


class BulkWriter(_Writer):
    """bulk_create (SQLite and any other database)."""

    def write(self, table: _Table, rows: list[tuple]) -> None:
        model, columns = table.model, table.columns
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._base_manager.bulk_create(objs, batch_size=500)


@dataclass
class _District:
    """A synthetic district: its code, the generator's view of it (people as ids), the ids of
    its departments (key → unit id)."""

    code: str
    people: District[int]
    departments: dict[str, int]
    department_ids: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.department_ids = list(self.departments.values())


class _Generator:
    def __init__(self, *, projects: int, years: int, seed: int, today: dt.date):
        self.count = projects
        self.seed = seed
        self.today = today
        last = Period.latest_complete(today)
        self.timeline = Timeline(today=today, first_report=last.shifted(1 - 12 * years))
        self.window_start = self.timeline.first_report.start
        self.now = dt.datetime(
            today.year, today.month, today.day, 8, 0, tzinfo=timezone.get_current_timezone()
        )
        self.report_stamp: dict[tuple[int, int], dt.datetime] = {}

    # Regions, units, people, users ---------------------------------------------------------

    def setup(self, writer: _Writer, result: DatasetResult) -> None:
        regions = region_plan(self.count)
        Region.objects.bulk_create(
            [
                Region(code=c, name=n, parent_id=p, level=lv, prefix=region_prefix(c), order=i)
                for i, (c, n, p, lv) in enumerate(regions)
            ]
        )
        result.counts[Region._meta.db_table] += len(regions)
        result.districts = sum(1 for r in regions if r[3] == RegionLevel.COUNTY)
        result.cities = sum(1 for r in regions if r[3] == RegionLevel.CITY)
        self.districts = self._districts(regions, result)

        users = []
        for username, role in zip(SYN_USERS, (Role.OFFICIAL, Role.REVIEWER), strict=True):
            user = User(username=username, role=role, region_id=PROVINCE_CODE, is_active=False)
            user.set_unusable_password()
            users.append(user)
        self.official, self.reviewer = (u.pk for u in User.objects.bulk_create(users))

        self.category_ids = dict(Category.objects.filter(active=True).values_list("code", "pk"))
        roles = list(ChainRole.objects.filter(active=True).order_by("order", "code"))
        self.roles = [(r.pk, r.code) for r in roles]
        self.project_base = _max_id(Project)
        self.year_base = _max_id(ProjectYear)
        self.year_seq = 0
        for name, (model, columns) in TABLES.items():
            writer.register(name, _Table(model, columns, self.now))

    def _districts(self, regions, result: DatasetResult) -> list[_District]:
        """Each district's government, departments and town offices, and their people: three
        leaders, a head of each department and town office, three members of staff."""
        cities = {code: name for code, name, _p, level in regions if level == RegionLevel.CITY}
        rng = random.Random(f"{self.seed}/synthetic-people")
        built = [
            _Staffing.build(rng, code, name, cities[city])
            for code, name, city, level in regions
            if level == RegionLevel.COUNTY
        ]
        units = Unit.objects.bulk_create([u for b in built for u in b.units])
        # The people's unit ids are taken from their (now saved) units by bulk_create.
        people = Person.objects.bulk_create([p for b in built for p in b.people])
        result.counts[Unit._meta.db_table] += len(units)
        result.counts[Person._meta.db_table] += len(people)
        return [b.district() for b in built]

    # One project --------------------------------------------------------------------------

    def project(self, number: int, writer: _Writer) -> None:
        rng = random.Random(self.seed * 1_000_003 + number)
        district = self.districts[rng.randrange(len(self.districts))]
        level = weighted(rng, LEVEL_SHARES)
        scenario = weighted(rng, SCENARIO_SHARES)
        plan = plan_project(
            rng, level=level, scenario=scenario, district=district.people, timeline=self.timeline
        )
        pid = self.project_base + number + 1
        add = writer.add
        self._project(pid, f"{PROJECT_PREFIX}{number + 1:07d}", district, plan, add)
        self._years(pid, plan, add)
        for m in plan.milestones:
            add("milestone", (pid, m.name, m.kind, m.due, m.done_on, m.responsible))
        for f in plan.factors:
            add("factor", (pid, f.kind, f.demand, f.secured, f.note))
        self._chain(pid, plan, add)
        self._issues(rng, pid, district, plan.life.created_on, add)

    def _project(self, pid: int, code: str, district: _District, plan: ProjectPlan, add) -> None:
        """The project row, its categories, its stage changes, its withdrawal."""
        life, withdrawal = plan.life, plan.withdrawal
        stage = life.stages[-1][0]
        if withdrawal and withdrawal.outcome == "approved":
            stage = Stage.WITHDRAWN
        add(
            "project",
            (
                pid,
                code,
                plan.name,
                district.code,
                plan.owner,
                plan.template.industry,
                plan.level,
                stage,
                plan.total,
                life.planned_start,
                life.start,
                life.planned_completion,
                life.completion,
                life.operation,
                plan.statistics_date is not None,
                plan.statistics_date,
                district.departments[plan.department],
                self.now,
                self.now,
            ),
        )
        for category in plan.categories:
            if category in self.category_ids:
                add("categories", (pid, self.category_ids[category]))
        previous = ""
        for to_stage, on in life.stages:
            add("stagechange", (pid, previous, to_stage, on, "" if previous else "建档"))
            previous = to_stage
        if withdrawal:
            self._withdrawal(pid, plan, previous, add)

    def _withdrawal(self, pid: int, plan: ProjectPlan, stage: str, add) -> None:
        """The request and, unless pending, its review three days later; approved, the move to
        退库."""
        withdrawal = plan.withdrawal
        assert withdrawal is not None  # called for a plan with a withdrawal
        requested = _at(withdrawal.requested_on, 10)
        reviewer = reviewed = None
        if withdrawal.outcome != "pending":
            reviewer = self.reviewer
            reviewed = _at(min(withdrawal.requested_on + dt.timedelta(days=3), self.today), 10)
        if withdrawal.outcome == "approved":
            assert reviewed is not None  # an approved request was reviewed
            note = f"退库：{withdrawal.reason}"
            add("stagechange", (pid, stage, Stage.WITHDRAWN, reviewed.date(), note))
        status = WITHDRAWAL_STATUS[withdrawal.outcome]
        row = (pid, withdrawal.reason, status, self.official, requested, reviewer, reviewed, stage)
        add("withdrawal", row)

    def _years(self, pid: int, plan: ProjectPlan, add) -> None:
        """Annual plans (ids from the generator), revisions, monthly plans, monthly reports."""
        for spec in plan.years:
            self.year_seq += 1
            yid = self.year_base + self.year_seq
            row = (yid, pid, spec.year, spec.current, spec.plan, spec.new_start)
            add("projectyear", (*row, spec.planned_completion))
            if spec.revision:
                amount, reason = spec.revision
                add("planrevision", (yid, spec.plan, amount, reason, self.now))
            for month, amount in (spec.monthly or {}).items():
                add("monthlyplan", (yid, month, amount))
        for year, month, amount, _note in plan.reports:
            stamp = self._report_stamp(year, month)
            add("report", (pid, year, month, amount, stamp, stamp))

    def _chain(self, pid: int, plan: ProjectPlan, add) -> None:
        """One person per active role (roles beyond the four-in-one: the member of staff); a
        change ends the first holder's term on the day the next one's begins."""
        changes = {change.role: change for change in plan.chain_changes}
        for role_id, role_code in self.roles:
            person, since = plan.chain.get(role_code) or plan.chain["staff"]
            change = changes.get(role_code)
            if change:
                add("chain", (pid, role_id, person, since, change.on))
                person, since = change.person, change.on
            add("chain", (pid, role_id, person, since, None))

    def _issues(self, rng: random.Random, pid: int, district: _District, created, add) -> None:
        """About three issues per project, in every state, some overdue."""
        today = self.today
        for _i in range(sum(rng.random() < 0.5 for _ in range(6))):
            category = ISSUE_CATEGORIES[rng.randrange(len(ISSUE_CATEGORIES))]
            titles = ISSUE_TITLES[category]
            status = weighted(rng, ISSUE_STATUSES)
            hard = rng.random() < 0.15
            raised_day = self._raised_on(rng, status, created)
            raised = _at(raised_day, 9 + rng.randrange(8), rng.randrange(60))
            allowed = 21 if hard else 7
            deadline = raised_day + dt.timedelta(days=allowed) if status != "collected" else None
            resolved = None
            if status in ISSUE_DONE:  # three in four on time
                took = (
                    rng.randint(1, allowed) if rng.random() < 0.75 else allowed + rng.randint(1, 20)
                )
                resolved = _at(min(raised_day + dt.timedelta(days=took), today), 16)
            title = titles[rng.randrange(len(titles))]
            units = district.department_ids
            unit = units[rng.randrange(len(units))] if status != "collected" else None
            add(
                "issue",
                (
                    pid,
                    title,
                    category,
                    "hard" if hard else "ordinary",
                    status,
                    raised,
                    unit,
                    deadline,
                    resolved,
                ),
            )

    def _raised_on(self, rng: random.Random, status: str, created: dt.date) -> dt.date:
        """Most open issues are recent and within their deadline; the rest are overdue. Done
        issues were raised any time in the window."""
        today = self.today
        if status in ISSUE_DONE:
            return random_day(rng, max(self.window_start, created), today)
        if status != "escalated" and rng.random() < 0.7:
            return random_day(rng, today - dt.timedelta(days=6), today)
        return random_day(rng, today - dt.timedelta(days=90), today - dt.timedelta(days=8))

    def _report_stamp(self, year: int, month: int) -> dt.datetime:
        """When a month's report came in: the 5th of the next month, 10:00."""
        key = (year, month)
        if key not in self.report_stamp:
            self.report_stamp[key] = _at(Period(year, month).next().start.replace(day=5), 10)
        return self.report_stamp[key]


@dataclass
class _Staffing:
    """A district's units and people before they are written (their ids come back from
    `bulk_create`), and the `_District` they make once written."""

    code: str
    name: str
    city: str
    government: Unit
    departments: dict[str, Unit]
    towns: list[Unit]
    leaders: list[Person]
    heads: dict[str, Person]
    town_heads: list[Person]
    staff: list[Person]

    @classmethod
    def build(cls, rng: random.Random, code: str, name: str, city: str) -> _Staffing:
        taken: set[str] = set()

        def person(unit: Unit, title: str) -> Person:
            return Person(name=person_name(rng, taken), unit=unit, region_id=code, title=title)

        government = Unit(region_id=code, name=f"{name}人民政府", kind=UnitKind.OTHER)
        departments = {
            key: Unit(region_id=code, name=department, kind=UnitKind.DEPARTMENT)
            for key, department in DEPARTMENTS.items()
        }
        towns = [
            Unit(region_id=code, name=f"第{t}街道办事处", kind=UnitKind.TOWN_OFFICE)
            for t in range(1, TOWN_OFFICES + 1)
        ]
        return cls(
            code=code,
            name=name,
            city=city,
            government=government,
            departments=departments,
            towns=towns,
            leaders=[person(government, title) for title, n in LEADERS for _ in range(n)],
            heads={key: person(unit, "局长") for key, unit in departments.items()},
            town_heads=[person(unit, "主任") for unit in towns],
            staff=[person(departments["fgj"], "重点项目服务中心工作人员") for _ in range(STAFF)],
        )

    @property
    def units(self) -> list[Unit]:
        return [self.government, *self.departments.values(), *self.towns]

    @property
    def people(self) -> list[Person]:
        return [*self.leaders, *self.heads.values(), *self.town_heads, *self.staff]

    def district(self) -> _District:
        people = District(
            name=self.name,
            city=self.city[:-1],  # 东阳市 → 东阳
            towns=[Town(self.name[:-1], head.pk) for head in self.town_heads],
            leaders=[p.pk for p in self.leaders],
            staff=[p.pk for p in self.staff],
            heads={key: p.pk for key, p in self.heads.items()},
        )
        return _District(self.code, people, {k: u.pk for k, u in self.departments.items()})


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _max_id(model) -> int:
    return model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0


TABLES = {
    "project": (
        Project,
        (
            "id",
            "code",
            "name",
            "region_id",
            "owner_company",
            "industry",
            "level",
            "stage",
            "total_investment",
            "planned_start",
            "actual_start",
            "planned_completion",
            "actual_completion",
            "operation_start",
            "in_statistics",
            "statistics_date",
            "responsible_unit_id",
            "created_at",
            "updated_at",
        ),
    ),
    "categories": (
        Project.categories.through,
        (
            f"{Project._meta.get_field('categories').m2m_field_name()}_id",
            f"{Project._meta.get_field('categories').m2m_reverse_field_name()}_id",
        ),
    ),
    "stagechange": (StageChange, ("project_id", "from_stage", "to_stage", "changed_on", "note")),
    "projectyear": (
        ProjectYear,
        (
            "id",
            "project_id",
            "year",
            "annual_plan",
            "original_plan",
            "new_start",
            "planned_completion",
        ),
    ),
    "planrevision": (
        PlanRevision,
        ("project_year_id", "previous_plan", "new_plan", "reason", "revised_at"),
    ),
    "monthlyplan": (MonthlyPlan, ("project_year_id", "month", "amount")),
    "report": (
        MonthlyReport,
        ("project_id", "year", "month", "completed_investment", "created_at", "updated_at"),
    ),
    "milestone": (
        Milestone,
        ("project_id", "name", "kind", "due_date", "done_on", "responsible_id"),
    ),
    "factor": (FactorGuarantee, ("project_id", "kind", "demand", "secured", "note")),
    "chain": (ChainAssignment, ("project_id", "role_id", "person_id", "start_date", "end_date")),
    "withdrawal": (
        Withdrawal,
        (
            "project_id",
            "reason",
            "status",
            "requested_by_id",
            "requested_at",
            "reviewer_id",
            "reviewed_at",
            "previous_stage",
        ),
    ),
    "issue": (
        Issue,
        (
            "project_id",
            "title",
            "category",
            "difficulty",
            "status",
            "raised_at",
            "assigned_unit_id",
            "deadline",
            "resolved_at",
        ),
    ),
}
