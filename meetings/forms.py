"""Forms of the meetings pages."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy

from core.forms import PlainLabels
from projects import access
from projects.models import Unit
from supervision.choices import IssueCategory

from .choices import MeetingKind


class MeetingForm(PlainLabels, forms.Form):
    kind = forms.ChoiceField(label=_lazy("会议类型"), choices=MeetingKind.choices)
    date = forms.DateField(label=_lazy("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_lazy("会议名称"), required=False, max_length=200)
    location = forms.CharField(label=_lazy("地点"), required=False, max_length=200)


class MinutesForm(PlainLabels, forms.Form):
    minutes = forms.CharField(
        label=_lazy("会议纪要"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class DecisionForm(PlainLabels, forms.Form):
    project = forms.CharField(
        label=_lazy("项目"),
        max_length=50,
        help_text=_lazy("输入项目名称或编号，从列表中选择"),
    )
    title = forms.CharField(label=_lazy("议定事项"), max_length=200)
    category = forms.ChoiceField(
        label=_lazy("问题类别"), choices=IssueCategory.choices, initial=IssueCategory.OTHER
    )
    unit = forms.ModelChoiceField(label=_lazy("责任单位"), queryset=Unit.objects.none())
    deadline = forms.DateField(
        label=_lazy("办结时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        # The project is picked from a search (htmx fills the datalist, meetings:decision_projects)
        self.fields["project"].widget.attrs.update(
            {
                "list": "project-options",
                "autocomplete": "off",
                "hx-get": reverse("meetings:decision_projects", args=[meeting.pk]),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#project-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "name": "project",
            }
        )
        self.fields["unit"].queryset = access.scope(
            user, Unit.objects.filter(active=True, region__code__startswith=meeting.region.prefix)
        ).order_by("region_id", "name")


class LetterReplyForm(PlainLabels, forms.Form):
    """The district's reply to a reminder letter."""

    reply_text = forms.CharField(
        label=_lazy("反馈情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    reply_measures = forms.CharField(
        label=_lazy("整改措施"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    attachment = forms.FileField(label=_lazy("附件"), required=False)


class LetterVerifyForm(PlainLabels, forms.Form):
    """The city's verification of the reply."""

    verdict = forms.ChoiceField(
        label=_lazy("核验结果"),
        choices=[("accepted", _lazy("核验通过")), ("unsatisfactory", _lazy("整改不到位"))],
        widget=forms.RadioSelect,
    )
    verification_note = forms.CharField(
        label=_lazy("核验意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
