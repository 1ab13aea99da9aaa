"""Demo data (`manage.py seed_demo`): Qingdao with its ten districts, a few hundred key projects.

Everything is deterministic for a seed (`random.Random`) and relative to `today`: monthly reports
run from January of last year up to last month. Seeding is idempotent: regions go through the
region loader, units, people and users are matched by their natural keys, and a project whose
code exists is skipped as a whole — so a second run writes nothing and takes a second or two.

Writes go through the services (`projects.services`) wherever a history row matters: projects,
stage moves, annual plans and their revisions, the four-in-one chains and their changes,
withdrawals. The many small rows (monthly reports, monthly plans, milestones, factor guarantees)
are bulk-created together with their history rows (`bulk_create_with_history`).

The data is shaped so that every four-colour check has something to say: districts ahead of and
behind time progress, projects far behind (red progress), stalled projects with no report for
two months or more, planned new starts that have not started (some three months late), started
projects not yet in statistics, overdue milestones (some more than 30 days), plans revised
downwards (a rate that looks fine only because the plan was cut), factor gaps.

The name pools are shared with the synthetic benchmark dataset (projects/dataset.py).
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessment.models import ProjectStatus
from projects import services
from projects.choices import FactorKind, Level, MilestoneKind, RegionLevel, Role, Stage, UnitKind
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

DEMO_REGIONS_CSV = Path(settings.BASE_DIR) / "data" / "regions" / "qingdao.csv"
CITY_CODE = "370200"
DEFAULT_PROJECTS = 360
DEFAULT_SEED = 2026
CENT = Decimal("0.01")

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

# key → department name (区县 level; every district has them).
DEPARTMENTS = {
    "fgj": "发展和改革局",
    "zrzy": "自然资源和规划局",
    "zjj": "住房和城乡建设局",
    "sthj": "生态环境局",
    "gxj": "工业和信息化局",
    "jtj": "交通运输局",
    "jyj": "教育和体育局",
    "wjj": "卫生健康局",
    "swj": "商务局",
}

# Seasonality of monthly investment: slow first quarter (Spring Festival), year-end rush.
SEASON = dict(
    zip(
        range(1, 13),
        (0.05, 0.04, 0.08, 0.085, 0.09, 0.10, 0.085, 0.085, 0.095, 0.085, 0.085, 0.12),
        strict=True,
    )
)


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱"
)
GIVEN_FIRST = "建志海晓立文振国红永德云思晨博雨子浩一嘉春秀玉桂明新伟世宏家俊天鹏瑞"
GIVEN_SECOND = "国强涛东新静华庆梅刚胜飞远曦文欣涵然鸣怡燕英兰军杰明超磊洋勇峰辉平敏宁"

BRANDS = _words(
    "海创 青芯 蓝海 东方智造 瑞源 鲁青 华通 中科海 海纳 卓越 凯博 远洋 潮汐 瀚海 星辰 "
    "润泽 恒信 金桥 新航 泰和 博远 启明 海图 云帆 中车 正泰 汇川 海尔 双星 赛轮"
)
ROADS = _words(
    "香港东路 长江路 黑龙江路 重庆路 青威路 海尔路 辽阳路 唐岛湾路 滨海大道 胶州湾大道 "
    "李村河路 烟台路 昌平路 青新高速连接线 环湾路"
)
PARKS = _words("智能制造 高端装备 新材料 生物医药 海洋科技 绿色低碳 数字经济 航空航天")

# Project name patterns: pattern | category codes | industry | responsible department |
# weights at the three levels (省 市 区) | total investment bounds in 万元 (log-uniform).
TEMPLATE_TABLE = """
{brand}新能源汽车零部件智能制造项目 | manufacturing four_new industrial_chain | 汽车制造业 | gxj | 3 4 3 | 20000 600000
{place}{park}产业园（{phase}） | manufacturing investment_attraction | 通用设备制造业 | gxj | 3 5 4 | 30000 800000
{brand}集成电路封装测试基地项目 | four_new manufacturing industrial_chain | 计算机、通信和其他电子设备制造业 | gxj | 4 3 1 | 50000 1500000
{brand}锂电池储能系统生产基地项目 | four_new manufacturing | 电气机械和器材制造业 | gxj | 3 4 2 | 30000 900000
{place}海上风电装备制造基地 | four_new manufacturing provincial_preferred | 专用设备制造业 | gxj | 4 2 1 | 80000 1200000
{place}分布式光伏发电项目 | four_new new_infrastructure | 电力、热力生产和供应业 | fgj | 1 3 6 | 5000 80000
{brand}生物医药产业园项目 | four_new manufacturing investment_attraction | 医药制造业 | gxj | 3 4 3 | 30000 600000
{brand}智算中心项目 | new_infrastructure four_new | 互联网和相关服务 | gxj | 3 3 2 | 50000 700000
{place}5G基站及智慧杆塔建设工程 | new_infrastructure | 电信、广播电视和卫星传输服务 | gxj | 0 2 6 | 3000 30000
{brand}智能化技术改造项目 | technical_renovation manufacturing | 橡胶和塑料制品业 | gxj | 0 3 7 | 5000 120000
{place}片区城市更新项目 | livelihood infrastructure major_construction | 房屋建筑业 | zjj | 1 4 5 | 20000 500000
{place}老旧小区改造工程 | livelihood | 房屋建筑业 | zjj | 0 2 8 | 3000 40000
{place}保障性租赁住房项目 | livelihood | 房地产业 | zjj | 0 3 7 | 10000 120000
{district}第{n}中学新建工程 | livelihood | 教育 | jyj | 0 3 7 | 8000 60000
{place}实验小学扩建工程 | livelihood | 教育 | jyj | 0 2 8 | 4000 30000
{district}人民医院新院区建设项目 | livelihood major_construction | 卫生 | wjj | 1 5 4 | 30000 300000
{place}社区卫生服务中心建设项目 | livelihood | 卫生 | wjj | 0 1 9 | 2000 15000
{road}（{place}段）道路拓宽改造工程 | infrastructure | 道路运输业 | jtj | 1 4 5 | 8000 200000
{place}污水处理厂提标改造工程 | infrastructure livelihood | 水的生产和供应业 | sthj | 0 3 7 | 5000 80000
{place}冷链物流园项目 | investment_attraction | 仓储业 | swj | 1 4 5 | 15000 200000
{brand}总部经济大厦项目 | investment_attraction | 商务服务业 | swj | 1 4 5 | 20000 250000
{place}文旅康养综合体项目 | investment_attraction | 文化艺术业 | swj | 1 3 6 | 20000 300000
"""  # noqa: E501


@dataclass(frozen=True)
class Template:
    pattern: str
    categories: tuple[str, ...]
    industry: str
    department: str
    level_weights: tuple[int, int, int]
    investment: tuple[int, int]


TEMPLATES = [
    Template(p, tuple(c.split()), i, d, tuple(map(int, w.split())), tuple(map(int, b.split())))
    for p, c, i, d, w, b in (
        [cell.strip() for cell in line.split("|")] for line in TEMPLATE_TABLE.strip().splitlines()
    )
]

LEVEL_SHARES = ((Level.PROVINCIAL, 10), (Level.CITY, 30), (Level.DISTRICT, 60))
LEVEL_SCALE = {Level.PROVINCIAL: 1.5, Level.CITY: 0.6, Level.DISTRICT: 0.25}

# Lifecycle scenarios and their shares (percent of the projects).
SCENARIOS = (
    ("ongoing", 40),  # 在建, started before this year
    ("new_started", 18),  # planned to start this year, started
    ("new_late", 4),  # planned to start this year, not started (yellow, red after 3 months)
    ("new_future", 2),  # planned to start later this year
    ("completed_last_year", 5),
    ("completed_this_year", 7),
    ("operating", 4),
    ("pipeline", 18),  # 谋划 / 储备 / 在谈 / 签约, starting next year or later
    ("withdrawn", 2),  # 退库 (and one pending, one rejected request among the pipeline)
)

REVISION_REASONS_DOWN = (
    "受用地报批进度影响，调减年度计划。",
    "融资到位延迟，调整建设时序，调减年度计划。",
    "规划方案调整，部分工程顺延至明年实施。",
    "设备进口周期延长，调减年度投资计划。",
)
REVISION_REASONS_UP = (
    "项目加快推进，设备采购提前，调增年度计划。",
    "新增二期建设内容，调增年度计划。",
)
WITHDRAWAL_REASONS = (
    "投资方资金链紧张，项目无法按期推进，申请退库。",
    "项目选址与国土空间规划不符，经研究调出重点项目库。",
    "企业战略调整，项目终止实施。",
    "项目已并入同区域其他项目统一建设，申请退库。",
)
REPORT_NOTES = (
    "主体结构施工中",
    "设备安装调试",
    "桩基施工完成",
    "室外配套工程施工",
    "二次结构施工",
    "钢结构吊装",
    "",
    "",
    "",
)
FRONT_MILESTONES = (
    (MilestoneKind.PROJECT_APPROVAL, "立项（备案）", "fgj", 200),
    (MilestoneKind.LAND, "用地手续办理", "zrzy", 150),
    (MilestoneKind.PLANNING_PERMIT, "建设工程规划许可", "zrzy", 80),
    (MilestoneKind.CONSTRUCTION_PERMIT, "施工许可", "zjj", 20),
)
BUILD_MILESTONES = ("基础工程完工", "主体结构封顶", "设备安装调试", "竣工验收")


# --- Small helpers (shared with projects/dataset.py) ------------------------------------------


def money(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.0), 2))).quantize(CENT, rounding=ROUND_HALF_UP)


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    return add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def months_between(start: dt.date, end: dt.date):
    """(year, month) from start's month to end's month inclusive."""
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def person_name(rng: random.Random, taken: set[str]) -> str:
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
    """Seeds the demo installation (idempotent). `extras`: also call the supervision seed and
    the recompute of this year's periods, where those modules are installed."""
    today = today or timezone.localdate()
    log = log or (lambda message: None)
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
    """Issues, meetings, colours and rankings, by the modules of the other parts (when present).
    The last period's colours are computed before the supervision seed (its reminder letters
    need them), and every period of this year after it (issue resolution enters the rankings).
    Nothing is recomputed on a run that seeded nothing, unless a period has no colours yet."""
    periods = _recompute_periods(today)
    try:
        from assessment.recompute import recompute_period
    except ImportError:
        recompute_period = None
        result.extras.append("projects.recompute 未安装：未计算四色与排名。")
    try:
        from .supervision import seed_supervision
    except ImportError:
        seed_supervision = None
        result.extras.append("supervision.demo 未安装：未生成问题清单与调度会。")

    def recompute(year: int, month: int) -> None:
        log(f"计算 {year}-{month:02d} 四色与排名…")
        kwargs = (
            {"today": today} if "today" in inspect.signature(recompute_period).parameters else {}
        )
        recompute_period(year=year, month=month, **kwargs)

    todo = []
    if recompute_period is not None:
        computed = set(
            ProjectStatus.objects.filter(year__in={y for y, _m in periods})
            .values_list("year", "month")
            .distinct()
        )
        missing = [p for p in periods if p not in computed]
        todo = periods if result.changed else missing
    if seed_supervision is not None:
        if todo:
            recompute(*periods[-1])
        log("生成问题清单、调度会、督导检查…")
        # The eager notification tasks log one line each at INFO; keep the seed's output short.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            counts = seed_supervision(rng=random.Random(f"{seed}/supervision"), today=today)
        finally:
            trace.setLevel(level)
        if isinstance(counts, dict) and any(counts.values()):
            result.extras.append(
                "问题清单与调度会：" + "，".join(f"{name} {n}" for name, n in counts.items() if n)
            )
            todo = periods
    for year, month in todo:
        recompute(year, month)
    if todo:
        result.extras.append(
            f"已计算 {todo[0][0]}-{todo[0][1]:02d} 至 "
            f"{todo[-1][0]}-{todo[-1][1]:02d} 的四色与排名。"
        )


