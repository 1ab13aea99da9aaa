"""Import of one month's completed investment (月报), INTERFACES.md §2 — all or nothing.

Columns: 项目编号 (code), 本月完成投资(万元) (completed_investment), optionally 进展说明 (note);
a 项目名称 column is accepted for the reader and not used. Every row is checked first (unknown,
withdrawn or out-of-scope project, bad amount, duplicate code) and every error reported; if
there is any, nothing is written. A report that exists with the same amount (and note) is left
alone; a different amount updates it with a version bump and a history row; a new one is created.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import access, plausibility
from projects.choices import Stage
from projects.models import MonthlyReport, Project

from .base import (
    ImportConflict,
    after_reports_changed,
    bulk_create_with_history,
    chunked,
    update_reports,
)
from .cells import parse_code, parse_money, parse_text
from .result import FILE_ROW, ImportResult, Progress
from .sheet import Column, Table, duplicate_codes, read_table

REPORT_COLUMNS = [
    Column("code", "项目编号", "code", True, parse_code),
    Column(
        "completed_investment",
        "本月完成投资(万元)",
        "completed_investment",
        True,
        parse_money,
        gettext_lazy("当月完成投资（万元），≥ 0"),
    ),
    Column("note", "进展说明", "note", False, parse_text),
    Column("name", "项目名称", "name", False, parse_text, gettext_lazy("仅供核对，不导入")),
    Column(
        "annual_plan",
        "年度计划(万元)",
        "annual_plan",
        False,
        parse_text,
        gettext_lazy("预填模板中供核对，不导入"),
    ),
    Column(
        "completed_before",
        "本月前累计(万元)",
        "completed_before",
        False,
        parse_text,
        gettext_lazy("预填模板中供核对，不导入"),
    ),
]


def import_reports(  # noqa: C901  (the import's steps in order: arguments, table, rows, write)
    file,
    *,
    year: int,
    month: int,
    user=None,
    progress: Progress | None = None,
    confirm_warnings: bool = False,
) -> ImportResult:
    """Imports the completed investment of `year`-`month` from `file` (path or binary file).

    As `user` (scoped to what the user may change; history user) or as the system when None.
    A user's new and changed amounts are checked for plausibility (`projects.plausibility`, set-
    wise): unless `confirm_warnings`, any warning is a row error (kind "plausibility") and nothing
    is written; confirmed, each report records its warnings and who confirmed them.
    """
    result = ImportResult("reports")
    scoped = user is not None
    history_user = user if scoped and getattr(user, "pk", None) else None
    for name, value in (("year", year), ("month", month)):
        try:
            field = MonthlyReport._meta.get_field(name)
            assert isinstance(field, Field)  # year, month: model fields
            field.run_validators(value)
        except ValidationError as exc:
            label = _("年度") if name == "year" else _("月份")
            result.error(FILE_ROW, label, " ".join(exc.messages))
    if scoped and not (user.is_active and getattr(user, "can_edit", False)):
        result.error(FILE_ROW, "", _("用户“%(u)s”没有填报的权限。") % {"u": user.username})
    if not result.ok:
        return result
    table = read_table(file, REPORT_COLUMNS, result, progress)
    if table is None:
        return result
    result.rows = len(table.rows)

    def header(key: str) -> str:
        return table.header(key, REPORT_COLUMNS)

    duplicates = duplicate_codes(table, result)
    projects, changeable, reports = _prefetch(table, user if scoped else None, year, month)
    amount_field = MonthlyReport._meta.get_field("completed_investment")
    new: list[MonthlyReport] = []
    updates: dict[int, tuple[int, Decimal, str | None]] = {}  # id → (version seen, amount, note)
    periods: dict[tuple[int, int], Project] = {}
    checked: list[tuple[int, MonthlyReport | int]] = []  # (row number, new report | update id)
    entries: list[plausibility.Entry] = []
    for index, row in enumerate(table.rows, start=1):
        if progress and index % 500 == 0:
            progress("validate", index, result.rows)
        code = row.get("code")
        amount = row.get("completed_investment")
        if not code or code in duplicates:
            continue
        project = projects.get(code)
        if project is None:
            result.error(row.number, header("code"), _("项目编号“%(c)s”不存在") % {"c": code})
            continue
        if scoped and code not in changeable:
            result.error(row.number, header("code"), _("项目不在您的管辖范围内，无权填报"))
            continue
        if project.stage == Stage.WITHDRAWN:
            result.error(row.number, header("code"), _("项目已退库，不能填报"))
            continue
        if amount is None:
            continue  # the cell's error is already reported
        try:
            amount_field.run_validators(amount)
        except ValidationError as exc:
            result.error(row.number, header("completed_investment"), " ".join(exc.messages))
            continue
        note = row.get("note")
        seen = reports.get(project.pk)
        if seen is None:
            new.append(
                MonthlyReport(
                    project=project,
                    year=year,
                    month=month,
                    completed_investment=amount,
                    note=note or "",
                    reported_by=history_user,
                )
            )
            checked.append((row.number, new[-1]))
            entries.append(plausibility.Entry(project, year, month, amount))
        elif seen[2] != amount or (note is not None and seen[3] != note):
            updates[seen[0]] = (seen[1], amount, note)
            if seen[2] != amount:
                checked.append((row.number, seen[0]))
                entries.append(plausibility.Entry(project, year, month, amount))
        else:
            result.counts["reports_unchanged"] += 1
            continue
        periods.setdefault((year, month), project)
    confirmed: dict[int, list[str]] = {}  # update id → the warnings confirmed
    if scoped and result.ok:
        for position, warnings in plausibility.check(entries).items():
            number, target = checked[position]
            texts = plausibility.messages(warnings)
            if not confirm_warnings:
                for text in texts:
                    result.error(number, header("completed_investment"), text, kind="plausibility")
            elif isinstance(target, MonthlyReport):
                target.confirmed_warnings = texts
                target.warnings_confirmed_by = history_user
            else:
                confirmed[target] = texts
        if not confirm_warnings and not result.ok:
            result.warnings.append(
                _(
                    "以上 %(n)s 条为合理性提示，未写入任何数据。如核实无误，请勾选"
                    "“已核实合理性提示，确认导入”后重新上传。"
                )
                % {"n": len(result.errors)}
            )
    if not result.ok:
        result.errors = result.sorted_errors()
        result.counts.clear()
        return result
    try:
        with transaction.atomic():
            bulk_create_with_history(
                new, MonthlyReport, default_user=history_user, default_date=timezone.now()
            )
            changed = update_reports(updates, history_user, confirmed)
            after_reports_changed(periods)
    except (ImportConflict, IntegrityError):
        result.counts.clear()
        result.error(
            FILE_ROW,
            "",
            _("导入期间有数据被他人修改，未写入任何数据，请重新导入。"),
            kind="conflict",
        )
        return result
    result.counts["reports_created"] = len(new)
    result.counts["reports_updated"] = changed
    return result


def _prefetch(table: Table, user, year: int, month: int):
    """Projects by code, the codes `user` may change, and the month's reports by project."""
    codes = [code for code in {row.get("code") for row in table.rows} if code]
    projects: dict[str, Project] = {}
    changeable: set[str] = set()
    reports: dict[int, tuple[int, int, Decimal, str]] = {}
    for chunk in chunked(codes):
        found = (
            Project.objects.filter(code__in=chunk)
            .order_by()
            .only("pk", "code", "stage", "total_investment")
        )
        projects.update((project.code, project) for project in found)
        if user is not None:
            allowed = access.scope(user, found, for_change=True)
            changeable.update(allowed.values_list("code", flat=True))
    ids = [project.pk for project in projects.values()]
    for chunk in chunked(ids):
        existing = MonthlyReport.objects.filter(project_id__in=chunk, year=year, month=month)
        for pk, project_id, version, amount, note in existing.order_by().values_list(
            "pk", "project_id", "version", "completed_investment", "note"
        ):
            reports[project_id] = (pk, version, amount, note)
    return projects, changeable, reports
