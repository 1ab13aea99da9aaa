"""The project list as .xlsx (`?export=xlsx` on the list the user is looking at, same
filters): streamed row by row with openpyxl's write-only mode into a temporary file (constant
memory for any number of projects), then sent as a file response."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessment.choices import Colour
from assessment.measures import ratio
from assessment.models import ProjectStatus
from assessment.selectors import status_joined
from core.formatting import cnperiod
from core.periods import Period
from core.xlsx import DATE_FORMAT, MONEY_FORMAT, RATE_FORMAT, Column, ListSheet, response

from .choices import Level, Stage
from .models import ChainAssignment, Project

ZERO = Decimal("0")


CHUNK = 2000

# A row of the list, read as plain values (no model instances): the project's columns, the
# names of its region, town and unit, the period's status (with_status's annotations).
_ROW = (
    "pk",
    "code",
    "name",
    "region__name",
    "town__name",
    "level",
    "stage",
    "total_investment",
    "status_annual_plan",
    "status_completed_ytd",
    "status_investment_rate",
    "status_time_progress",
    "status_colour",
    "planned_start",
    "actual_start",
    "planned_completion",
    "actual_completion",
    "in_statistics",
    "responsible_unit__name",
)
# The period's status row itself, joined in the same query (`with_status`'s FilteredRelation):
# its `reason` words the colour from the status's stored columns.
_STATUS = [field.attname for field in ProjectStatus._meta.concrete_fields]


def _rows(projects, size: int) -> Iterator[tuple[tuple, ProjectStatus | None, str, str]]:
    """(the row's values, the period's status, its categories, its current leaders) a chunk
    at a time, from one query with a server-side cursor (`_ROW` and the status's columns as
    plain values) and, per chunk, two flat queries for the names of the categories and the
    leaders — model instances of every project, its region, town and unit, category link,
    chain member and status cost more than writing the row at 100,000 projects. A project's
    status is built (from the joined columns) only where it has a colour to word."""
    # the annual plan is annotated by the list's caller where a period is computed
    plan = _ROW.index("status_annual_plan")
    planned = "status_annual_plan" in projects.query.annotations
    fields = [name for name in _ROW if planned or name != "status_annual_plan"]
    joined = status_joined(projects)
    status_fields = [f"period_status_row__{name}" for name in _STATUS] if joined else []
    rows = (
        projects.prefetch_related(None)
        .values_list(*fields, *status_fields)
        .iterator(chunk_size=size)
    )
    width = len(fields)
    colour = fields.index("status_colour")
    through = Project.categories.through
    db = projects.db
    while chunk := list(islice(rows, size)):
        ids = [row[0] for row in chunk]
        categories: dict[int, list[str]] = defaultdict(list)
        for project_id, name in (
            through.objects.filter(project_id__in=ids)
            .order_by("category__order", "category__name")
            .values_list("project_id", "category__name")
        ):
            categories[project_id].append(name)
        leaders: dict[int, list[str]] = defaultdict(list)
        for project_id, name in (
            ChainAssignment.objects.filter(
                project_id__in=ids, end_date__isnull=True, role__is_leader=True
            )
            .order_by("role__order", "role__code")
            .values_list("project_id", "person__name")
        ):
            leaders[project_id].append(name)
        for row in chunk:
            values = row[:width] if planned else (*row[:plan], None, *row[plan:width])
            status = (
                ProjectStatus.from_db(db, _STATUS, row[width:]) if joined and row[colour] else None
            )
            yield values, status, "、".join(categories[row[0]]), "、".join(leaders[row[0]])


def project_list_filename(period: Period | None) -> str:
    suffix = f"-{period}" if period else ""
    return f"{_('重点项目清单')}{suffix}.xlsx"


def project_list_xlsx(projects, *, period: Period | None, filters: list[str]) -> FileResponse:
    """The filtered list as .xlsx, as officials file it (`core.xlsx.ListSheet`): the title
    (the list, the period, the `filters`), a row per project, a 合计 row (money added, the
    investment rate as the ratio of the sums). `projects` comes from the list view (scoped,
    filtered, annotated with the period's status by `projects.selectors`)."""
    workbook = write_project_list(projects, period=period, filters=filters)
    return response(workbook, project_list_filename(period))


def write_project_list(
    projects,
    *,
    period: Period | None,
    filters: list[str],
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> Workbook:
    """The workbook of `project_list_xlsx`, in write-only mode (rows streamed to a temporary
    file as they are appended; memory flat for any number of projects), not yet saved;
    `progress(rows written)` every `every` rows (the background export's progress bar)."""
    workbook = Workbook(write_only=True)
    columns = [
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 36),
        Column(_("所属区域"), 12),
        Column(_("所在镇街"), 12),
        Column(_("项目级别"), 9),
        Column(_("建设阶段"), 9),
        Column(_("项目类别"), 22),
        Column(_("总投资（万元）"), 14, MONEY_FORMAT),
        Column(_("年度计划投资（万元）"), 14, MONEY_FORMAT),
        Column(_("累计完成投资（万元）"), 14, MONEY_FORMAT),
        Column(_("投资完成率"), 10, RATE_FORMAT),
        Column(_("时间进度"), 10, RATE_FORMAT),
        Column(_("四色"), 6),
        Column(_("颜色原因"), 40),
        Column(_("计划开工日期"), 12, DATE_FORMAT),
        Column(_("实际开工日期"), 12, DATE_FORMAT),
        Column(_("计划竣工日期"), 12, DATE_FORMAT),
        Column(_("实际竣工日期"), 12, DATE_FORMAT),
        Column(_("是否纳统"), 8),
        Column(_("责任单位"), 18),
        Column(_("包联领导"), 12),
    ]
    title = " · ".join([_("重点项目清单"), *([cnperiod(period)] if period else []), *filters])
    sheet = ListSheet(workbook, name=_("重点项目清单"), title=title, columns=columns)
    sums = {"total": ZERO, "plan": ZERO, "completed": ZERO}
    levels = {value: str(label) for value, label in Level.choices}
    stages = {value: str(label) for value, label in Stage.choices}
    colours = {value: str(label) for value, label in Colour.choices}
    yes, no = _("是"), _("否")
    for row, status, categories, leaders in _rows(projects, CHUNK):
        (
            _pk,
            code,
            name,
            region,
            town,
            level,
            stage,
            total_investment,
            annual_plan,
            completed_ytd,
            investment_rate,
            time_progress,
            colour,
            planned_start,
            actual_start,
            planned_completion,
            actual_completion,
            in_statistics,
            unit,
        ) = row
        values = [
            code,
            name,
            region,
            town if town is not None else "",
            levels.get(level, level),
            stages.get(stage, stage),
            categories,
            total_investment,
            annual_plan,
            completed_ytd,
            investment_rate,
            time_progress,
            colours.get(colour, "") if colour else "",
            status.reason if status is not None else "",
            planned_start,
            actual_start,
            planned_completion,
            actual_completion,
            yes if in_statistics else no,
            unit if unit is not None else "",
            leaders,
        ]
        sheet.append(values)
        for key, value in zip(sums, values[7:10], strict=True):
            sums[key] += value or ZERO
        if progress and sheet.count % every == 0:
            progress(sheet.count)
    total: list = [None] * len(columns)
    total[0] = _("合计")
    total[1] = _("%(n)s 个项目") % {"n": sheet.count}
    total[7:11] = [*sums.values(), ratio(sums["completed"], sums["plan"])]
    sheet.total(total)
    if progress:
        progress(sheet.count)
    return workbook


def milestone_status(milestone, today: dt.date) -> tuple[str, int | None]:
    """A milestone's state on `today` (按期完成 / 逾期完成 / 逾期 / 未到期) and the days it is
    or was late (None when on time) — the colour rule's reading of a milestone (DOMAIN.md: past
    due and not done counts against the project)."""
    if milestone.done_on is not None:
        late = (milestone.done_on - milestone.due_date).days
        return (_("逾期完成"), late) if late > 0 else (_("按期完成"), None)
    late = (today - milestone.due_date).days
    return (_("逾期未完成"), late) if late > 0 else (_("未到期"), None)


def milestone_list_xlsx(milestones, *, title: str, today: dt.date) -> FileResponse:
    """进度清单 / 配档表: every milestone (节点) of the projects, in project and due-date
    order, with its responsible person, its state on `today` and the days late; the 合计 row
    counts the milestones, the done and the late ones. `milestones` are scoped by the caller
    (`web.lists`) and carry `project__region` and `responsible`."""
    workbook = Workbook(write_only=True)
    columns = [
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 32),
        Column(_("所属区域"), 10),
        Column(_("节点名称"), 30),
        Column(_("类型"), 10),
        Column(_("计划完成日期"), 12, DATE_FORMAT),
        Column(_("实际完成日期"), 12, DATE_FORMAT),
        Column(_("责任人"), 10),
        Column(_("状态"), 10),
        Column(_("滞后天数"), 8, "0"),
        Column(_("备注"), 30),
    ]
    sheet = ListSheet(workbook, name=_("进度清单"), title=title, columns=columns, frozen=3)
    done = late = 0
    for milestone in milestones.iterator(chunk_size=1000):
        state, days = milestone_status(milestone, today)
        done += milestone.done_on is not None
        late += milestone.done_on is None and days is not None
        project = milestone.project
        sheet.append(
            [
                sheet.count + 1,
                project.code,
                project.name,
                project.region.name,
                milestone.name,
                milestone.get_kind_display(),
                milestone.due_date,
                milestone.done_on,
                milestone.responsible.name if milestone.responsible_id else "",
                state,
                days,
                milestone.note,
            ]
        )
    total: list = [None] * len(columns)
    total[1] = _("合计")
    total[2] = _("%(n)s 个节点，已完成 %(d)s 个，逾期未完成 %(l)s 个") % {
        "n": sheet.count,
        "d": done,
        "l": late,
    }
    sheet.total(total)
    return response(workbook, f"{_('进度清单')}-{today:%Y%m%d}.xlsx")