def _recompute_periods(today: dt.date) -> list[tuple[int, int]]:
    """Every month of this year up to last month (in January: the twelve of last year)."""
    last = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
    return [(last.year, m) for m in range(1, last.month + 1)]


@dataclass
class _Plan:
    """Everything about one demo project, decided before anything is written."""

    code: str
    fields: dict
    categories: list
    stages: list  # [(stage, date)], the first is the stage at creation
    finish: dict  # fields set after the stage moves (completion, statistics)
    years: dict  # year → {plan, new_start, planned_completion, revision, monthly}
    reports: list  # [(year, month, amount, note)]
    milestones: list  # [(kind, name, due, done_on, person)]
    factors: list  # [(kind, demand, secured, note)]
    chain: dict  # role code → (person, date)
    chain_changes: list  # [(role code, person, date)]
    withdrawal: tuple | None  # (outcome, reason, request date)
    official: User | None = None


class _Context:
    def __init__(self, *, seed: int, today: dt.date, result: SeedResult):
        self.seed = seed
        self.today = today
        self.result = result
        self.last_month_end = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
        # "This year" is the year of last month: in January the seed shows last year complete.
        self.this_year = self.last_month_end.year
        self.first_report_month = dt.date(self.this_year - 1, 1, 1)
        self.logins: list[tuple[str, str]] = []

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
            self.towns[town.parent_id].append(town)

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
        plans = [self._plan(*slot, names_taken) for slot in todo]
        reports, monthly_plans, milestones, factors = [], [], [], []
        created: list[tuple[_Plan, Project]] = []
        for plan in plans:
            project = self._write(plan)
            created.append((plan, project))
            official = plan.official
            for year, month, amount, note in plan.reports:
                report = MonthlyReport(
                    project=project,
                    year=year,
                    month=month,
                    completed_investment=amount,
                    note=note,
                    reported_by=official,
                )
                report._history_user = official
                reports.append(report)
            for year, spec in plan.years.items():
                if spec.get("monthly_amounts"):
                    py = project.years.get(year=year)
                    for month, amount in spec["monthly_amounts"].items():
                        mp = MonthlyPlan(project_year=py, month=month, amount=amount)
                        mp._history_user = official
                        monthly_plans.append(mp)
            for kind, name, due, done_on, responsible in plan.milestones:
                ms = Milestone(
                    project=project,
                    kind=kind,
                    name=name,
                    due_date=due,
                    done_on=done_on,
                    responsible=responsible,
                )
                ms._history_user = official
                milestones.append(ms)
            for kind, demand, secured, note in plan.factors:
                fg = FactorGuarantee(
                    project=project, kind=kind, demand=demand, secured=secured, note=note
                )
                fg._history_user = official
                factors.append(fg)
        for model, objs, label in (
            (MonthlyReport, reports, "monthly_reports"),
            (MonthlyPlan, monthly_plans, "monthly_plans"),
            (Milestone, milestones, "milestones"),
            (FactorGuarantee, factors, "factor_guarantees"),
        ):
            for obj in objs:
                _validate_row(obj)
            bulk_create_with_history(objs, model, batch_size=500)
            self.result.created[label] += len(objs)
        self._task_forces([p for _plan, p in created])
        self._withdrawals(created)
        self.result.created["projects"] += len(created)

    def _assign(self, count: int) -> list[tuple[str, Region, str, str]]:
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

    def _plan(self, code, district: Region, level: str, scenario: str, names_taken) -> _Plan:
        rng = random.Random(f"{self.seed}/{code}")
        today, this_year = self.today, self.this_year
        last_year = this_year - 1
        towns = self.towns[district.code]
        town = rng.choice(towns)
        level_index = [Level.PROVINCIAL, Level.CITY, Level.DISTRICT].index(level)
        template = weighted(rng, [(t, t.level_weights[level_index]) for t in TEMPLATES])
        pattern, category_codes = template.pattern, template.categories
        industry, dept_key = template.industry, template.department
        low, high = template.investment
        brand = rng.choice(BRANDS)
        name = pattern.format(
            brand=brand,
            place=short_place(town.name),
            district=district.name,
            park=rng.choice(PARKS),
            phase=rng.choice(["一期", "二期", "三期"]),
            n=rng.randint(2, 68),
            road=rng.choice(ROADS),
        )
        base, suffix = name, 2
        while name in names_taken:  # same name in the same place: a further phase or plot
            if suffix > 9:
                name = f"{base}（{code}）"
            elif base.endswith("期）"):
                name = f"{base[:-1]}·{suffix}号地块）"
            else:
                name = f"{base}（{'二三四五六七八九'[suffix - 2]}期）"
            suffix += 1
        names_taken.add(name)
        total = money(log_uniform(rng, low, high) * LEVEL_SCALE[level])
        total = max(total, Decimal("1000.00"))
        dept = self.departments[district.code][dept_key]
        if dept_key in ("gxj", "swj", "fgj") and "{brand}" in pattern:
            owner = f"青岛{brand}{rng.choice(['科技', '实业', '新能源', '智能装备'])}有限公司"
        elif dept_key in ("gxj", "swj", "fgj"):
            group = rng.choice(["发展集团", "投资控股集团"])
            owner = f"青岛{short_place(district.name)}{group}有限公司"
        elif dept_key in ("jyj", "wjj"):
            owner = f"{district.name}{DEPARTMENTS[dept_key]}"
        else:
            owner = f"青岛{short_place(district.name)}城市建设投资集团有限公司"
        _login, _share, district_perf, lat, lng = DISTRICTS[district.code]
        categories = [self.categories[c] for c in category_codes if c in self.categories]
        if (
            level != Level.DISTRICT
            and "major_construction" in self.categories
            and (scenario not in ("pipeline", "withdrawn"))
        ):
            categories.append(self.categories["major_construction"])
        if scenario == "pipeline" and "major_preparation" in self.categories:
            categories.append(self.categories["major_preparation"])
        categories = list(dict.fromkeys(categories))

        # Lifecycle: when it entered the pool, when it (is planned to) start and finish.
        stages: list[tuple[str, dt.date]] = []
        finish: dict = {}
        start = completion = operation = None
        planned_start = planned_completion = None
        stalled_months = 0
        duration_months = rng.randint(18, 48) if level != Level.DISTRICT else rng.randint(10, 30)
        if scenario in ("ongoing", "completed_last_year", "completed_this_year", "operating"):
            if scenario == "ongoing":
                start = random_day(rng, dt.date(last_year - 2, 3, 1), dt.date(last_year, 10, 31))
            elif scenario == "completed_last_year":
                start = random_day(rng, dt.date(last_year - 3, 3, 1), dt.date(last_year - 1, 6, 30))
                completion = random_day(rng, dt.date(last_year, 3, 1), dt.date(last_year, 12, 20))
            elif scenario == "completed_this_year":
                start = random_day(rng, dt.date(last_year - 2, 3, 1), dt.date(last_year, 5, 31))
                completion = random_day(
                    rng, dt.date(this_year, 1, 15), self.last_month_end - dt.timedelta(days=5)
                )
            else:
                start = random_day(rng, dt.date(last_year - 3, 3, 1), dt.date(last_year - 2, 6, 30))
                completion = random_day(
                    rng, dt.date(last_year - 1, 6, 1), dt.date(last_year, 9, 30)
                )
                operation = add_months(completion, rng.randint(1, 4))
                if operation >= today:
                    operation = completion + dt.timedelta(days=20)
            planned_start = start + dt.timedelta(days=rng.randint(-45, 20))
            if completion:
                planned_completion = completion + dt.timedelta(days=rng.randint(-40, 30))
                if planned_completion.year != completion.year:
                    planned_completion = completion
            else:
                planned_completion = add_months(start, duration_months)
                if planned_completion < today:
                    planned_completion = (
                        dt.date(this_year, 12, 31)
                        if rng.random() < 0.5
                        else (dt.date(this_year + 1, 6, 30))
                    )
            created_on = start - dt.timedelta(days=rng.randint(60, 400))
            stages.append((rng.choice([Stage.RESERVE, Stage.SIGNED]), created_on))
            if stages[0][0] == Stage.RESERVE:
                stages.append((Stage.SIGNED, random_day(rng, created_on, start)))
            stages.append((Stage.CONSTRUCTION, start))
            if completion:
                stages.append((Stage.COMPLETED, completion))
                finish["actual_completion"] = completion
            if operation:
                stages.append((Stage.OPERATING, operation))
                finish["operation_start"] = operation
            if scenario == "ongoing" and rng.random() < 0.07:
                stalled_months = rng.choice([2, 2, 3, 4])
        elif scenario in ("new_started", "new_late", "new_future"):
            if scenario == "new_started":
                planned_start = random_day(
                    rng, dt.date(this_year, 1, 10), self.last_month_end - dt.timedelta(days=10)
                )
                start = planned_start + dt.timedelta(days=rng.randint(-30, 60))
                start = min(max(start, dt.date(this_year, 1, 5)), today - dt.timedelta(days=3))
                if rng.random() < 0.04:
                    stalled_months = 2
            elif scenario == "new_late":
                planned_start = random_day(
                    rng, dt.date(this_year, 2, 1), self.last_month_end - dt.timedelta(days=5)
                )
            else:
                planned_start = random_day(
                    rng, today + dt.timedelta(days=5), dt.date(this_year, 12, 28)
                )
            planned_completion = add_months(planned_start, duration_months)
            created_on = random_day(rng, dt.date(last_year - 1, 6, 1), dt.date(last_year, 10, 31))
            first = rng.choice([Stage.CONCEIVED, Stage.RESERVE, Stage.RESERVE])
            stages.append((first, created_on))
            if first == Stage.CONCEIVED:
                stages.append(
                    (Stage.RESERVE, random_day(rng, created_on, dt.date(last_year, 12, 31)))
                )
            signed_on = random_day(
                rng, dt.date(this_year, 1, 2), min(planned_start, today) - dt.timedelta(days=1)
            )
            if start:
                signed_on = min(signed_on, start)
            if scenario != "new_future" or rng.random() < 0.6:
                stages.append((Stage.SIGNED, max(signed_on, stages[-1][1])))
            if start:
                stages.append((Stage.CONSTRUCTION, start))
        else:  # pipeline, withdrawn
            created_on = random_day(
                rng, dt.date(last_year - 1, 3, 1), today - dt.timedelta(days=20)
            )
            path = weighted(
                rng,
                [
                    ((Stage.CONCEIVED,), 30),
                    ((Stage.CONCEIVED, Stage.RESERVE), 30),
                    ((Stage.RESERVE, Stage.NEGOTIATING), 15),
                    ((Stage.RESERVE, Stage.NEGOTIATING, Stage.SIGNED), 15),
                    ((Stage.RESERVE, Stage.SIGNED), 10),
                ],
            )
            day = created_on
            for stage in path:
                stages.append((stage, day))
                day = random_day(rng, day + dt.timedelta(days=20), today - dt.timedelta(days=1))
                if day >= today:
                    break
            if path[-1] != Stage.CONCEIVED:
                planned_start = random_day(
                    rng, dt.date(this_year + 1, 3, 1), dt.date(this_year + 2, 6, 30)
                )
                planned_completion = add_months(planned_start, duration_months)

        # 纳统: most started projects, a month or two after starting; some not (yet).
        if start and start < today and (rng.random() < 0.86 or completion):
            stat_day = start + dt.timedelta(days=rng.randint(10, 75))
            if stat_day < today:
                finish["in_statistics"] = True
                finish["statistics_date"] = stat_day

        # Annual plans of last year and this year.
        # Performance against plan. With the year-end rush, January–October is ~80% of a
        # year's work while time progress is 83.3%: a project on plan runs ~1.1.
        factor = 1.1 * district_perf * math.exp(rng.gauss(0, 0.15))
        roll = rng.random()
        if roll < 0.06:
            factor *= 0.5  # far behind: red on progress
        elif roll < 0.18:
            factor *= 1.2  # ahead of plan: green
        if stalled_months:
            factor *= 0.7
        years: dict[int, dict] = {}
        reports: list = []
        invested_share = 0.0
        run_start = start or planned_start
        for year in (last_year, this_year):
            if run_start is None or run_start > dt.date(year, 12, 31):
                continue
            if completion and completion < dt.date(year, 1, 1):
                continue
            if scenario in ("pipeline", "withdrawn"):
                continue
            plan_from = max(planned_start or run_start, dt.date(year, 1, 1))
            plan_to = min(planned_completion or dt.date(year, 12, 31), dt.date(year, 12, 31))
            if completion and completion.year == year:
                plan_to = max(plan_to, completion)
            plan_months = [m for y, m in months_between(plan_from, plan_to) if y == year]
            if not plan_months:
                plan_months = [12]
            months_share = len(plan_months) / max(duration_months, 1)
            share = min(months_share * rng.uniform(0.85, 1.15), max(0.05, 1 - invested_share))
            plan = money(float(total) * share)
            invested_share += share
            spec = {
                "plan": plan,
                "new_start": bool(planned_start and planned_start.year == year),
                "planned_completion": bool(planned_completion and planned_completion.year == year),
                "revision": None,
                "monthly_amounts": None,
            }
            if year == this_year and rng.random() < 0.12:
                if rng.random() < 0.7:
                    new = money(float(plan) * rng.uniform(0.55, 0.85))
                    spec["revision"] = (new, rng.choice(REVISION_REASONS_DOWN))
                else:
                    new = money(float(plan) * rng.uniform(1.1, 1.3))
                    spec["revision"] = (new, rng.choice(REVISION_REASONS_UP))
            elif year == last_year and rng.random() < 0.05:
                new = money(float(plan) * rng.uniform(0.7, 0.9))
                spec["revision"] = (new, rng.choice(REVISION_REASONS_DOWN))
            current = spec["revision"][0] if spec["revision"] else plan
            if year == this_year and rng.random() < 0.22:
                weight_sum = sum(SEASON[m] for m in plan_months)
                amounts = {m: money(float(current) * SEASON[m] / weight_sum) for m in plan_months}
                amounts[plan_months[-1]] += current - sum(amounts.values())
                if amounts[plan_months[-1]] >= 0:
                    spec["monthly_amounts"] = amounts
            years[year] = spec

            # Monthly reports: against the original plan, shaped by the season.
            if not start:
                continue
            weight_sum = sum(SEASON[m] for m in plan_months)
            last_report = self.last_month_end
            if completion:
                last_report = min(last_report, month_end(completion.year, completion.month))
            if stalled_months:
                stop = add_months(self.last_month_end, -stalled_months)
                last_report = month_end(stop.year, stop.month)
            report_from = max(start, dt.date(year, 1, 1), self.first_report_month)
            for y, m in months_between(report_from, min(last_report, dt.date(year, 12, 31))):
                season = SEASON[m] / weight_sum
                amount = money(float(plan) * season * factor * rng.uniform(0.75, 1.25))
                if rng.random() < 0.03:
                    amount = Decimal("0.00")
                reports.append((y, m, amount, rng.choice(REPORT_NOTES)))

        # Milestones: the four 前期手续 before the (planned) start, then construction nodes.
        milestones = []
        departments = self.departments[district.code]
        anchor = start or planned_start
        if anchor:
            for kind, label, dept_code, days_before in FRONT_MILESTONES:
                due = anchor - dt.timedelta(days=days_before + rng.randint(-10, 10))
                responsible = self.heads[departments[dept_code].pk]
                if start:
                    done_on = min(due + dt.timedelta(days=rng.randint(-20, 15)), start)
                elif due < today and rng.random() < 0.55:
                    done_on = due + dt.timedelta(days=rng.randint(-10, 20))
                    done_on = min(done_on, today - dt.timedelta(days=1))
                else:
                    done_on = None
                milestones.append((kind, label, due, done_on, responsible))
        if start and not completion:
            end = planned_completion or add_months(start, duration_months)
            span = max((end - start).days, 60)
            roll = rng.random()
            for index, label in enumerate(BUILD_MILESTONES):
                due = start + dt.timedelta(days=span * (index + 1) // len(BUILD_MILESTONES))
                done_on = None
                if due < today:
                    done_on = min(due + dt.timedelta(days=rng.randint(-25, 10)), today)
                    done_on = max(min(done_on, today - dt.timedelta(days=1)), start)
                milestones.append(
                    (MilestoneKind.CONSTRUCTION, label, due, done_on, self.heads[dept.pk])
                )
            if roll < 0.14:
                # An overdue node: within 30 days (yellow) or longer (red).
                late = rng.randint(5, 28) if roll < 0.08 else rng.randint(35, 120)
                due = today - dt.timedelta(days=late)
                milestones.append(
                    (
                        MilestoneKind.CONSTRUCTION,
                        "关键节点：主体工程形象进度",
                        due,
                        None,
                        self.heads[dept.pk],
                    )
                )

        # Factor guarantees, some with a gap.
        factors = []
        kinds = rng.sample(
            [
                FactorKind.LAND,
                FactorKind.ENERGY,
                FactorKind.CREDIT,
                FactorKind.SPECIAL_BOND,
                FactorKind.WATER,
                FactorKind.EMISSION,
                FactorKind.CENTRAL_BUDGET,
                FactorKind.TREASURY_BOND,
            ],
            k=rng.randint(1, 3),
        )
        for kind in kinds:
            if kind == FactorKind.LAND:
                demand = money(rng.uniform(20, 600))
            elif kind in (FactorKind.ENERGY, FactorKind.EMISSION):
                demand = money(rng.uniform(200, 20000))
            elif kind == FactorKind.WATER:
                demand = money(rng.uniform(1, 80))
            else:
                demand = money(float(total) * rng.uniform(0.05, 0.4))
            if rng.random() < 0.3:
                secured = money(float(demand) * rng.uniform(0.2, 0.9))
                note = "缺口正在协调解决"
            else:
                secured, note = demand, ""
            factors.append((kind, demand, secured, note))

        # Four-in-one chain, and a change during this year for some.
        leaders = self.leaders[district.code]
        leader = leaders[0] if rng.random() < 0.45 else rng.choice(leaders[1:])
        chain_from = stages[0][1]
        chain = {
            "leader": (leader, chain_from),
            "department_head": (self.heads[dept.pk], chain_from),
            "town_head": (self.heads[self.town_offices[town.code].pk], chain_from),
            "staff": (rng.choice(self.staff[district.code]), chain_from),
        }
        chain_changes = []
        if scenario not in ("pipeline", "withdrawn") and rng.random() < 0.12:
            role = rng.choice(["leader", "staff", "department_head"])
            day = random_day(rng, dt.date(this_year, 3, 1), today - dt.timedelta(days=1))
            if role == "leader":
                replacement = rng.choice([p for p in leaders if p != leader])
            elif role == "staff":
                replacement = rng.choice(
                    [p for p in self.staff[district.code] if p != chain["staff"][0]]
                )
            else:
                other = departments[rng.choice([k for k in DEPARTMENTS if k != dept_key])]
                replacement = self.heads[other.pk]
            chain_changes.append((role, replacement, max(day, chain_from)))

        withdrawal = None
        if scenario == "withdrawn":
            outcome = weighted(rng, [("approved", 80), ("pending", 10), ("rejected", 10)])
            request_on = random_day(rng, stages[-1][1], today - dt.timedelta(days=2))
            withdrawal = (outcome, rng.choice(WITHDRAWAL_REASONS), request_on)

        lat_jitter, lng_jitter = rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06)
        fields = {
            "name": name,
            "region": district,
            "town": town,
            "owner_company": owner,
            "industry": industry,
            "latitude": Decimal(f"{lat + lat_jitter:.6f}"),
            "longitude": Decimal(f"{lng + lng_jitter:.6f}"),
            "level": level,
            "total_investment": total,
            "planned_start": planned_start,
            "planned_completion": planned_completion,
            "responsible_unit": dept,
            "description": (
                f"项目位于{district.name}{town.name}，总投资{total}万元，主要建设{_content(name)}。"
            ),
        }
        return _Plan(
            code=code,
            fields=fields,
            categories=categories,
            stages=stages,
            finish=finish,
            years=years,
            reports=reports,
            milestones=milestones,
            factors=factors,
            chain=chain,
            chain_changes=chain_changes,
            withdrawal=withdrawal,
            official=self.officials[district.code],
        )

    def _write(self, plan: _Plan) -> Project:
        user = plan.official
        first_stage, created_on = plan.stages[0]
        project = services.project_create(
            code=plan.code,
            stage=first_stage,
            categories=plan.categories,
            actor=user,
            stage_date=created_on,
            **plan.fields,
        )
        for stage, on in plan.stages[1:]:
            project = services.project_set_stage(project=project, stage=stage, actor=user, on=on)
        if plan.finish:
            project = services.project_update(project=project, actor=user, **plan.finish)
        for year, spec in sorted(plan.years.items()):
            services.project_year_set(
                project=project,
                year=year,
                annual_plan=spec["plan"],
                new_start=spec["new_start"],
                planned_completion=spec["planned_completion"],
                actor=user,
            )
            if spec["revision"]:
                amount, reason = spec["revision"]
                services.project_year_set(
                    project=project, year=year, annual_plan=amount, reason=reason, actor=user
                )
                self.result.created["plan_revisions"] += 1
            self.result.created["annual_plans"] += 1
        for role_code, (person, on) in plan.chain.items():
            services.chain_assign(
                project=project, role=self.roles[role_code], person=person, on=on, actor=user
            )
            self.result.created["chain_assignments"] += 1
        for role_code, person, on in plan.chain_changes:
            services.chain_assign(
                project=project, role=self.roles[role_code], person=person, on=on, actor=user
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
            force._history_user = self.officials[project.region_id]
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

    def _withdrawals(self, created: list[tuple[_Plan, Project]]) -> None:
        for plan, project in created:
            if not plan.withdrawal:
                continue
            outcome, reason, requested_on = plan.withdrawal
            withdrawal = services.withdrawal_request(
                project=project, reason=reason, actor=plan.official
            )
            if outcome != "pending":
                approve = outcome == "approved"
                services.withdrawal_review(
                    withdrawal=withdrawal,
                    actor=self.reviewer,
                    approve=approve,
                    note="同意退库。" if approve else "项目仍具备推进条件，请继续跟踪。",
                    on=min(requested_on + dt.timedelta(days=3), self.today),
                )
            self.result.created["withdrawals"] += 1


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
