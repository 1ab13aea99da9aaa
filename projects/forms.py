"""Forms of the web UI: the monthly reporting sheet (one row per project) and the uploads.

The reporting sheet is saved all-or-nothing (the house rule of the imports): every row is checked
first; if any cell is wrong, or any row was changed by someone else since the page was opened
(the report's `version`), nothing is saved and the messages stand beside the cells concerned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import services
from .models import MonthlyReport, Project
from .templatetags.portfolio import wan

MAX_AMOUNT = Decimal("99999999999999.99")  # 16 digits, 2 decimals: the column's capacity


class PlainLabels:
    """Labels without Django's ":" suffix (the layout puts labels above their fields)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReportRowForm(forms.Form):
    """One project's report for the month. Blank amount = not reported (yet)."""

    project = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    completed_investment = forms.DecimalField(
        label=_lazy("本月完成投资（万元）"),
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        decimal_places=2,
        localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "cellinput"}),
        error_messages={
            "invalid": _lazy("请输入数字（万元），如 1234.5"),
            "min_value": _lazy("完成投资不能为负数"),
            "max_value": _lazy("数值过大，请检查单位是否为万元"),
            "max_decimal_places": _lazy("最多保留两位小数"),
            "max_digits": _lazy("数值过大，请检查单位是否为万元"),
        },
    )
    note = forms.CharField(
        label=_lazy("进展说明"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "noteinput"}),
    )

    def clean(self):
        # "1,234.5" as pasted from a spreadsheet is refused by DecimalField; say why.
        data = super().clean()
        raw = (self.data.get(self.add_prefix("completed_investment")) or "").strip()
        if "," in raw or "，" in raw:
            self.errors.pop("completed_investment", None)
            self.add_error("completed_investment", _("请不要输入千位分隔符，如 1234.5"))
        return data


class BaseReportFormSet(forms.BaseFormSet):
    """The rows of a district's sheet; `rows` are `SheetRow`s in display order."""

    def __init__(self, *args, rows: list[SheetRow], **kwargs):
        self.rows = rows
        kwargs.setdefault(
            "initial",
            [
                {
                    "project": row.project.pk,
                    "version": row.report.version if row.report else None,
                    "completed_investment": row.report.completed_investment if row.report else None,
                    "note": row.report.note if row.report else "",
                }
                for row in rows
            ],
        )
        super().__init__(*args, **kwargs)

    def matches_rows(self) -> bool:
        """The posted rows are this sheet's projects, in order (projects may have been added
        to or taken off the sheet since the page was opened)."""
        if not self.management_form.is_valid():
            return False
        posted = [str(form["project"].value()) for form in self.forms]
        return posted == [str(row.project.pk) for row in self.rows]


ReportFormSet = forms.formset_factory(
    ReportRowForm, formset=BaseReportFormSet, extra=0, max_num=2000, validate_max=True
)


@dataclass
class SheetRow:
    """One line of the sheet: the project, its report for the month (if any) and the context an
    official needs to fill it in (annual plan, completed before this month)."""

    project: Project
    report: MonthlyReport | None
    annual_plan: Decimal | None = None
    completed_before: Decimal = Decimal("0")
    form: ReportRowForm | None = None
    conflict: str = ""

    @property
    def completed_ytd(self) -> Decimal | None:
        if self.form is not None and self.form.is_bound and self.form.is_valid():
            amount = self.form.cleaned_data.get("completed_investment")
        else:
            amount = self.report.completed_investment if self.report else None
        return None if amount is None else self.completed_before + amount


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    saved_at: dt.datetime | None = None
    changed_projects: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.conflicts == 0


class _Rollback(Exception):
    pass


