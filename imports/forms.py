"""Forms of the upload pages: the ledger (台账) and a month's reports."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from core.forms import PlainLabels
from projects.models import Region

from .limits import FileRefused, check_xlsx

XLSX = FileExtensionValidator(["xlsx"], message=_lazy("请上传 .xlsx 格式的 Excel 文件。"))


def _year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year + 1, this_year - 6, -1)]


XLSX_INPUT = forms.ClearableFileInput(attrs={"accept": ".xlsx"})


def within_limits(upload) -> None:
    """Refuses, before it is stored or parsed, a file that is too large, not a zip, or whose
    unzipped size or compression ratio is beyond the limits (`imports.limits`)."""
    try:
        check_xlsx(upload)
    except FileRefused as exc:
        raise ValidationError(str(exc), code="limits") from None


class XlsxField(forms.FileField):
    """An .xlsx upload within the limits (checked once its name is right)."""

    default_validators = [XLSX]

    def run_validators(self, value) -> None:
        super().run_validators(value)
        if value:
            within_limits(value)


class LedgerUploadForm(PlainLabels, forms.Form):
    file = XlsxField(label=_lazy("台账文件（.xlsx）"), widget=XLSX_INPUT)
    year = forms.TypedChoiceField(label=_lazy("年度"), coerce=int, choices=_year_choices)
    plan_revision_reason = forms.CharField(
        label=_lazy("计划调整原因"),
        required=False,
        max_length=500,
        help_text=_lazy("台账中的年度计划与已有计划不同时必填（作为计划调整记录）。"),
    )


class ReportsUploadForm(PlainLabels, forms.Form):
    file = XlsxField(label=_lazy("月报文件（.xlsx）"), widget=XLSX_INPUT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reports_%s")
        super().__init__(*args, **kwargs)

    year = forms.TypedChoiceField(label=_lazy("年度"), coerce=int, choices=_year_choices)
    month = forms.TypedChoiceField(
        label=_lazy("月份"), coerce=int, choices=[(m, f"{m}") for m in range(1, 13)]
    )
    confirm_warnings = forms.BooleanField(
        label=_lazy("已核实合理性提示，确认导入"),
        required=False,
        help_text=_lazy("上次导入列出了合理性提示且核实无误时勾选，重新上传即导入。"),
    )


class LedgerExportForm(PlainLabels, forms.Form):
    """`?year=` (default: this year) and `?region=` (a region code, its subtree)."""

    year = forms.TypedChoiceField(
        label=_lazy("年度"), coerce=int, choices=_year_choices, required=False, empty_value=None
    )
    region = forms.ModelChoiceField(
        label=_lazy("区域"),
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _lazy("未知的区域代码。")},
    )
