"""Import of the project ledger (台账), INTERFACES.md §2–§3 — all or nothing.

`import_ledger(file, year=Y)` reads every row, checks every row (cells, references, rights,
duplicates, plan revisions) and collects every error; if there is any, nothing is written.
Otherwise everything is written in one transaction, upserting by 项目编号, and a second import of
the same file changes nothing: each record is compared before it is written, so unchanged rows
get no new history rows and no version bumps.

Speed (10,000 rows in well under a minute, benchmarks/import_ledger.py): the existing state is
read in a few queries per 900 codes, the rows are checked in memory, and the writes are bulk
operations with their history rows (copied by the database, `base.bulk_create_with_history`,
or django-simple-history's bulk helpers), instead of per-row service calls. The rules
stay where they live: each record is checked with the model's own `full_clean`/field validators,
and the service rules are the services' own pure functions, applied to unsaved rows that are
then written in bulk: the first plan is the original, a later change is a revision that needs a
reason — `services.plan_change`; a stage move writes a StageChange and sets the actual start on
开工 — `services.stage_move`; a new chain member ends the previous one's term —
`services.chain_handover`.

Blank optional cells never erase what is stored (a partly filled sheet cannot wipe data); a value
is cleared in the application, not by the import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from projects import access, services
from projects.boundaries import BoundaryIndex
from projects.choices import Level, RegionLevel, Stage, UnitKind
from projects.models import (
    Category,
    ChainAssignment,
    ChainRole,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    StageChange,
    Unit,
)

from .base import (
    BATCH,
    UPDATE_BATCH,
    ImportConflict,
    after_reports_changed,
    bulk_create_with_history,
    bulk_insert,
    chunked,
    update_reports,
)
from .cells import (
    CellError,
    is_blank,
    normalize,
    parse_bool,
    parse_code,
    parse_date,
    parse_money,
    parse_names,
    parse_text,
)
from .result import FILE_ROW, ImportResult, Progress
from .sheet import Column, Row, duplicate_codes, read_table

MONTHS = range(1, 13)


# --- Columns --------------------------------------------------------------------------------


def parse_coordinate(value) -> Decimal | None:
    """A latitude or longitude in decimal degrees, kept to 6 places (the field's)."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise CellError(_("“%(v)s”不是有效的经纬度") % {"v": value})
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise CellError(_("“%(v)s”不是有效的经纬度") % {"v": value}) from None
    if not number.is_finite():
        raise CellError(_("“%(v)s”不是有效的经纬度") % {"v": value})
    return number.quantize(Decimal("0.000001"))


def parse_level(value) -> str | None:
    text = parse_text(value)
    if text is None:
        return None
    level = Level.from_text(text)
    if level is None:
        raise CellError(_("未知的项目级别“%(v)s”，应为 省级、市级 或 区级") % {"v": text})
    return level.value


def parse_stage(value) -> str | None:
    text = parse_text(value)
    if text is None:
        return None
    stage = Stage.from_text(text)
    if stage == Stage.WITHDRAWN:
        raise CellError(_("退库需提交申请并经审核批准，不能通过导入设置"))
    if stage is None:
        choices = " ".join(str(label) for value, label in Stage.choices if value != "withdrawn")
        raise CellError(_("未知的建设阶段“%(v)s”，应为：%(c)s") % {"v": text, "c": choices})
    return stage.value


def chain_key(role: ChainRole) -> str:
    return f"chain:{role.code}"


def month_key(month: int) -> str:
    return f"m{month}"


def ledger_columns(roles: Iterable[ChainRole] | None = None) -> list[Column]:
    """The ledger's columns in template order; the chain columns follow the configured roles."""
    if roles is None:
        roles = ChainRole.objects.filter(active=True)
    yes_no = _("是/否")
    date = _("日期，如 2024-03-01")
    columns = [
        Column("code", "项目编号", "code", True, parse_code, _("唯一编号")),
        Column("name", "项目名称", "name", True, parse_text),
        Column("region", "所属区域", "region", True, parse_code, _("县市区名称或区划代码")),
        Column("town", "所在镇街", "town", False, parse_code, _("镇街名称或区划代码")),
        Column("level", "项目级别", "level", True, parse_level, _("省级 / 市级 / 区级")),
        Column("categories", "项目类别", "categories", False, parse_names, _("多个用、或 , 分隔")),
        Column(
            "stage", "建设阶段", "stage", True, parse_stage, _("谋划 储备 在谈 签约 在建 竣工 投产")
        ),
        Column("total_investment", "总投资(万元)", "total_investment", True, parse_money),
        Column("annual_plan", "年度计划投资(万元)", "annual_plan", False, parse_money),
        Column("new_start", "是否新开工", "new_start", False, parse_bool, yes_no),
        Column(
            "planned_completion_this_year",
            "是否计划竣工",
            "planned_completion_this_year",
            False,
            parse_bool,
            yes_no,
        ),
        Column("planned_start", "计划开工日期", "planned_start", False, parse_date, date),
        Column("actual_start", "实际开工日期", "actual_start", False, parse_date, date),
        Column("planned_completion", "计划竣工日期", "planned_completion", False, parse_date, date),
        Column("actual_completion", "实际竣工日期", "actual_completion", False, parse_date, date),
        Column("operation_start", "投产日期", "operation_start", False, parse_date, date),
        Column("in_statistics", "是否纳统", "in_statistics", False, parse_bool, yes_no),
        Column("statistics_date", "纳统日期", "statistics_date", False, parse_date, date),
        Column("owner_company", "建设单位", "owner_company", False, parse_text),
        Column("industry", "所属行业", "industry", False, parse_text),
        Column(
            "latitude", "纬度", "latitude", False, parse_coordinate, _("WGS84 十进制度，如 36.0671")
        ),
        Column(
            "longitude",
            "经度",
            "longitude",
            False,
            parse_coordinate,
            _("WGS84 十进制度，如 120.3826"),
        ),
    ]
    columns += [
        Column(
            chain_key(role),
            role.name,
            role.code,
            False,
            parse_text,
            _("姓名，可加电话，如 王某 13800000000（新人员自动建档）"),
        )
        for role in roles
    ]
    columns.append(
        Column("responsible_unit", "责任单位", "responsible_unit", False, parse_text, _("单位名称"))
    )
    columns += [
        Column(month_key(m), f"{m}月", f"m{m}", False, parse_money, _("当月完成投资（万元）"))
        for m in MONTHS
    ]
    return columns


# Plain project fields a row may set (column key = model field name).
FK_FIELDS = ["region", "town", "responsible_unit"]  # resolved in memory; skip the per-row query
# The project's editable fields (`Project.EDITABLE_FIELDS`) the template has a column for,
# besides the foreign keys; the template's other columns are plans, the chain and the months.
SCALAR_FIELDS = [
    name for name in Project.EDITABLE_FIELDS if name not in FK_FIELDS and name != "description"
]
# Model validation errors → the column to blame.
FIELD_COLUMN = {name: name for name in SCALAR_FIELDS} | {
    "code": "code",
    "region": "region",
    "town": "town",
    "stage": "stage",
    "responsible_unit": "responsible_unit",
    NON_FIELD_ERRORS: "code",
}


# --- The import -----------------------------------------------------------------------------


def import_ledger(
    file,
    *,
    year: int,
    user=None,
    plan_revision_reason: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Imports the ledger of `year` from `file` (a path or a binary file object).

    As `user` (history user; rows outside what the user may change are errors), or as the system
    (no scoping, no history user) when None. Returns the result: `errors` (nothing written) or
    the counts of what was written.
    """
    return _LedgerImport(
        year=year, user=user, reason=plan_revision_reason.strip(), progress=progress
    ).run(file)


@dataclass
class _Known:
    """A person of a name in a region, as the import's matching sees them."""

    person: Person  # saved (pk) or added by this file
    active: bool
    phone: str
    unit_id: int | None


AMBIGUOUS = object()
_PHONE = re.compile(r"\+?\d[\d\- ]{5,}\d")
_SEPARATORS = " \t/／,，、;；:：()（）[]【】"


def phone_digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def split_person(cell: str) -> tuple[str, str]:
    """A chain cell → (name, phone digits): "王某", "王某 13800000000", "王某（0532-8888888）"."""
    match = _PHONE.search(cell)
    if match is None:
        return cell.strip(_SEPARATORS), ""
    name = (cell[: match.start()] + cell[match.end() :]).strip(_SEPARATORS)
    return name, phone_digits(match.group())


def match_person(known: list[_Known], phone: str, unit_id: int | None) -> Person | object | None:
    """Which of the people of a name in a region a chain cell means (the import never creates a
    second person for a name it knows):

    - a phone given: the one with that phone; else the one with no phone recorded (the same
      person, the phone not yet known); if everyone of the name has another phone, nobody (a
      different person of the same name: a new one);
    - no phone: the only one; of several, the only one in the row's 责任单位;
    - the active ones count first (an inactive person is matched only if no active one is).
    Several left → `AMBIGUOUS` (a row error, never a guess); nobody → None (a new person).
    """
    pool = [k for k in known if k.active] or known
    if not pool:
        return None
    if phone:
        same = [k for k in pool if phone_digits(k.phone) == phone]
        if not same:
            same = [k for k in pool if not phone_digits(k.phone)]
            if not same:
                return None
    else:
        same = pool
        if len(same) > 1 and unit_id is not None:
            same = [k for k in same if k.unit_id == unit_id] or same
    if len(same) > 1:
        return AMBIGUOUS
    return same[0].person


@dataclass
class _Plan:
    """What the import will write, gathered while checking."""

    new_units: dict[tuple[str, str], Unit] = field(default_factory=dict)
    new_people: dict[tuple[str, str, str], Person] = field(default_factory=dict)
    new_projects: list[Project] = field(default_factory=list)
    updated_projects: dict[frozenset, list[Project]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # code → (project, its final category ids), for new projects and changed categories
    categories: dict[str, tuple[Project, set[int]]] = field(default_factory=dict)
    stage_changes: list[StageChange] = field(default_factory=list)
    new_years: list[ProjectYear] = field(default_factory=list)
    updated_years: dict[frozenset, list[ProjectYear]] = field(
        default_factory=lambda: defaultdict(list)
    )
    revisions: list[PlanRevision] = field(default_factory=list)
    new_reports: list[MonthlyReport] = field(default_factory=list)
    # report id → (version seen, new amount, None: the ledger has no notes)
    report_updates: dict[int, tuple[int, Decimal, None]] = field(default_factory=dict)
    chain_ends: dict[int, int] = field(default_factory=dict)  # assignment id → person id seen
    new_assignments: list[ChainAssignment] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # project id → version seen
    # (year, month) of changed reports → one project of it (for the recompute hook)
    periods: dict[tuple[int, int], Project] = field(default_factory=dict)


class _LedgerImport:
    def __init__(self, *, year: int, user, reason: str, progress: Progress | None):
        self.year = year
        self.user = user if user is not None and getattr(user, "pk", None) else None
        self.scoped = user is not None
        self.reason = reason
        self.progress = progress
        self.today = timezone.localdate()
        self.result = ImportResult("ledger")
        self.plan = _Plan()
        # (region, name, phone digits) → the person resolved for it (existing or new)
        self.person_of: dict[tuple[str, str, str], Person] = {}
        self.unit_of: dict[tuple[str, str], Unit] = {}

    # -- driver --------------------------------------------------------------------------

    def run(self, file) -> ImportResult:
        result = self.result
        if not self._check_arguments():
            return result
        self.roles = list(ChainRole.objects.filter(active=True))
        self.columns = ledger_columns(self.roles)
        self.required = [column.key for column in self.columns if column.required]
        table = read_table(file, self.columns, result, self.progress)
        if table is None:
            return result
        self.table = table
        result.rows = len(table.rows)
        self.duplicates = duplicate_codes(table, result)
        self._prefetch()
        for index, row in enumerate(table.rows, start=1):
            self._check_row(row)
            if self.progress and index % 500 == 0:
                self.progress("validate", index, result.rows)
        if not result.ok:
            result.errors = result.sorted_errors()
            result.counts.clear()
            return result
        try:
            with transaction.atomic():
                self._write()
        except (ImportConflict, IntegrityError):
            result.counts.clear()
            result.error(
                FILE_ROW,
                "",
                _("导入期间有数据被他人修改，未写入任何数据，请重新导入。"),
                kind="conflict",
            )
        return result

    def _check_arguments(self) -> bool:
        try:
            ProjectYear._meta.get_field("year").run_validators(self.year)
        except ValidationError as exc:
            self.result.error(FILE_ROW, _("年度"), " ".join(exc.messages))
        if self.scoped and not (self.user and self.user.is_active and self.user.can_edit):
            self.result.error(
                FILE_ROW,
                "",
                _("用户“%(u)s”没有修改项目的权限。") % {"u": getattr(self.user, "username", "")},
            )
        return self.result.ok

    def header(self, key: str) -> str:
        return self.table.header(key, self.columns)

    def error(self, row: Row, key: str, reason: str, kind: str = "") -> None:
        self.result.error(row.number, self.header(key), reason, kind)

    # -- reading what exists -------------------------------------------------------------

    def _prefetch(self) -> None:  # noqa: C901  (one read after another, each a short loop)
        """The state the rows are compared with, in a few queries per 900 codes."""
        self.regions = {region.code: region for region in Region.objects.all()}
        self.boundaries = BoundaryIndex.load()
        self.region_names: dict[str, list[Region]] = defaultdict(list)
        for region in self.regions.values():
            self.region_names[normalize(region.name)].append(region)
        self.categories: dict[str, Category] = {}
        for category in Category.objects.all():
            self.categories[category.code.casefold()] = category
            self.categories[normalize(category.name).casefold()] = category

        codes = [code for code in {row.get("code") for row in self.table.rows} if code]
        self.existing: dict[str, Project] = {}
        self.changeable: set[str] = set()
        for chunk in chunked(codes):
            found = Project.objects.filter(code__in=chunk).order_by()
            self.existing.update((p.code, p) for p in found)
            if self.scoped:
                assert self.user is not None  # _check_arguments: a scoped import has a user
                allowed = access.scope(self.user, found, for_change=True)
                self.changeable.update(allowed.values_list("code", flat=True))
        if self.scoped:
            assert self.user is not None  # _check_arguments: a scoped import has a user
            self.changeable_regions = set(
                access.scope(self.user, Region.objects.all(), for_change=True).values_list(
                    "code", flat=True
                )
            )
        ids = [project.pk for project in self.existing.values()]
        for project in self.existing.values():
            project.region = self.regions[project.region_id]  # Project.clean reads it
        self.current_categories: dict[int, set[int]] = defaultdict(set)
        self.years: dict[int, ProjectYear] = {}
        self.reports: dict[tuple[int, int], tuple[int, int, Decimal]] = {}
        self.chain: dict[tuple[int, int], tuple[int, int]] = {}
        through = Project.categories.through
        for chunk in chunked(ids):
            links = through.objects.filter(project_id__in=chunk).order_by()
            for project_id, category_id in links.values_list("project_id", "category_id"):
                self.current_categories[project_id].add(category_id)
            for py in ProjectYear.objects.filter(project_id__in=chunk, year=self.year).order_by():
                self.years[py.project_id] = py
            reports = MonthlyReport.objects.filter(project_id__in=chunk, year=self.year)
            for pk, project_id, month, version, amount in reports.order_by().values_list(
                "pk", "project_id", "month", "version", "completed_investment"
            ):
                self.reports[(project_id, month)] = (pk, version, amount)
            current = ChainAssignment.objects.filter(project_id__in=chunk, end_date__isnull=True)
            for pk, project_id, role_id, person_id in current.order_by().values_list(
                "pk", "project_id", "role_id", "person_id"
            ):
                self.chain[(project_id, role_id)] = (pk, person_id)

        region_codes = {p.region_id for p in self.existing.values()}
        for row in self.table.rows:
            named = self._lookup_region(row.get("region"))
            if named is not None:
                region_codes.add(named.code)
        # (region, name) → the people of that name there (existing, then those this file adds)
        self.people: dict[tuple[str, str], list[_Known]] = defaultdict(list)
        self.units: dict[tuple[str, str], int] = {}
        for chunk in chunked(region_codes):
            people = Person.objects.filter(region_id__in=chunk).order_by()
            for pk, region_id, name, active, phone, unit_id in people.values_list(
                "pk", "region_id", "name", "active", "phone", "unit_id"
            ):
                self.people[(region_id, name)].append(
                    _Known(Person(pk=pk, name=name, region_id=region_id), active, phone, unit_id)
                )
            units = Unit.objects.filter(region_id__in=chunk).order_by()
            for pk, region_id, name in units.values_list("pk", "region_id", "name"):
                self.units[(region_id, name)] = pk

    def _lookup_region(self, text: str | None) -> Region | None:
        """By code, else by name (a district of that name; several → ambiguous, None)."""
        if not text:
            return None
        if text in self.regions:
            return self.regions[text]
        named = self.region_names.get(text, [])
        counties = [r for r in named if r.level == RegionLevel.COUNTY]
        candidates = counties or named
        return candidates[0] if len(candidates) == 1 else None

    # -- checking one row ----------------------------------------------------------------

    def _check_row(self, row: Row) -> None:
        code = row.get("code")
        existing = self.existing.get(code) if code else None
        before = len(self.result.errors)
        if existing is not None:
            if self.scoped and code not in self.changeable:
                self.error(row, "code", _("该项目编号已被您无权修改的项目使用"))
                return
            if existing.stage == Stage.WITHDRAWN:
                self.error(row, "stage", _("项目已退库，不能通过导入修改（恢复需经审核）"))
                return
        region = self._resolve_region(row)
        if region is None:
            return
        town = self._resolve_town(row, region)
        if self.scoped and not (
            region.code in self.changeable_regions
            or (town is not None and town.code in self.changeable_regions)  # a town's official
        ):
            self.error(row, "region", _("您无权导入“%(r)s”的项目") % {"r": region.name})
            return
        if code in self.duplicates or any(key not in row.values for key in self.required):
            return  # reported already (duplicate, or a required cell unreadable or blank)
        project, changed = self._check_project(row, existing, region, town)
        if project is None or len(self.result.errors) > before:
            return
        changed |= self._check_year(row, project)
        changed |= self._check_reports(row, project)
        changed |= self._check_chain(row, project, region)
        if existing is None:
            self.result.counts["projects_created"] += 1
        elif changed:
            self.result.counts["projects_updated"] += 1
        else:
            self.result.counts["projects_unchanged"] += 1

    def _resolve_region(self, row: Row) -> Region | None:
        text = row.get("region")
        if not text:
            return None
        region = self._lookup_region(text)
        if region is not None:
            return region
        named = self.region_names.get(text, [])
        if len(named) > 1:
            self.error(row, "region", _("区域名称“%(r)s”不唯一，请填写区划代码") % {"r": text})
        else:
            self.error(row, "region", _("本系统中没有区域“%(r)s”") % {"r": text})
        return None

    def _check_project(  # noqa: C901  (build or apply, validate, then record: in sequence)
        self, row: Row, existing: Project | None, region: Region, town: Region | None
    ) -> tuple[Project | None, bool]:
        """Builds the new project or applies the row to the existing one and validates it.
        Returns the project (None if invalid) and whether the project record changes."""
        values: dict[str, Any] = {
            name: row.get(name) for name in SCALAR_FIELDS if row.get(name) is not None
        }
        values["region"] = region
        if town is not None:
            values["town"] = town
        unit = self._resolve_unit(row, region)
        if unit is not None:
            values["responsible_unit"] = unit
        stage = row.get("stage")
        categories = self._resolve_categories(row)
        if existing is None:
            project = Project(code=row.get("code"), stage=stage, **values)
            changed_fields: list[str] = []
        else:
            project = existing
            changed_fields = [
                name for name, value in values.items() if _differs(project, name, value)
            ]
            for name in changed_fields:
                setattr(project, name, values[name])
            if stage != project.stage:
                change, moved = services.stage_move(
                    project, stage, on=self.today, actor=self.user, note=_("台账导入")
                )
                self.plan.stage_changes.append(change)
                changed_fields += moved
        if existing is None or changed_fields:
            try:
                project.full_clean(
                    exclude=FK_FIELDS, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.error(row, FIELD_COLUMN.get(name, "code"), " ".join(messages))
                return None, False
        if (existing is None or {"latitude", "longitude"} & set(changed_fields)) and not (
            self._check_location(row, project)
        ):
            return None, False
        if categories is None:
            return None, False
        code = project.code
        if existing is None:
            self.plan.new_projects.append(project)
            self.plan.stage_changes.append(
                StageChange(
                    project=project,
                    from_stage="",
                    to_stage=stage,
                    changed_on=self.today,
                    changed_by=self.user,
                    note=_("建档（台账导入）"),
                )
            )
            self.plan.categories[code] = (project, categories)
            return project, True
        if row.get("categories") is not None and categories != self.current_categories.get(
            project.pk, set()
        ):
            self.plan.categories[code] = (project, categories)
        if not changed_fields and code not in self.plan.categories:
            return project, False
        # changed fields, or the categories alone (then only version and history change)
        self.plan.versions[project.pk] = project.version
        self.plan.updated_projects[frozenset(changed_fields)].append(project)
        return project, True

    def _check_location(self, row: Row, project: Project) -> bool:
        """Both coordinates or neither; inside the installation's region boundaries when
        they are loaded (projects.boundaries), else only the ranges of the fields."""
        lat, lng = project.latitude, project.longitude
        if lat is None and lng is None:
            return True
        if lat is None or lng is None:
            missing = "latitude" if lat is None else "longitude"
            self.error(row, FIELD_COLUMN.get(missing, missing), _("经度和纬度应同时填写。"))
            return False
        if self.boundaries and not self.boundaries.covers(float(lng), float(lat)):
            self.error(
                row,
                FIELD_COLUMN.get("latitude", "latitude"),
                _(
                    "坐标（纬度 %(lat)s，经度 %(lng)s）不在本系统已导入的区划边界内，"
                    "请检查是否填反或填错。"
                )
                % {"lat": lat, "lng": lng},
            )
            return False
        return True

    def _resolve_town(self, row: Row, region: Region) -> Region | None:
        text = row.get("town")
        if not text:
            return None
        town = self.regions.get(text)
        if town is None:
            inside = [
                r
                for r in self.region_names.get(text, [])
                if r.level == RegionLevel.TOWN and r.code.startswith(region.prefix)
            ]
            town = inside[0] if len(inside) == 1 else None
        if town is None or town.level != RegionLevel.TOWN:
            self.error(
                row,
                "town",
                _("“%(r)s”下没有镇街“%(t)s”") % {"r": region.name, "t": text},
            )
            return None
        return town

    def _resolve_categories(self, row: Row) -> set[int] | None:
        """The category ids of the row; None (with errors) if any name is unknown."""
        names = row.get("categories") or []
        ids: set[int] = set()
        ok = True
        for name in names:
            category = self.categories.get(normalize(name).casefold())
            if category is None:
                self.error(
                    row,
                    "categories",
                    _("未知的项目类别“%(c)s”（类别需先在系统中设置）") % {"c": name},
                )
                ok = False
            elif not category.active:
                self.error(row, "categories", _("项目类别“%(c)s”已停用") % {"c": name})
                ok = False
            else:
                ids.add(category.pk)
        return ids if ok else None

    def _resolve_unit(self, row: Row, region: Region) -> Unit | None:
        """The unit of that name in the region, created if new (one object per unit)."""
        name = row.get("responsible_unit")
        if not name:
            return None
        key = (region.code, name)
        unit = self.unit_of.get(key)
        if unit is not None:
            return unit
        pk = self.units.get(key)
        if pk is not None:
            unit = Unit(pk=pk, name=name, region=region)
        else:
            unit = Unit(name=name, region=region, kind=UnitKind.DEPARTMENT)
            try:
                unit.clean_fields(exclude=["region"])
            except ValidationError as exc:
                self.error(row, "responsible_unit", " ".join(exc.messages))
                return None
            self.plan.new_units[key] = unit
        self.unit_of[key] = unit
        return unit

    def _check_year(self, row: Row, project: Project) -> bool:
        """The annual plan and flags of the year (rules of services.project_year_set)."""
        plan = row.get("annual_plan")
        new_start = row.get("new_start")
        finish = row.get("planned_completion_this_year")
        if plan is None and new_start is None and finish is None:
            return False
        py = self.years.get(project.pk) if project.pk else None
        if py is None:
            py = ProjectYear(
                project=project,
                year=self.year,
                annual_plan=plan,
                original_plan=plan,
                new_start=bool(new_start),
                planned_completion=bool(finish),
            )
            self._validate(row, py, "annual_plan", exclude=["project"])
            self.plan.new_years.append(py)
            return True
        changed: list[str] = []
        if new_start is not None and py.new_start != new_start:
            py.new_start = new_start
            changed.append("new_start")
        if finish is not None and py.planned_completion != finish:
            py.planned_completion = finish
            changed.append("planned_completion")
        if plan is not None and py.annual_plan != plan:
            first = py.original_plan is None
            try:
                revision = services.plan_change(py, plan, reason=self.reason, actor=self.user)
            except ValidationError as exc:
                message = " ".join(exc.message_dict["annual_plan"])
                self.error(row, "annual_plan", message, kind="plan_revision")
                return False
            if revision is not None:
                self._validate(row, revision, "annual_plan", exclude=["project_year"])
                self.plan.revisions.append(revision)
            changed.extend(["original_plan", "annual_plan"] if first else ["annual_plan"])
        if not changed:
            return False
        self._validate(row, py, "annual_plan", exclude=["project"])
        self.plan.updated_years[frozenset(changed)].append(py)
        return True

    def _validate(self, row: Row, obj, key: str, *, exclude: list[str]) -> None:
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            self.error(row, key, " ".join(exc.messages))

    def _check_reports(self, row: Row, project: Project) -> bool:
        changed = False
        for month in MONTHS:
            amount = row.get(month_key(month))
            if amount is None:
                continue
            seen = self.reports.get((project.pk, month)) if project.pk else None
            if seen is None:
                self.plan.new_reports.append(
                    MonthlyReport(
                        project=project,
                        year=self.year,
                        month=month,
                        completed_investment=amount,
                        reported_by=self.user,
                    )
                )
                self.result.counts["reports_created"] += 1
            elif seen[2] != amount:
                self.plan.report_updates[seen[0]] = (seen[1], amount, None)
                self.result.counts["reports_updated"] += 1
            else:
                self.result.counts["reports_unchanged"] += 1
                continue
            self.plan.periods.setdefault((self.year, month), project)
            changed = True
        return changed

    def _check_chain(self, row: Row, project: Project, region: Region) -> bool:
        """The four-in-one chain (rules of services.chain_assign: the same person stays; someone
        new starts today and the holder's term ends — `services.chain_handover`)."""
        changed = False
        for role in self.roles:
            name = row.get(chain_key(role))
            if not name:
                continue
            person = self._resolve_person(row, role, region, name)
            if person is None:
                continue
            current = self.chain.get((project.pk, role.pk)) if project.pk else None
            if current is not None and person.pk is not None and current[1] == person.pk:
                continue
            if current is not None:
                self.plan.chain_ends[current[0]] = current[1]
            self.plan.new_assignments.append(
                ChainAssignment(project=project, role=role, person=person, start_date=self.today)
            )
            self.result.counts["chain_assigned"] += 1
            changed = True
        return changed

    def _resolve_person(self, row: Row, role: ChainRole, region: Region, cell: str):
        """The person a chain cell names (`split_person`: a name, perhaps a phone), in the
        region — never a second person for a name known there (`match_person`); a new person
        (with the phone given) when nobody matches; several possible → a row error, no guess."""
        name, phone = split_person(cell)
        if not name:
            self.error(row, chain_key(role), _("请填写姓名"))
            return None
        key = (region.code, name, phone)
        person = self.person_of.get(key)
        if person is not None:
            return person
        known = self.people[(region.code, name)]
        unit = self.unit_of.get((region.code, row.get("responsible_unit") or ""))
        found = match_person(known, phone, unit.pk if unit is not None else None)
        if found is AMBIGUOUS:
            self.error(
                row,
                chain_key(role),
                _(
                    "“%(r)s”有多名叫“%(n)s”的人员，无法确定是哪一位：请在姓名后加电话，或先在系统中处理重名"
                )
                % {"r": region.name, "n": name},
            )
            return None
        if isinstance(found, Person):
            person = found
        else:
            person = Person(name=name, region=region, phone=phone)
            try:
                person.clean_fields(exclude=["region", "unit"])
            except ValidationError as exc:
                self.error(row, chain_key(role), " ".join(exc.messages))
                return None
            self.plan.new_people[key] = person
            known.append(_Known(person, True, phone, None))
        self.person_of[key] = person
        return person

    # -- writing -------------------------------------------------------------------------

    def _write(self) -> None:
        plan, counts = self.plan, self.result.counts
        now = timezone.now()
        # every history row of the import: the same user and the same time
        self.stamp = {"default_user": self.user, "default_date": now}
        steps = 7
        self._lock_and_check_versions()
        self._report_progress(1, steps)

        bulk_create_with_history(list(plan.new_units.values()), Unit, **self.stamp)
        bulk_create_with_history(list(plan.new_people.values()), Person, **self.stamp)
        counts["units_created"] = len(plan.new_units)
        counts["people_created"] = len(plan.new_people)
        self._report_progress(2, steps)

        self._write_projects(now)
        self._report_progress(3, steps)

        bulk_insert(plan.stage_changes, StageChange)
        counts["stage_changes"] = sum(1 for sc in plan.stage_changes if sc.from_stage)
        self._report_progress(4, steps)

        bulk_create_with_history(plan.new_years, ProjectYear, **self.stamp)
        for fields, years in plan.updated_years.items():
            bulk_update_with_history(years, ProjectYear, list(fields), UPDATE_BATCH, **self.stamp)
        bulk_insert(plan.revisions, PlanRevision)
        counts["plans_created"] = len(plan.new_years)
        counts["plans_updated"] = sum(len(years) for years in plan.updated_years.values())
        counts["plans_revised"] = len(plan.revisions)
        self._report_progress(5, steps)

        self._write_reports()
        self._report_progress(6, steps)

        self._write_chain()
        self._report_progress(7, steps)
        after_reports_changed(plan.periods)

    def _report_progress(self, step: int, steps: int) -> None:
        if self.progress:
            self.progress("write", step, steps)

    def _lock_and_check_versions(self) -> None:
        """Optimistic lock: what is updated must still be what was checked."""
        versions = self.plan.versions
        for chunk in chunked(versions):
            for pk, version in (
                Project.objects.select_for_update()
                .filter(pk__in=chunk)
                .values_list("pk", "version")
            ):
                if versions[pk] != version:
                    raise ImportConflict

    def _write_projects(self, now) -> None:
        plan = self.plan
        history = Project.history
        bulk_insert(plan.new_projects, Project)
        updated: list[Project] = []
        for fields, projects in plan.updated_projects.items():
            for project in projects:
                project.version += 1
                project.updated_at = now
            Project.objects.bulk_update(
                projects, [*fields, "version", "updated_at"], batch_size=UPDATE_BATCH
            )
            updated += projects
        self._write_categories()
        records = history.bulk_history_create(plan.new_projects, BATCH, **self.stamp)
        records += history.bulk_history_create(updated, BATCH, update=True, **self.stamp)
        self._write_category_history(records)
        self.result.counts["projects_created"] = len(plan.new_projects)

    def _write_categories(self) -> None:
        through = Project.categories.through
        removed = []
        added = []
        for project, wanted in self.plan.categories.values():
            current = self.current_categories.get(project.pk, set()) if project.pk else set()
            removed += [(project.pk, c) for c in current - wanted]
            added += [through(project_id=project.pk, category_id=c) for c in wanted - current]
        for project_id, category_id in removed:
            # an M2M link, not a business record: categories.set() removes it the same way
            through.objects.filter(project_id=project_id, category_id=category_id).delete()
        bulk_insert(added, through)

    def _write_category_history(self, records) -> None:
        """The categories of each new history row, as simple_history records M2M fields."""
        m2m_history = Project.history.model.categories.model
        through = Project.categories.through
        ids = [record.id for record in records]
        links: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for chunk in chunked(ids):
            found = through.objects.filter(project_id__in=chunk).order_by()
            for pk, project_id, category_id in found.values_list("pk", "project_id", "category_id"):
                links[project_id].append((pk, category_id))
        rows = [
            m2m_history(history=record, id=pk, project_id=record.id, category_id=category_id)
            for record in records
            for pk, category_id in links[record.id]
        ]
        bulk_insert(rows, m2m_history)

    def _write_reports(self) -> None:
        plan, user, counts = self.plan, self.user, self.result.counts
        bulk_create_with_history(plan.new_reports, MonthlyReport, **self.stamp)
        counts["reports_created"] = len(plan.new_reports)
        counts["reports_updated"] = update_reports(plan.report_updates, user)

    def _write_chain(self) -> None:
        plan = self.plan
        ended: list[ChainAssignment] = []
        for chunk in chunked(plan.chain_ends):
            for assignment in ChainAssignment.objects.select_for_update().filter(pk__in=chunk):
                if assignment.end_date is not None or (
                    assignment.person_id != plan.chain_ends[assignment.pk]
                ):
                    raise ImportConflict
                services.chain_handover(assignment, self.today)
                ended.append(assignment)
        bulk_update_with_history(ended, ChainAssignment, ["end_date"], UPDATE_BATCH, **self.stamp)
        bulk_create_with_history(plan.new_assignments, ChainAssignment, **self.stamp)


def _differs(project: Project, name: str, value) -> bool:
    if name in FK_FIELDS:
        field = Project._meta.get_field(name)
        assert isinstance(field, Field)  # a foreign key, not a reverse relation
        current = getattr(project, field.attname)
        return value.pk is None or current != value.pk
    return getattr(project, name) != value
