"""The synthetic benchmark dataset (`manage.py generate_dataset --projects N --years K --seed S`).

A province (code 990000, "99" is no real province) with cities and districts scaled to N (about
one district per 650 projects, at least 10; ten districts a city), units and people per district,
and N projects (codes `SYN-0000001` …) across levels, stages and categories, with annual plans,
monthly plans for some, plan revisions, monthly reports for the K×12 months ending last month,
the four-in-one chains (some changed), milestones (some overdue), factor guarantees, stage
changes, withdrawals, 纳统 flags and dates, and about three issues per project in every state
(some overdue). Same seed, same options and same day → same data: each project draws from its
own `random.Random` seeded from (seed, project number), so the batch size does not matter.

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

from projects.choices import (
    FactorKind,
    Level,
    MilestoneKind,
    RegionLevel,
    Role,
    Stage,
    UnitKind,
    WithdrawalStatus,
)
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
)

from .synthetic import LEVEL_SCALE, SEASON, add_months
from .vocabulary import (
    BRANDS,
    DEPARTMENTS,
    GIVEN_FIRST,
    GIVEN_SECOND,
    PARKS,
    REVISION_REASONS_DOWN,
    ROADS,
    SURNAMES,
    TEMPLATES,
    WITHDRAWAL_REASONS,
)

PROJECT_PREFIX = "SYN-"
PROVINCE_CODE = "990000"
REGION_PREFIX = "99"
PROJECTS_PER_DISTRICT = 650
MIN_DISTRICTS = 10
DISTRICTS_PER_CITY = 10
SYN_USERS = ("syn_official", "syn_reviewer")

CITY_FIRST = "东西南北中新安平临永长宁泰昌兴"
CITY_SECOND = "阳山河城江海州丰泉原宁陵林川"

STAGE_SHARES = (
    (Stage.CONSTRUCTION, 880),
    (Stage.COMPLETED, 45),
    (Stage.OPERATING, 25),
    (Stage.CONCEIVED, 8),
    (Stage.RESERVE, 8),
    (Stage.NEGOTIATING, 4),
    (Stage.SIGNED, 15),
    (Stage.WITHDRAWN, 15),
)
LEVEL_SHARES = ((Level.PROVINCIAL, 10), (Level.CITY, 30), (Level.DISTRICT, 60))
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
FRONT = (
    (MilestoneKind.PROJECT_APPROVAL, "立项（备案）", 200),
    (MilestoneKind.LAND, "用地手续办理", 150),
    (MilestoneKind.CONSTRUCTION_PERMIT, "施工许可", 20),
)
FACTOR_KINDS = [k.value for k in FactorKind]


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
    rows = [(PROVINCE_CODE, "模拟省", None, RegionLevel.PROVINCE)]
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
    log: Callable[[str], None] | None = None,
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


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

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
                    "teach projects/dataset.py to fill it"
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


class _Generator:
    def __init__(self, *, projects: int, years: int, seed: int, today: dt.date):
        self.count = projects
        self.seed = seed
        self.today = today
        self.last_month = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
        self.window_start = add_months(dt.date(today.year, today.month, 1), -12 * years)
        self.now = timezone.make_aware(dt.datetime(today.year, today.month, today.day, 8, 0))
        self.report_stamp: dict[tuple[int, int], dt.datetime] = {}
        self.tz = timezone.get_current_timezone()

    # Regions, units, people, users ---------------------------------------------------------

    def setup(self, writer: _Writer, result: DatasetResult) -> None:
        regions = region_plan(self.count)
        Region.objects.bulk_create(
            [
                Region(code=c, name=n, parent_id=p, level=lv, prefix=_prefix(c), order=i)
                for i, (c, n, p, lv) in enumerate(regions)
            ]
        )
        result.counts[Region._meta.db_table] += len(regions)
        self.districts = [(c, n) for c, n, _p, lv in regions if lv == RegionLevel.COUNTY]
        result.districts = len(self.districts)
        result.cities = sum(1 for r in regions if r[3] == RegionLevel.CITY)

        rng = random.Random(f"{self.seed}/synthetic-people")
        units = []
        for code, name in self.districts:
            units.append(Unit(region_id=code, name=f"{name}人民政府", kind=UnitKind.OTHER))
            for key in ("fgj", "zrzy", "zjj", "gxj"):
                units.append(Unit(region_id=code, name=DEPARTMENTS[key], kind=UnitKind.DEPARTMENT))
            for t in (1, 2):
                units.append(
                    Unit(region_id=code, name=f"第{t}街道办事处", kind=UnitKind.TOWN_OFFICE)
                )
        units = Unit.objects.bulk_create(units)
        by_district: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            by_district[unit.region_id].append(unit)
        people = []
        roles_of_people = []
        for code, _name in self.districts:
            gov, fgj, zrzy, zjj, gxj, town1, town2 = by_district[code]
            spec = [
                (gov, "副区长", "leader"),
                (gov, "副区长", "leader"),
                (gov, "区委常委", "leader"),
                (fgj, "局长", "department_head"),
                (zrzy, "局长", "department_head"),
                (zjj, "局长", "department_head"),
                (gxj, "局长", "department_head"),
                (town1, "主任", "town_head"),
                (town2, "主任", "town_head"),
                (fgj, "科员", "staff"),
                (fgj, "科员", "staff"),
                (fgj, "科员", "staff"),
            ]
            for unit, title, kind in spec:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
                people.append(Person(name=name, unit=unit, region_id=code, title=title))
                roles_of_people.append((code, kind))
        people = Person.objects.bulk_create(people)
        self.pool: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for person, (code, kind) in zip(people, roles_of_people, strict=True):
            self.pool[code][kind].append(person.pk)
        self.units = {code: [u.pk for u in us] for code, us in by_district.items()}
        result.counts[Unit._meta.db_table] += len(units)
        result.counts[Person._meta.db_table] += len(people)

        users = []
        for username, role in zip(SYN_USERS, (Role.OFFICIAL, Role.REVIEWER), strict=True):
            user = User(username=username, role=role, region_id=PROVINCE_CODE, is_active=False)
            user.set_unusable_password()
            users.append(user)
        self.official, self.reviewer = (u.pk for u in User.objects.bulk_create(users))

        self.categories = list(Category.objects.filter(active=True).values_list("code", "pk"))
        self.category_ids = dict(self.categories)
        roles = list(ChainRole.objects.filter(active=True).order_by("order", "code"))
        self.roles = [(r.pk, r.code) for r in roles]
        self.project_base = _max_id(Project)
        self.year_base = _max_id(ProjectYear)
        self.year_seq = 0

        now = self.now
        through = Project.categories.through
        fk_project = Project._meta.get_field("categories").m2m_field_name()
        fk_category = Project._meta.get_field("categories").m2m_reverse_field_name()
        specs = {
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
            "categories": (through, (f"{fk_project}_id", f"{fk_category}_id")),
            "stagechange": (
                StageChange,
                ("project_id", "from_stage", "to_stage", "changed_on", "note"),
            ),
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
                (
                    "project_id",
                    "year",
                    "month",
                    "completed_investment",
                    "created_at",
                    "updated_at",
                ),
            ),
            "milestone": (
                Milestone,
                ("project_id", "name", "kind", "due_date", "done_on", "responsible_id"),
            ),
            "factor": (FactorGuarantee, ("project_id", "kind", "demand", "secured")),
            "chain": (
                ChainAssignment,
                ("project_id", "role_id", "person_id", "start_date", "end_date"),
            ),
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
        }
        from supervision.models import Issue

        specs["issue"] = (
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
        )
        for name, (model, columns) in specs.items():
            writer.register(name, _Table(model, columns, now))

    # One project --------------------------------------------------------------------------

    def project(self, number: int, writer: _Writer) -> None:
        rng = random.Random(self.seed * 1_000_003 + number)
        add = writer.add
        today = self.today
        pid = self.project_base + number + 1
        code = f"{PROJECT_PREFIX}{number + 1:07d}"
        district, district_name = self.districts[rng.randrange(len(self.districts))]
        pool = self.pool[district]
        units = self.units[district]
        level = _weighted(rng, LEVEL_SHARES)
        stage = _weighted(rng, STAGE_SHARES)
        level_index = (Level.PROVINCIAL, Level.CITY, Level.DISTRICT).index(level)
        template = _weighted(rng, [(t, t.level_weights[level_index] + 0.01) for t in TEMPLATES])
        place = district_name[:-1]
        name = template.pattern.format(
            brand=rng.choice(BRANDS),
            place=place,
            district=district_name,
            park=rng.choice(PARKS),
            phase=rng.choice(("一期", "二期", "三期")),
            n=rng.randint(2, 68),
            road=rng.choice(ROADS),
        )
        low, high = template.investment
        total_cents = int(
            math.exp(rng.uniform(math.log(low), math.log(high))) * LEVEL_SCALE[level] * 100
        )
        total_cents = max(total_cents, 100_000)
        duration = rng.randint(24, 72)

        # Dates.
        window = self.window_start
        start = completion = operation = planned_start = planned_completion = None
        created = None
        if stage in (Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING):
            if rng.random() < 0.95:  # most have been under construction the whole window
                start = window - dt.timedelta(days=rng.randint(1, 900))
            else:
                start = _day(rng, window, self.last_month)
            planned_start = start + dt.timedelta(days=rng.randint(-40, 20))
            planned_completion = add_months(start, duration)
            if stage == Stage.CONSTRUCTION and planned_completion < today:
                planned_completion = dt.date(today.year + rng.randint(0, 2), 12, 31)
            if stage != Stage.CONSTRUCTION:
                completion = _day(rng, max(window, start + dt.timedelta(days=90)), self.last_month)
                planned_completion = completion + dt.timedelta(days=rng.randint(-60, 30))
                planned_completion = max(planned_completion, planned_start)
                if stage == Stage.OPERATING:
                    operation = min(completion + dt.timedelta(days=rng.randint(20, 120)), today)
            created = start - dt.timedelta(days=rng.randint(60, 400))
        else:
            created = _day(rng, window, today - dt.timedelta(days=1))
            if stage != Stage.CONCEIVED:
                planned_start = _day(rng, today - dt.timedelta(days=200), add_months(today, 18))
                planned_completion = add_months(planned_start, duration)
        in_statistics, statistics_date = False, None
        if start and rng.random() < 0.9:
            day = start + dt.timedelta(days=rng.randint(10, 75))
            if day < today:
                in_statistics, statistics_date = True, day
        stored_stage = stage
        add(
            "project",
            (
                pid,
                code,
                name,
                district,
                f"{rng.choice(BRANDS)}{template.industry[:2]}有限公司",
                template.industry,
                level,
                stored_stage,
                _money(total_cents),
                planned_start,
                start,
                planned_completion,
                completion,
                operation,
                in_statistics,
                statistics_date,
                units[rng.randrange(1, 5)],
                self.now,
                self.now,
            ),
        )
        for category in dict.fromkeys(template.categories):
            if category in self.category_ids:
                add("categories", (pid, self.category_ids[category]))

        # Stage history.
        first_stage = (
            Stage.SIGNED if start else (stage if stage != Stage.WITHDRAWN else Stage.RESERVE)
        )
        add("stagechange", (pid, "", first_stage, created, "建档"))
        if start:
            add("stagechange", (pid, Stage.SIGNED, Stage.CONSTRUCTION, start, ""))
        if completion:
            add("stagechange", (pid, Stage.CONSTRUCTION, Stage.COMPLETED, completion, ""))
        if operation:
            add("stagechange", (pid, Stage.COMPLETED, Stage.OPERATING, operation, ""))
        if stage == Stage.WITHDRAWN:
            requested = timezone.make_aware(
                dt.datetime.combine(_day(rng, created, today), dt.time(10, 0))
            )
            add("stagechange", (pid, first_stage, Stage.WITHDRAWN, requested.date(), "退库"))
            add(
                "withdrawal",
                (
                    pid,
                    rng.choice(WITHDRAWAL_REASONS),
                    WithdrawalStatus.APPROVED,
                    self.official,
                    requested,
                    self.reviewer,
                    requested + dt.timedelta(days=3),
                    first_stage,
                ),
            )

        # Annual plans and monthly reports.
        factor = math.exp(rng.gauss(0.08, 0.2))
        if rng.random() < 0.06:
            factor *= 0.5
        stalled = rng.choice((2, 3, 4)) if start and not completion and rng.random() < 0.03 else 0
        last_report = self.last_month
        if completion:
            last_report = min(last_report, completion)
        if stalled:
            last_report = add_months(last_report, -stalled)
        run_from = start or (planned_start if stage in (Stage.SIGNED,) else None)
        if run_from:
            for year in range(max(window.year, run_from.year), today.year + 1):
                if completion and completion.year < year:
                    break
                month_from = run_from.month if run_from.year == year else 1
                month_to = 12
                if planned_completion and planned_completion.year == year:
                    month_to = max(planned_completion.month, month_from)
                if completion and completion.year == year:
                    month_to = max(month_to, completion.month)
                months = range(month_from, month_to + 1)
                weight = sum(SEASON[m] for m in months)
                plan_cents = int(total_cents * len(months) / duration * rng.uniform(0.85, 1.15))
                plan_cents = max(min(plan_cents, total_cents), 10_000)
                self.year_seq += 1
                yid = self.year_base + self.year_seq
                current = plan_cents
                revised = rng.random() < 0.05
                if revised:
                    current = int(plan_cents * rng.uniform(0.6, 0.9))
                add(
                    "projectyear",
                    (
                        yid,
                        pid,
                        year,
                        _money(current),
                        _money(plan_cents),
                        bool(planned_start and planned_start.year == year),
                        bool(planned_completion and planned_completion.year == year),
                    ),
                )
                if revised:
                    add(
                        "planrevision",
                        (
                            yid,
                            _money(plan_cents),
                            _money(current),
                            rng.choice(REVISION_REASONS_DOWN),
                            self.now,
                        ),
                    )
                if year == today.year and rng.random() < 0.1:
                    spent = 0
                    for m in months:
                        amount = int(current * SEASON[m] / weight)
                        if m == month_to:
                            amount = current - spent
                        spent += amount
                        add("monthlyplan", (yid, m, _money(amount)))
                if not start:
                    continue
                first = max(
                    dt.date(year, month_from, 1), window, dt.date(start.year, start.month, 1)
                )
                for m in range(first.month if first.year == year else 13, 13):
                    if dt.date(year, m, 1) > last_report:
                        break
                    cents = int(
                        plan_cents * SEASON[m] / weight * factor * (0.75 + rng.random() * 0.5)
                    )
                    stamp = self._report_stamp(year, m)
                    add("report", (pid, year, m, _money(cents), stamp, stamp))

        # Milestones: three 前期手续, and for some projects under construction an overdue node.
        anchor = start or planned_start
        if anchor:
            for kind, label, days in FRONT:
                due = anchor - dt.timedelta(days=days + rng.randint(-10, 10))
                done = None
                if start:
                    done = min(due + dt.timedelta(days=rng.randint(-20, 15)), start)
                elif due < today and rng.random() < 0.6:
                    done = min(due + dt.timedelta(days=rng.randint(0, 20)), today)
                add("milestone", (pid, label, kind, due, done, pool["department_head"][0]))
        if stage == Stage.CONSTRUCTION and rng.random() < 0.12:
            due = today - dt.timedelta(days=rng.randint(5, 120))
            add(
                "milestone",
                (pid, "主体结构封顶", MilestoneKind.CONSTRUCTION, due, None, pool["staff"][0]),
            )

        # One factor guarantee, some with a gap.
        demand = rng.randint(10_000, 5_000_000)
        secured = demand if rng.random() < 0.7 else int(demand * rng.random())
        add("factor", (pid, rng.choice(FACTOR_KINDS), _money(demand), _money(secured)))

        # The chain: one person per role; the leader changed once for some.
        for role_id, role_code in self.roles:
            people = pool.get(role_code) or pool["staff"]
            person = people[rng.randrange(len(people))]
            if role_code == "leader" and rng.random() < 0.1:
                changed = _day(rng, max(created, window), today)
                other = people[(people.index(person) + 1) % len(people)]
                add("chain", (pid, role_id, other, created, changed))
                add("chain", (pid, role_id, person, changed, None))
            else:
                add("chain", (pid, role_id, person, created, None))

        # Issues: about three per project, every state, some overdue.
        for _i in range(sum(rng.random() < 0.5 for _ in range(6))):
            category = ISSUE_CATEGORIES[rng.randrange(len(ISSUE_CATEGORIES))]
            titles = ISSUE_TITLES[category]
            status = _weighted(rng, ISSUE_STATUSES)
            hard = rng.random() < 0.15
            open_ = status not in ISSUE_DONE
            if open_ and status != "escalated" and rng.random() < 0.7:
                # Most open issues are recent and within their deadline; the rest are overdue.
                raised_day = _day(rng, today - dt.timedelta(days=6), today)
            elif open_:
                raised_day = _day(rng, today - dt.timedelta(days=90), today - dt.timedelta(days=8))
            else:
                raised_day = _day(rng, max(window, created), today)
            raised = timezone.make_aware(
                dt.datetime.combine(raised_day, dt.time(9 + rng.randrange(8), rng.randrange(60)))
            )
            deadline = None
            allowed = 21 if hard else 7
            if status != "collected":
                deadline = raised_day + dt.timedelta(days=allowed)
            resolved = None
            if not open_:  # three in four on time
                took = (
                    rng.randint(1, allowed) if rng.random() < 0.75 else allowed + rng.randint(1, 20)
                )
                resolved_day = min(raised_day + dt.timedelta(days=took), today)
                resolved = timezone.make_aware(dt.datetime.combine(resolved_day, dt.time(16, 0)))
            add(
                "issue",
                (
                    pid,
                    titles[rng.randrange(len(titles))],
                    category,
                    "hard" if hard else "ordinary",
                    status,
                    raised,
                    units[rng.randrange(1, 5)] if status != "collected" else None,
                    deadline,
                    resolved,
                ),
            )

    def _report_stamp(self, year: int, month: int) -> dt.datetime:
        key = (year, month)
        if key not in self.report_stamp:
            nxt = add_months(dt.date(year, month, 1), 1)
            self.report_stamp[key] = timezone.make_aware(dt.datetime(nxt.year, nxt.month, 5, 10))
        return self.report_stamp[key]


def _prefix(code: str) -> str:
    from projects.models import region_prefix

    return region_prefix(code)


def _max_id(model) -> int:
    return model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _weighted(rng: random.Random, pairs):
    total = sum(w for _item, w in pairs)
    pick = rng.random() * total
    for item, w in pairs:
        pick -= w
        if pick < 0:
            return item
    return pairs[-1][0]
