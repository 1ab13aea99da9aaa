"""Web pages of the supervision office (issue #5): the issues board and issue page with its
timeline and the actions the user may take, meetings with their generated agenda and decisions,
the list of reminder letters (each letter's printable page and Word file are the supervision
app's own views, `supervision:letter-print` / `letter-docx`).

Reads through `supervision.selectors` (scoped), writes through `supervision.services`; who may do
what is `supervision.workflow`'s to say — buttons show `allowed_actions`, the service checks again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects import access, ui
from projects import selectors as project_selectors
from projects.filters import parse_period
from projects.forms import PlainLabels
from projects.models import Person, Project, Unit

from . import selectors, services, workflow
from .agenda import build_agenda
from .filters import IssueFilterSet, LetterFilterSet, MeetingFilterSet
from .models import (
    Difficulty,
    IssueCategory,
    IssueStatus,
    MeetingKind,
)
from .workflow import Action

BOARD_COLUMNS = [
    IssueStatus.COLLECTED,
    IssueStatus.ASSIGNED,
    IssueStatus.IN_PROGRESS,
    IssueStatus.ESCALATED,
    IssueStatus.RESOLVED,
    IssueStatus.FEEDBACK,
    IssueStatus.CLOSED,
]
PER_COLUMN = 30
PAGE_SIZE = 50


def _overdue_first(queryset):
    """Overdue first, then the nearest deadline, then the oldest."""
    return queryset.annotate(
        overdue_rank=Case(
            When(is_overdue=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("overdue_rank", "deadline", "raised_at", "pk")


# --- Issues ---------------------------------------------------------------------------------


@login_required
@require_GET
def issue_board(request):
    """问题清单 as a board by state, overdue first; `?view=list` (with `status=`) lists one
    state in full, paginated. The filters are the API's (`supervision.filters`)."""
    filterset = IssueFilterSet(request.GET, queryset=selectors.issue_list(user=request.user))
    try:
        valid = filterset.is_valid()
        issues = filterset.qs if valid else selectors.issue_list(user=request.user).none()
    except ValidationError as exc:  # RegionCodeFilter raises on an unknown code
        valid, issues = False, selectors.issue_list(user=request.user).none()
        messages.error(request, "；".join(exc.messages))
    issues = _overdue_first(issues)
    context = {
        "filterset": filterset,
        "categories": IssueCategory.choices,
        "statuses": IssueStatus.choices,
        "region_options": _region_options(request),
        "selected": {key: request.GET.getlist(key) for key in request.GET},
    }
    if request.GET.get("view") == "list":
        page = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(view="list", page=page)
    else:
        counts = dict(
            issues.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        overdue = issues.filter(is_overdue=True).order_by().count()
        context.update(
            view="board",
            overdue_count=overdue,
            columns=[
                {
                    "status": status,
                    "label": IssueStatus(status).label,
                    "count": counts.get(status, 0),
                    "issues": list(issues.filter(status=status)[:PER_COLUMN]),
                }
                for status in BOARD_COLUMNS
            ],
        )
    return render(request, "supervision_ui/issue_board.html", context)


def _region_options(request):
    home = ui.home_region(request.user)
    return ui.region_options(request.user, home) if home else []


class IssueForm(PlainLabels, forms.Form):
    title = forms.CharField(label=_lazy("问题"), max_length=200)
    category = forms.ChoiceField(label=_lazy("问题类别"), choices=IssueCategory.choices)
    difficulty = forms.ChoiceField(
        label=_lazy("难易程度"), choices=Difficulty.choices, initial=Difficulty.ORDINARY
    )
    description = forms.CharField(label=_lazy("问题描述"), required=False, widget=forms.Textarea)


@login_required
@require_http_methods(["GET", "POST"])
def issue_new(request, code: str):
    """问题收集 for a project (from its page)."""
    try:
        project = project_selectors.project_by_code(user=request.user, code=code, for_change=True)
    except Project.DoesNotExist:
        raise Http404(_("未找到该项目，或您无权为其登记问题。")) from None
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.issue_create(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("问题已登记，等待交办。"))
            return redirect("projects:issue_detail", pk=issue.pk)
    return render(
        request,
        "supervision_ui/issue_new.html",
        {"project": project, "form": form},
    )


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


def assignable_units(user, issue):
    """Units the issue may be assigned to — the rule of `supervision.services` (the project's
    district and towns, the regions above it, any unit the assigner can see)."""
    allowed = services._unit_allowed_q(user, issue.project)
    return Unit.objects.filter(allowed, active=True).order_by("region_id", "name")


def _issue_or_404(request, pk: int):
    issue = selectors.issue_detail(user=request.user).filter(pk=pk).first()
    if issue is None:
        raise Http404(_("未找到该问题，或不在您的管辖范围内。"))
    return issue


@login_required
@require_http_methods(["GET", "POST"])
def issue_detail(request, pk: int):
    """An issue with its timeline (every transition: who, when, note) and the actions the user
    may take now."""
    issue = _issue_or_404(request, pk)
    allowed = workflow.allowed_actions(request.user, issue)
    form = TransitionForm(request.POST or None, user=request.user, issue=issue)
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["action"] in allowed:
            data = form.cleaned_data
            try:
                services.issue_transition(
                    issue=issue,
                    action=data["action"],
                    user=request.user,
                    note=data["note"],
                    unit=data["unit"],
                    assignee=data["assignee"],
                    deadline=data["deadline"],
                    plan=data["plan"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                status = 403
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已%(action)s。") % {"action": Action(data["action"]).label},
                )
                return redirect("projects:issue_detail", pk=issue.pk)
        else:
            if form.is_valid():
                form.add_error(None, _("该操作当前不可用或您无权执行。"))
    return render(
        request,
        "supervision_ui/issue_detail.html",
        {
            "issue": issue,
            "overdue": issue.is_overdue,  # annotated by the selector for today
            "transitions": list(issue.transitions.all()),
            "attachments": list(issue.attachments.all()),
            "actions": [(a, Action(a).label) for a in allowed],
            "form": form,
            "chosen": form.data.get("action") if form.is_bound else "",
        },
        status=status,
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Meetings -------------------------------------------------------------------------------


class MeetingForm(PlainLabels, forms.Form):
    kind = forms.ChoiceField(label=_lazy("会议类型"), choices=MeetingKind.choices)
    date = forms.DateField(label=_lazy("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_lazy("会议名称"), required=False, max_length=200)
    location = forms.CharField(label=_lazy("地点"), required=False, max_length=200)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_list(request):
    region = ui.region_from(request)
    form = MeetingForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(region=region, user=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("会议已创建，议程已根据数据生成。"))
            return redirect("projects:meeting_detail", pk=meeting.pk)
    filterset = MeetingFilterSet(
        request.GET, queryset=selectors.meeting_list(user=request.user).order_by("-date", "-pk")
    )
    meetings = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision_ui/meeting_list.html",
        {
            "page": page,
            "form": form,
            "region": region,
            "can_hold": request.user.is_superuser or request.user.can_review,
        },
    )


class DecisionForm(PlainLabels, forms.Form):
    project = forms.CharField(label=_lazy("项目编号"), max_length=50)
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
        self.fields["unit"].queryset = access.scope(
            user, Unit.objects.filter(active=True, region__code__startswith=meeting.region.prefix)
        ).order_by("region_id", "name")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk: int):
    """A meeting and its agenda generated from the data (red/yellow projects with reasons,
    overdue and new issues, projects that should have started, the ranking, open decisions);
    supervisors record decisions here (each becomes an assigned issue)."""
    meeting = selectors.meeting_list(user=request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("未找到该会议，或不在您的管辖范围内。"))
    form = DecisionForm(request.POST or None, user=request.user, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = project_selectors.project_by_code(user=request.user, code=data["project"])
            services.meeting_decide(
                meeting=meeting,
                project=project,
                title=data["title"],
                category=data["category"],
                unit=data["unit"],
                deadline=data["deadline"],
                user=request.user,
            )
        except Project.DoesNotExist:
            form.add_error("project", _("未找到该项目编号，或不在您的管辖范围内。"))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("议定事项已交办，将在后续会议上跟踪直至销号。"))
            return redirect("projects:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "supervision_ui/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": build_agenda(meeting, user=request.user),
            "form": form,
            "can_decide": request.user.is_superuser or request.user.can_review,
        },
    )


# --- Reminder letters -----------------------------------------------------------------------


@login_required
@require_GET
def letter_list(request):
    filterset = LetterFilterSet(request.GET, queryset=selectors.letter_list(user=request.user))
    try:
        letters = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        letters = list(letters.order_by("-year", "-month", "region_id")[:200])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        letters = []
    region = ui.home_region(request.user)
    return render(
        request,
        "supervision_ui/letter_list.html",
        {
            "letters": letters,
            "period": ui.default_period(),
            "region": region,
            "can_generate": request.user.is_superuser or request.user.can_review,
        },
    )


@login_required
@require_POST
def letter_generate(request):
    """Generates (or finds) the letters of a period for every district with yellow or red
    projects under the user's region."""
    region = ui.home_region(request.user)
    try:
        period = parse_period(request.POST.get("period"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("projects:letter_list")
    period = period or ui.default_period()
    try:
        letters = services.letters_generate_for_period(
            parent=region, year=period.year, month=period.month, user=request.user
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已生成 %(n)s 份提示函。") % {"n": len(letters)})
    return redirect("projects:letter_list")
