"""Forms of the ledger's pages: the monthly reporting sheet, one row per project.

The sheet is saved all-or-nothing by `services.report_sheet_save` (the house rule of the
imports); these forms check each cell, hand the rows to the service, and show what it refused —
a cell's error beside the cell, a row someone else changed meanwhile as a conflict with the
figure they saved.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from django import forms
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.formatting import wan
from core.forms import add_service_errors
from core.models import MONEY_MAX

from . import access, services
from .choices import FactorKind, MilestoneKind, RegionLevel, Stage, StoppageReason
from .models import (
    Category,
    ChainRole,
    Milestone,
    MonthlyReport,
    Person,
    Project,
    Region,
    Unit,
)
from .selectors import SheetRow
from .services import FactorLine


class PlainLabels:
    """Labels without Django's ":" suffix (the layout puts labels above their fields)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CentRoundedDecimalField(forms.DecimalField):
    """An amount typed in the sheet: thousands separators (1,234.5 and full-width ，) accepted,
    more than two decimals (a pasted formula result) rounded half-up to the cent — the upload's
    rule (`imports.cells.parse_money`)."""

    def to_python(self, value):
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().removesuffix("万元")
            if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
                text = text.replace(",", "")
            value = text
        amount = super().to_python(value)
        if amount is not None and amount.is_finite():
            with contextlib.suppress(InvalidOperation):  # beyond the precision: max_value refuses
                amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return amount


class ReportRowForm(forms.Form):
    """One project's report for the month. Blank amount = not reported (yet)."""

    project = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    completed_investment = CentRoundedDecimalField(
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
        # "1,234.5" as pasted from a spreadsheet is read; "1,23.5" is refused — say why.
        data = super().clean()
        raw = (self.data.get(self.add_prefix("completed_investment")) or "").strip()
        if ("," in raw or "，" in raw) and "completed_investment" in self.errors:
            self.errors.pop("completed_investment", None)
            self.add_error(
                "completed_investment", _("千位分隔符位置不对，请写成 1,234.5 或 1234.5")
            )
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
    for index, warnings in outcome.warnings.items():
        formset.rows[index].warnings = [w.message for w in warnings]


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


# --- The ledger's own pages: project, stage, plan, chain, withdrawal ------------------------
#
# Each form checks what a browser can get wrong (a number, a date, a choice outside the user's
# scope) and hands the values to the service, which holds the rules and shows its refusals
# beside the fields (`add_service_errors`). The choices offered are the user's scope; the
# services check access again whatever a form offers.

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ERRORS = {
    "invalid": _lazy("请输入数字（万元），如 1234.5"),
    "min_value": _lazy("金额不能为负数"),
    "max_value": _lazy("数值过大，请检查单位是否为万元"),
    "max_decimal_places": _lazy("最多保留两位小数"),
    "max_digits": _lazy("数值过大，请检查单位是否为万元"),
}


def _money_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=Decimal("0"),
        max_value=MONEY_MAX,
        decimal_places=2,
        localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages=MONEY_ERRORS,
        **kwargs,
    )


def _project_widgets() -> dict:
    widgets = {
        name: DATE_WIDGET
        for name in Project.EDITABLE_FIELDS
        if isinstance(Project._meta.get_field(name), models.DateField)
    }
    widgets |= {  # typed as text, so "12万" or "1,234" get a message rather than a blank
        name: forms.TextInput(attrs={"inputmode": "decimal"})
        for name in Project.EDITABLE_FIELDS
        if isinstance(Project._meta.get_field(name), models.DecimalField)
    }
    widgets["description"] = forms.Textarea(attrs={"rows": 3})
    widgets["categories"] = forms.CheckboxSelectMultiple
    return widgets


