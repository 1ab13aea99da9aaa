"""Forms of the supervision pages. Which fields an action needs is the service's to say."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from core.forms import PlainLabels
from projects import access
from projects.models import Person, Unit

from . import services
from .choices import Difficulty, IssueCategory
from .workflow import Action


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