def save_sheet(*, formset: ReportFormSet, year: int, month: int, user) -> SaveResult:
    """Saves a valid sheet in one transaction through the report services. A row someone else
    changed in between (stale `version`, or a report created meanwhile) is a conflict: the row
    gets the message and the current figure, and nothing at all is saved."""
    result = SaveResult()
    by_project = {row.project.pk: row for row in formset.rows}
    try:
        with transaction.atomic():
            current = {
                r.project_id: r
                for r in MonthlyReport.objects.select_for_update().filter(
                    project_id__in=by_project, year=year, month=month
                )
            }
            for form in formset.forms:
                data = form.cleaned_data
                row = by_project[data["project"]]
                amount, note = data.get("completed_investment"), data.get("note") or ""
                seen_version, report = data.get("version"), current.get(row.project.pk)
                if report is not None and report.version != seen_version:
                    _conflict(row, form, report)
                    result.conflicts += 1
                    continue
                if amount is None:
                    if report is not None:
                        form.add_error(
                            "completed_investment",
                            _("本月已填报，不能清空；如需更正请填写正确数值（可为 0）。"),
                        )
                        result.conflicts += 1
                    continue
                try:
                    if report is None:
                        services.report_create(
                            project=row.project,
                            year=year,
                            month=month,
                            completed_investment=amount,
                            note=note,
                            user=user,
                        )
                        result.created += 1
                    elif report.completed_investment != amount or report.note != note:
                        services.report_update(
                            report=report,
                            user=user,
                            expected_version=seen_version,
                            completed_investment=amount,
                            note=note,
                        )
                        result.updated += 1
                    else:
                        result.unchanged += 1
                        continue
                except ValidationError as exc:
                    _attach(form, exc)
                    result.conflicts += 1
                    continue
                except services.ConflictError as exc:
                    form.add_error(None, str(exc))
                    result.conflicts += 1
                    continue
                result.changed_projects.append(row.project.pk)
            if result.conflicts:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = 0
        result.changed_projects = []
        return result
    result.saved_at = timezone.now()
    return result


def _conflict(row: SheetRow, form: ReportRowForm, report: MonthlyReport) -> None:
    last_change = report.history.select_related("history_user").first()
    who = last_change.history_user if last_change else report.reported_by
    row.conflict = _(
        "他人已于 %(when)s 将本月数据保存为 %(amount)s 万元（版本 %(version)s）。"
        "您的输入未保存；如确认以您的数值为准，请核对后再次保存。"
    ) % {
        "when": timezone.localtime(report.updated_at).strftime("%Y-%m-%d %H:%M"),
        "amount": wan(report.completed_investment),
        "version": report.version,
    }
    if who is not None:
        row.conflict = f"{row.conflict}（{who.get_full_name() or who.username}）"
    # The next submission is made against the version now shown.
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = str(report.version)
    row.report = report


def _attach(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError shown beside the cell it concerns."""
    mapping = {"completed_investment": "completed_investment", "note": "note"}
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(mapping.get(name), errors)
    else:
        form.add_error(None, exc.messages)


# --- Uploads ------------------------------------------------------------------------------

XLSX = FileExtensionValidator(["xlsx"], message=_lazy("请上传 .xlsx 格式的 Excel 文件。"))


def _year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year + 1, this_year - 6, -1)]


XLSX_INPUT = forms.ClearableFileInput(attrs={"accept": ".xlsx"})


class LedgerUploadForm(PlainLabels, forms.Form):
    file = forms.FileField(label=_lazy("台账文件（.xlsx）"), validators=[XLSX], widget=XLSX_INPUT)
    year = forms.TypedChoiceField(label=_lazy("年度"), coerce=int, choices=_year_choices)
    plan_revision_reason = forms.CharField(
        label=_lazy("计划调整原因"),
        required=False,
        max_length=500,
        help_text=_lazy("台账中的年度计划与已有计划不同时必填（作为计划调整记录）。"),
    )


class ReportsUploadForm(PlainLabels, forms.Form):
    file = forms.FileField(label=_lazy("月报文件（.xlsx）"), validators=[XLSX], widget=XLSX_INPUT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reports_%s")
        super().__init__(*args, **kwargs)

    year = forms.TypedChoiceField(label=_lazy("年度"), coerce=int, choices=_year_choices)
    month = forms.TypedChoiceField(
        label=_lazy("月份"), coerce=int, choices=[(m, f"{m}") for m in range(1, 13)]
    )
