"""Forms of the supervision pages. Which fields an action needs is the service's to say."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from core.forms import PlainLabels
from projects import access
from projects.models import Person, Unit

from . import services
from .choices import Difficulty, InspectionKind, IssueCategory
from .workflow import Action


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (`<input type=file multiple>`); the list, possibly empty.
    Each file is checked by the service (supervision.uploads), not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class IssueForm(PlainLabels, forms.Form):
    title = forms.CharField(label=_lazy("问题"), max_length=200)
    category = forms.ChoiceField(label=_lazy("问题类别"), choices=IssueCategory.choices)
    difficulty = forms.ChoiceField(
        label=_lazy("难易程度"), choices=Difficulty.choices, initial=Difficulty.ORDINARY
    )
    description = forms.CharField(label=_lazy("问题描述"), required=False, widget=forms.Textarea)


class TransitionForm(PlainLabels, forms.Form):
    """The fields an action may need; which are required is the service's to say."""

    action = forms.ChoiceField(choices=Action.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.ModelChoiceField(
        label=_lazy("责任单位"), queryset=Unit.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_lazy("责任人"), queryset=Person.objects.none(), required=False
    )
    deadline = forms.DateField(
        label=_lazy("办结时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    plan = forms.CharField(
        label=_lazy("办理方案"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = MultipleFileField(
        label=_lazy("佐证材料"),
        help_text=_lazy("办结、销号时可附办理结果的材料或照片，与本次操作一并保存。"),
    )

    def __init__(self, *args, user, issue, **kwargs):
        super().__init__(*args, **kwargs)
        units = assignable_units(user, issue)
        self.fields["unit"].queryset = units
        self.fields["assignee"].queryset = (
            access.scope(user, Person.objects.filter(active=True, unit__in=units))
            .select_related("unit")
            .order_by("unit__name", "name")
        )
        self.fields["assignee"].label_from_instance = lambda p: f"{p.name}（{p.unit.name}）"


def assignable_units(user, issue):  # noqa: ARG001  (the rule does not depend on who assigns)
    """Units the issue may be assigned to — the rule of `supervision.services` (the project's
    district and towns, the regions above it, any unit the assigner can see)."""
    allowed = services.assignable_units_q(issue.project)
    return Unit.objects.filter(allowed, active=True).order_by("region_id", "name")


# --- Inspections and attachments -------------------------------------------------------------


class PhotoInput(MultipleFileInput):
    """The phone's camera: `capture=environment` opens the rear camera, `accept=image/*` lets the
    gallery offer only pictures; several photos may be chosen."""

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


class InspectionForm(PlainLabels, forms.Form):
    """A visit to a project; its findings are `FindingFormSet`'s, its photos `photos`."""

    kind = forms.ChoiceField(
        label=_lazy("检查类型"), choices=InspectionKind.choices, initial=InspectionKind.PATROL
    )
    date = forms.DateField(
        label=_lazy("检查日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_lazy("检查人员"), queryset=Person.objects.none(), required=False
    )
    summary = forms.CharField(
        label=_lazy("总体情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(
        label=_lazy("现场照片"),
        widget=PhotoInput(),
        help_text=_lazy("可拍照或从相册选择，可多张；JPEG、PNG、WebP。"),
    )
    # Filled by static/js/inspection.js: each photo's lastModified (ms since 1970, in the
    # order of the files), and the position when the user pressed 记录位置.
    photo_times = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )

    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = (
            access.scope(
                user,
                Person.objects.filter(access.may_serve_q(project.region), active=True),
                for_choice=True,
            )
            .select_related("unit")
            .order_by("region_id", "name")
        )
        self.fields["inspectors"].widget.attrs["size"] = 4

    def clean_photo_times(self) -> list[dt.datetime | None]:
        """The times as aware datetimes, one per photo (None where the browser gave none)."""
        times: list[dt.datetime | None] = []
        for part in (self.cleaned_data.get("photo_times") or "").split(","):
            try:
                millis = int(part)
                times.append(dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC))
            except (ValueError, OverflowError, OSError):
                times.append(None)
        return times

    def photo_inputs(self) -> list[services.PhotoInput]:
        times = self.cleaned_data["photo_times"]
        return [
            services.PhotoInput(upload=upload, taken_at=times[i] if i < len(times) else None)
            for i, upload in enumerate(self.cleaned_data["photos"])
        ]


class FindingForm(PlainLabels, forms.Form):
    description = forms.CharField(
        label=_lazy("发现问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ChoiceField(
        label=_lazy("问题类别"), choices=IssueCategory.choices, initial=IssueCategory.OTHER
    )
    raise_issue = forms.BooleanField(label=_lazy("同时登记为问题"), required=False)

    def finding_input(self) -> services.FindingInput | None:
        """The finding, or None for a row left empty."""
        description = (self.cleaned_data.get("description") or "").strip()
        if not description:
            return None
        return services.FindingInput(
            description=description,
            category=self.cleaned_data["category"],
            raise_issue=self.cleaned_data["raise_issue"],
        )


FindingFormSet = forms.formset_factory(FindingForm, extra=1, max_num=30, absolute_max=30)


class AttachmentForm(PlainLabels, forms.Form):
    uploads = MultipleFileField(label=_lazy("上传附件"), required=True)
    caption = forms.CharField(label=_lazy("说明"), max_length=200, required=False)
