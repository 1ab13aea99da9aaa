"""The ledger (台账) exported in its own import format, so a district can edit it in Excel and
upload it back: the header row of `imports.ledger.ledger_columns` (row 1, as INTERFACES.md §3
requires — no title row above it), a row per project with every column the import reads, in
the form the import parses back to the stored value (names where they are unique, else codes;
是/否; dates as dates; 万元 as numbers). Uploaded untouched, `import_ledger` finds every row
unchanged: no write, no version bump, no history row (tests/imports/test_ledger_export.py).

Streamed with openpyxl's write-only mode, a thousand projects at a time (their year's plan and
reports read per chunk), so memory stays flat for any number of projects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from core.xlsx import DATE_FORMAT, HEADER_FILL, HEADER_FONT, MONEY_FORMAT, cell_value
from projects.choices import Level, RegionLevel, Stage
from projects.models import ChainAssignment, ChainRole, MonthlyReport, Project, ProjectYear, Region

from .base import chunked
from .ledger import MONTHS, chain_key, ledger_columns, month_key

CHUNK = 1000
MONEY_KEYS = {"total_investment", "annual_plan", *(month_key(m) for m in MONTHS)}
DATE_KEYS = {
    "planned_start",
    "actual_start",
    "planned_completion",
    "actual_completion",
    "operation_start",
    "statistics_date",
}


def ledger_projects(projects: QuerySet[Project]) -> QuerySet[Project]:
    """The projects a ledger export may hold: not withdrawn (the import refuses a withdrawn
    project's row), with what their row shows, in code order."""
    return (
        projects.exclude(stage=Stage.WITHDRAWN)
        .select_related("region", "town", "responsible_unit")
        .order_by("code")
    )


class _Names:
    """How a region or town is written so that the import finds it again: its name where the
    import's lookup by name is unambiguous, else its code."""

    def __init__(self) -> None:
        regions = list(Region.objects.only("code", "name", "level"))
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        for region in regions:
            self.by_name[region.name.strip()].append(region)

    def region(self, region: Region) -> str:
        named = self.by_name.get(region.name.strip(), [])
        counties = [r for r in named if r.level == RegionLevel.COUNTY]
        candidates = counties or named
        if len(candidates) == 1 and candidates[0].code == region.code:
            return region.name
        return region.code

    def town(self, town: Region, region: Region) -> str:
        inside = [
            r
            for r in self.by_name.get(town.name.strip(), [])
            if r.level == RegionLevel.TOWN and r.code.startswith(region.prefix)
        ]
        return town.name if len(inside) == 1 else town.code


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("是") if value else _("否")


def ledger_rows(
    projects: QuerySet[Project], *, year: int, roles: list[ChainRole]
) -> Iterator[dict[str, Any]]:
    """Each project's row as {column key: value}, chunk by chunk (4 queries per chunk)."""
    names = _Names()
    ids = list(ledger_projects(projects).values_list("pk", flat=True))
    through = Project.categories.through
    for chunk in chunked(ids, CHUNK):
        found = {p.pk: p for p in ledger_projects(Project.objects.filter(pk__in=chunk))}
        categories: dict[int, list[str]] = defaultdict(list)
        for project_id, name in (
            through.objects.filter(project_id__in=chunk)
            .order_by("category__order", "category__code")
            .values_list("project_id", "category__name")
        ):
            categories[project_id].append(name)
        years = {
            py.project_id: py for py in ProjectYear.objects.filter(project_id__in=chunk, year=year)
        }
        months: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for project_id, month, amount in MonthlyReport.objects.filter(
            project_id__in=chunk, year=year
        ).values_list("project_id", "month", "completed_investment"):
            months[project_id][month] = amount
        chain: dict[int, dict[int, str]] = defaultdict(dict)
        for project_id, role_id, person in ChainAssignment.objects.filter(
            project_id__in=chunk, end_date__isnull=True
        ).values_list("project_id", "role_id", "person__name"):
            chain[project_id][role_id] = person
        for pk in chunk:
            project = found[pk]
            py = years.get(pk)
            row: dict[str, Any] = {
                "code": project.code,
                "name": project.name,
                "region": names.region(project.region),
                "town": names.town(project.town, project.region) if project.town else None,
                "level": str(Level(project.level).label),
                "categories": "、".join(categories[pk]) or None,
                "stage": str(Stage(project.stage).label),
                "total_investment": project.total_investment,
                "annual_plan": py.annual_plan if py else None,
                "new_start": _yes_no(py.new_start) if py else None,
                "planned_completion_this_year": _yes_no(py.planned_completion) if py else None,
                "in_statistics": _yes_no(project.in_statistics),
                "owner_company": project.owner_company or None,
                "industry": project.industry or None,
                "latitude": project.latitude,
                "longitude": project.longitude,
                "responsible_unit": (
                    project.responsible_unit.name if project.responsible_unit else None
                ),
            }
            for key in DATE_KEYS:
                row[key] = getattr(project, key)
            for role in roles:
                row[chain_key(role)] = chain[pk].get(role.pk)
            for month in MONTHS:
                row[month_key(month)] = months[pk].get(month)
            yield row


def write_ledger_export(
    file,
    projects: QuerySet[Project],
    *,
    year: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Writes the ledger of `year` for `projects` (already scoped by the caller) to `file`;
    returns the number of rows. `progress(done, total)` is called every chunk."""
    roles = list(ChainRole.objects.filter(active=True))
    columns = ledger_columns(roles)
    total = ledger_projects(projects).count()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet((_("%(y)s年重点项目台账") % {"y": year})[:31])
    widths = {"code": 14, "name": 34, "categories": 20, "owner_company": 22, "responsible_unit": 20}
    for index, column in enumerate(columns, start=1):
        default = 14 if column.key in MONEY_KEYS or column.key in DATE_KEYS else 10
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(column.key, default)
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    formats = {
        column.key: MONEY_FORMAT
        if column.key in MONEY_KEYS
        else (DATE_FORMAT if column.key in DATE_KEYS else None)
        for column in columns
    }
    count = 0
    for row in ledger_rows(projects, year=year, roles=roles):
        sheet.append(list(_cells(sheet, columns, formats, row)))
        count += 1
        if progress and count % CHUNK == 0:
            progress(count, total)
    notes = workbook.create_sheet(_("填写说明"))
    for line in (
        _(
            "本表由系统按台账导入格式导出：修改后可直接在“台账导入”上传，未修改的行不会产生任何变化。"
        ),
        _("请勿修改项目编号；空白单元格不会清除已有数据；金额单位为万元。"),
        _("退库项目不在本表中（退库与恢复需经审核）。"),
    ):
        notes.append([line])
    workbook.save(file)
    if progress:
        progress(count, total)
    return count


def _cells(sheet, columns, formats: dict[str, str | None], row: dict[str, Any]) -> Iterable:
    for column in columns:
        value = row.get(column.key)
        cell = WriteOnlyCell(sheet, value=cell_value(value))
        fmt = formats[column.key]
        if fmt and value is not None:
            cell.number_format = fmt
        yield cell