def chain_list_xlsx(projects, *, roles, title: str, today: dt.date) -> FileResponse:
    """责任清单: each project with its "四包一" chain — a column per active role (the person
    and their title), the responsible unit — and the total investment; the 合计 row counts the
    projects and adds the investment. `projects` carry `current_chain` (scoped by the caller)."""
    workbook = Workbook(write_only=True)
    columns = [
        Column(_("序号"), 6, "0"),
        Column(_("项目编号"), 14),
        Column(_("项目名称"), 32),
        Column(_("所属区域"), 10),
        Column(_("建设阶段"), 9),
        Column(_("总投资（万元）"), 14, MONEY_FORMAT),
        *[Column(role.name, 16) for role in roles],
        Column(_("责任单位"), 20),
        Column(_("缺位"), 14),
    ]
    sheet = ListSheet(workbook, name=_("责任清单"), title=title, columns=columns, frozen=3)
    invested = ZERO
    gaps = 0
    for project in projects.iterator(chunk_size=1000):
        holders = {a.role_id: a.person for a in getattr(project, "current_chain", [])}
        missing = [role.name for role in roles if role.pk not in holders]
        gaps += bool(missing)
        people = [str(holders[role.pk]) if role.pk in holders else "" for role in roles]
        sheet.append(
            [
                sheet.count + 1,
                project.code,
                project.name,
                project.region.name,
                project.get_stage_display(),
                project.total_investment,
                *people,
                project.responsible_unit.name if project.responsible_unit_id else "",
                "、".join(missing),
            ]
        )
        invested += project.total_investment or ZERO
    total: list = [None] * len(columns)
    total[1] = _("合计")
    total[2] = _("%(n)s 个项目，责任链缺位 %(g)s 个") % {"n": sheet.count, "g": gaps}
    total[5] = invested
    sheet.total(total)
    return response(workbook, f"{_('责任清单')}-{today:%Y%m%d}.xlsx")