class ProjectForm(PlainLabels, forms.ModelForm):
    """A project's ledger fields (`Project.EDITABLE_FIELDS`) and categories; creating also takes
    the code and the first stage. `version` is the version the user saw: the service refuses a
    stale edit (ConflictError) and the page shows what the other person saved."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = ("code", *Project.EDITABLE_FIELDS, "categories", "stage")
        widgets = _project_widgets()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        self.order_fields(("code", "name", "region", "town", "level", "stage"))
        if self.creating:
            self.fields["stage"].choices = [
                (value, label) for value, label in Stage.choices if value != Stage.WITHDRAWN
            ]
        else:
            del self.fields["code"]
            del self.fields["stage"]
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _lazy(
                "页面缺少版本信息，请重新打开编辑页面。"
            )
        regions = access.scope(user, Region.objects.all(), for_change=True)
        self.fields["region"].queryset = regions.filter(level=RegionLevel.COUNTY).order_by("code")
        self.fields["town"].queryset = regions.filter(level=RegionLevel.TOWN).order_by("code")
        self.fields["responsible_unit"].queryset = access.scope(
            user, Unit.objects.filter(active=True), for_choice=True
        ).order_by("region", "name")
        current = self.instance.categories.all() if not self.creating else Category.objects.none()
        self.fields["categories"].queryset = Category.objects.filter(
            Q(active=True) | Q(pk__in=current.values("pk"))
        )
        for name in ("total_investment",):
            self.fields[name].error_messages.update(MONEY_ERRORS)
        self.conflicts: dict[str, str] = {}

    def rows(self) -> list[tuple[forms.BoundField, str]]:
        """Each visible field with the other person's value where a save conflicted."""
        return [(bf, self.conflicts.get(bf.name, "")) for bf in self.visible_fields()]

    def service_values(self) -> dict:
        """The cleaned values as the services take them."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

    def show_conflict(self, current: Project, seen_version: int | None) -> None:
        """Someone saved the project since the user opened the page: beside each field they
        changed, what it is now (who, when); the hidden version moves on, so saving again is
        a deliberate choice."""
        seen = (
            current.history.filter(version=seen_version).order_by("-history_id").first()
            if seen_version is not None
            else None
        )
        last = current.history.select_related("history_user").first()
        who = last.history_user if last else None
        by = (who.get_full_name() or who.username) if who else _("系统")
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
        for name in self.fields:
            if name in ("version", "categories"):
                continue
            field = Project._meta.get_field(name)
            now = getattr(current, field.attname)
            before = getattr(seen, field.attname) if seen is not None else None
            if seen is None or now != before:
                self.conflicts[name] = _("他人（%(who)s，%(when)s）已改为：%(value)s") % {
                    "who": by,
                    "when": when,
                    "value": _shown(field, now, current),
                }
        self.conflict_message = _(
            "该项目在您编辑期间已被他人修改（现为版本 %(v)s），您的修改未保存。"
            "各栏旁标出了对方保存的值；核对后再次保存将以您的填写为准。"
        ) % {"v": current.version}
        self.data = self.data.copy()
        self.data["version"] = str(current.version)


def _shown(field, value, project: Project) -> str:
    if value in (None, ""):
        return "—"
    if field.is_relation:
        return str(getattr(project, field.name))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


class StageForm(PlainLabels, forms.Form):
    """A stage move (谋划 → … → 投产) on a date; 退库 is a reviewed request, not a move."""

    stage = forms.ChoiceField(label=_lazy("新阶段"))
    on = forms.DateField(label=_lazy("变更日期"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            (value, label)
            for value, label in Stage.choices
            if value not in (Stage.WITHDRAWN, project.stage)
        ]
        self.fields["on"].initial = timezone.localdate()


class ProjectYearForm(PlainLabels, forms.Form):
    """A year's plan: the first amount set is the original (年初计划); a different amount later
    is a revision (调整) and needs a reason — the service's rule."""

    year = forms.IntegerField(label=_lazy("年度"), min_value=2000, max_value=2100)
    annual_plan = _money_field(label=_lazy("年度计划投资（万元）"), required=False)
    reason = forms.CharField(
        label=_lazy("调整原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("计划已下达后再修改金额，属于计划调整，须填写原因。"),
    )
    new_start = forms.BooleanField(label=_lazy("当年新开工项目"), required=False)
    planned_completion = forms.BooleanField(label=_lazy("计划当年竣工"), required=False)


class ChainForm(PlainLabels, forms.Form):
    """Hands a chain role over to a person of the project's district or a region above it —
    chosen from the list or, where they are not in it yet, entered here (unit, title, phone)."""

    role = forms.ModelChoiceField(label=_lazy("责任角色"), queryset=ChainRole.objects.none())
    person = forms.ModelChoiceField(
        label=_lazy("责任人"), queryset=Person.objects.none(), required=False
    )
    on = forms.DateField(label=_lazy("起始日期"), widget=DATE_WIDGET)
    new_name = forms.CharField(label=_lazy("新增人员：姓名"), required=False, max_length=50)
    new_unit = forms.ModelChoiceField(
        label=_lazy("所在单位"), queryset=Unit.objects.none(), required=False
    )
    new_title = forms.CharField(label=_lazy("职务"), required=False, max_length=100)
    new_phone = forms.CharField(label=_lazy("电话"), required=False, max_length=30)

    NEW_FIELDS = ("new_name", "new_unit", "new_title", "new_phone")

    def __init__(self, *args, user, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = ChainRole.objects.filter(active=True).order_by(
            "order", "code"
        )
        self.fields["person"].queryset = person_choices(user, project)
        self.fields["person"].label_from_instance = _person_label
        self.fields["new_unit"].queryset = unit_choices(user, project)
        self.fields["on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        person, name = data.get("person"), (data.get("new_name") or "").strip()
        if person is None and not name and "person" not in self.errors:
            self.add_error("person", _("请选择责任人，或在下方新增人员。"))
        if person is not None and name:
            self.add_error("new_name", _("已选择责任人时不要再填写新增人员。"))
        if name and data.get("new_unit") is None and "new_unit" not in self.errors:
            self.add_error("new_unit", _("新增人员须选择所在单位。"))
        return data


def person_choices(user, project: Project):
    """The people who may serve on a project (its district and below, or a region above it)
    that `user` may choose: the chain's and the task forces' person pickers."""
    serves = Q(region__code__startswith=project.region.prefix) | Q(
        region__code__in=project.region.ancestor_codes()
    )
    return (
        access.scope(user, Person.objects.filter(active=True), for_choice=True)
        .filter(serves)
        .select_related("unit")
        .order_by("region", "unit__name", "name")
    )


def unit_choices(user, project: Project):
    """The units of the project's district where a person may be created inline."""
    return (
        access.scope(user, Unit.objects.filter(active=True))
        .filter(region__code__startswith=project.region.prefix)
        .order_by("name")
    )


def _person_label(person: Person) -> str:
    parts = [person.name]
    if person.unit_id:
        parts.append(person.unit.name)
    if person.title:
        parts.append(person.title)
    return " · ".join(parts)


class WithdrawalRequestForm(PlainLabels, forms.Form):
    reason = forms.CharField(
        label=_lazy("退库原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service says why a blank reason is refused
        max_length=2000,
    )


class WithdrawalReviewForm(PlainLabels, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _lazy("批准")), ("reject", _lazy("驳回"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_lazy("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _serving_people(user, project: Project):
    """People who may be put on the project's records (its district and below, regions above)."""
    serves = Q(region__code__startswith=project.region.prefix) | Q(
        region__code__in=project.region.ancestor_codes()
    )
    return (
        access.scope(user, Person.objects.filter(active=True), for_choice=True)
        .filter(serves)
        .select_related("unit")
        .order_by("region", "unit__name", "name")
    )


class MilestoneForm(PlainLabels, forms.ModelForm):
    """A milestone (节点) or 前期手续 approval: what, by when, who; an approval's permit number
    and issuing authority. Completing and reopening are their own buttons (`milestone_complete`
    / `milestone_reopen`)."""

    class Meta:
        model = Milestone
        fields = [
            "kind",
            "name",
            "due_date",
            "responsible",
            "permit_number",
            "issuing_authority",
            "note",
        ]
        widgets = {"due_date": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = _serving_people(user, project)
        self.fields["responsible"].label_from_instance = _person_label
        self.fields["kind"].initial = MilestoneKind.PROJECT_APPROVAL

    def _post_clean(self):
        pass  # the service runs full_clean on the row it saves

    def service_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class MilestoneCompleteForm(PlainLabels, forms.Form):
    done_on = forms.DateField(label=_lazy("实际完成日期"), widget=DATE_WIDGET)
    permit_number = forms.CharField(label=_lazy("批文/证书编号"), required=False, max_length=100)


class FactorForm(PlainLabels, forms.Form):
    """One kind of 要素保障 of a project: demand and secured, in the kind's own unit."""

    kind = forms.ChoiceField(choices=FactorKind.choices, widget=forms.HiddenInput)
    demand = _money_field(label=_lazy("需求量"), required=False)
    secured = _money_field(label=_lazy("已保障"), required=False)
    note = forms.CharField(label=_lazy("备注"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        for name in ("demand", "secured"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("不能为负数。"))
        return data

    def line(self):
        data = self.cleaned_data
        return FactorLine(
            kind=self.prefix,
            demand=data.get("demand") or Decimal("0"),
            secured=data.get("secured") or Decimal("0"),
            note=data.get("note") or "",
        )


def factor_forms(data, factors) -> list[FactorForm]:
    """A form per kind (all kinds, in their order), prefilled with the project's rows."""
    by_kind = {f.kind: f for f in factors}
    forms_ = []
    for kind in FactorKind:
        row = by_kind.get(kind.value)
        initial = {"kind": kind.value}
        if row is not None:
            initial |= {"demand": row.demand, "secured": row.secured, "note": row.note}
        form = FactorForm(data, prefix=kind.value, initial=initial)
        form.kind_label, form.unit = kind.label, kind.unit
        form.gap = row.gap if row is not None else None
        forms_.append(form)
    return forms_


# --- 停工 / 复工, monthly plan, task forces -------------------------------------------------


class StopForm(PlainLabels, forms.Form):
    """停工: reason, date and a note (required for 其他: the service's rule)."""

    reason = forms.ChoiceField(label=_lazy("停工原因"), choices=StoppageReason.choices)
    stopped_on = forms.DateField(label=_lazy("停工日期"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_lazy("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("原因为“其他”时必填。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stopped_on"].initial = timezone.localdate()


class ResumeForm(PlainLabels, forms.Form):
    resumed_on = forms.DateField(label=_lazy("复工日期"), widget=DATE_WIDGET)
    resume_note = forms.CharField(
        label=_lazy("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resumed_on"].initial = timezone.localdate()


MONTHS = range(1, 13)


class MonthlyPlanForm(PlainLabels, forms.Form):
    """分月计划: 12 cells (`m1`…`m12`), all blank (no monthly plan) or all filled; the sum is
    checked against the annual plan by the service (`services.monthly_plan_check`)."""

    confirm_mismatch = forms.BooleanField(label=_lazy("确认与年度计划不一致"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month in MONTHS:
            self.fields[f"m{month}"] = _money_field(
                label=_lazy("%(m)s月") % {"m": month}, required=False
            )
        # the confirmation after the cells
        self.fields["confirm_mismatch"] = self.fields.pop("confirm_mismatch")

    def month_fields(self) -> list:
        return [self[f"m{month}"] for month in MONTHS]

    def amounts(self) -> list[Decimal | None]:
        return [self.cleaned_data.get(f"m{month}") for month in MONTHS]


class TaskForceForm(PlainLabels, forms.Form):
    """成立专班: a name, a lead picked among the people who may serve, and the date."""

    name = forms.CharField(label=_lazy("专班名称"), max_length=200, required=False)
    lead = forms.ModelChoiceField(
        label=_lazy("专班负责人"), queryset=Person.objects.none(), required=False
    )
    established_on = forms.DateField(label=_lazy("成立日期"), widget=DATE_WIDGET)

    def __init__(self, *args, user, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = person_choices(user, project)
        self.fields["lead"].label_from_instance = _person_label
        self.fields["established_on"].initial = timezone.localdate()


class TaskForceMemberForm(PlainLabels, forms.Form):
    """A member with their duty, for one of the project's active task forces: picked from the
    list, or entered here (as on the chain page). One form on the page for all task forces, so
    the pickers are read once."""

    task_force = forms.TypedChoiceField(label=_lazy("专班"), coerce=int)
    person = forms.ModelChoiceField(
        label=_lazy("成员"), queryset=Person.objects.none(), required=False
    )
    duty = forms.CharField(label=_lazy("分工"), max_length=200, required=False)
    new_name = forms.CharField(label=_lazy("新增人员：姓名"), required=False, max_length=50)
    new_unit = forms.ModelChoiceField(
        label=_lazy("所在单位"), queryset=Unit.objects.none(), required=False
    )
    new_title = forms.CharField(label=_lazy("职务"), required=False, max_length=100)
    new_phone = forms.CharField(label=_lazy("电话"), required=False, max_length=30)

    NEW_FIELDS = ("new_name", "new_unit", "new_title", "new_phone")

    def __init__(self, *args, user, project: Project, task_forces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_force"].choices = [(tf.pk, tf.name) for tf in task_forces]
        self.fields["person"].queryset = person_choices(user, project)
        self.fields["person"].label_from_instance = _person_label
        self.fields["new_unit"].queryset = unit_choices(user, project)

    def clean(self):
        data = super().clean()
        person, name = data.get("person"), (data.get("new_name") or "").strip()
        if person is None and not name and "person" not in self.errors:
            self.add_error("person", _("请选择成员，或在下方新增人员。"))
        if person is not None and name:
            self.add_error("new_name", _("已选择成员时不要再填写新增人员。"))
        if name and data.get("new_unit") is None and "new_unit" not in self.errors:
            self.add_error("new_unit", _("新增人员须选择所在单位。"))
        return data


class TaskForceDissolveForm(PlainLabels, forms.Form):
    dissolved_on = forms.DateField(label=_lazy("撤销日期"), widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dissolved_on"].initial = timezone.localdate()
