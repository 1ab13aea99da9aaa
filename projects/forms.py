"""Forms of the ledger's pages: the monthly reporting sheet, one row per project.

The sheet is saved all-or-nothing by `services.report_sheet_save` (the house rule of the
imports); these forms check each cell, hand the rows to the service, and show what it refused —
a cell's error beside the cell, a row someone else changed meanwhile as a conflict with the
figure they saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.formatting import wan
from core.forms import add_service_errors
from core.models import MONEY_MAX

from . import services
from .models import MonthlyReport
from .selectors import SheetRow


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
        max_value=MONEY_MAX,
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


# formset_factory returns a subclass of `formset`; the stubs say BaseFormSet.
ReportFormSet = cast(
    "type[BaseReportFormSet]",
    forms.formset_factory(
        ReportRowForm, formset=BaseReportFormSet, extra=0, max_num=2000, validate_max=True
    ),
)


def sheet_lines(formset: BaseReportFormSet) -> list[services.SheetLine]:
    """The valid formset's rows as the service takes them."""
    by_project = {row.project.pk: row for row in formset.rows}
    lines = []
    for form in formset.forms:
        data = form.cleaned_data
        lines.append(
            services.SheetLine(
                project=by_project[data["project"]].project,
                seen_version=data.get("version"),
                amount=data.get("completed_investment"),
                note=data.get("note") or "",
            )
        )
    return lines


def show_outcome(formset: BaseReportFormSet, outcome: services.SheetOutcome) -> None:
    """Puts the service's refusals on the rows: errors beside their cells, conflicts with the
    other person's figure."""
    for index, exc in outcome.errors.items():
        add_service_errors(formset.forms[index], exc)
    for index, report in outcome.conflicts.items():
        _conflict(formset.rows[index], formset.forms[index], report)


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
    data = cast(QueryDict, form.data).copy()  # a bound form's data: the request's QueryDict
    data[form.add_prefix("version")] = str(report.version)
    form.data = data
    row.report = report
