"""Pages of the supervision office (namespace `supervision:`): the issues board, a new issue,
an issue's page with its timeline and the actions the user may take, and the downloads of
issue attachments and inspection photos (scoped: a file of a project the user may not see is a
404, as if it did not exist).

Reads through `supervision.selectors` (scoped), writes through `supervision.services`; who may do
what is `supervision.workflow`'s to say — buttons show `allowed_actions`, the service checks again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.files import stored_file_response
from core.forms import add_service_errors
from core.periods import Period
from core.xlsx import describe_filters
from projects import selectors as project_selectors
from projects import ui
from projects.models import Project

from . import exports, issue_sets, selectors, services, workflow
from .choices import IssueCategory, IssueStatus
from .filters import IssueFilterSet
from .forms import IssueForm, TransitionForm
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


# --- Issues ---------------------------------------------------------------------------------


def _rate_switch(request, filterset: IssueFilterSet) -> dict | None:
    """For the board behind 办结率 / 按期办结率 (`?set=`): the period's fraction — "已办结 12 /
    本年收集 20" — with links switching between the numerators and the denominator (one more
    query: `issue_sets.counts` of the same filters without the set)."""
    chosen = filterset.form.cleaned_data.get("set")
    if not chosen:
        return None
    period = filterset.form.cleaned_data.get("period") or Period.latest_complete()
    data = request.GET.copy()
    data.pop("set")
    base = IssueFilterSet(data, queryset=selectors.issue_list(user=request.user))
    numbers = issue_sets.counts(base.qs, period=period)

    def side(which: issue_sets.IssueSet) -> dict:
        query = request.GET.copy()
        for key in ("page", "offset", "column"):
            query.pop(key, None)
        query["set"] = which.value
        return {
            "label": which.label,
            "count": numbers[which.value],
            "url": f"?{query.urlencode()}",
            "current": which.value == chosen,
        }

    return {
        "period": period,
        "raised": side(issue_sets.IssueSet.RAISED),
        "resolved": side(issue_sets.IssueSet.RESOLVED),
        "on_time": side(issue_sets.IssueSet.ON_TIME),
    }


@login_required
@require_GET
def issue_board(request):
    """问题清单 as a board by state, overdue first; `?view=list` (with `status=`) lists one
    state in full, paginated; `?export=xlsx` the filtered list as a workbook (交办单). The
    filters are the API's (`supervision.filters`)."""
    filterset = IssueFilterSet(request.GET, queryset=selectors.issue_list(user=request.user))
    try:
        valid = filterset.is_valid()
        issues = filterset.qs if valid else selectors.issue_list(user=request.user).none()
    except ValidationError as exc:  # RegionCodeFilter raises on an unknown code
        valid, issues = False, selectors.issue_list(user=request.user).none()
        messages.error(request, "；".join(exc.messages))
    issues = selectors.board_order(issues)
    if request.GET.get("export") == "xlsx" and valid:
        return exports.issue_list_xlsx(issues, filters=describe_filters(filterset.form))
    context = {
        "filterset": filterset,
        "rate": _rate_switch(request, filterset) if valid else None,
        "categories": IssueCategory.choices,
        "statuses": IssueStatus.choices,
        "region_options": _region_options(request),
        "selected": {key: request.GET.getlist(key) for key in request.GET},
    }
    if request.GET.get("view") == "list":
        page = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(view="list", page=page)
    elif request.GET.get("column") in BOARD_COLUMNS and request.htmx:
        # 更多: the next tickets of one column, appended by htmx in place of the button
        status = request.GET["column"]
        try:
            offset = max(0, int(request.GET.get("offset") or 0))
        except ValueError:
            offset = 0
        rows = list(issues.filter(status=status)[offset : offset + PER_COLUMN + 1])
        return render(
            request,
            "supervision/_board_tickets.html",
            {
                "status": status,
                "issues": rows[:PER_COLUMN],
                "next_offset": offset + PER_COLUMN if len(rows) > PER_COLUMN else None,
            },
        )
    else:
        today = timezone.localdate()
        counts, overdue = selectors.board_counts(issues, today)
        firsts = selectors.board_columns(issues, BOARD_COLUMNS, PER_COLUMN, today)
        context.update(
            view="board",
            overdue_count=overdue,
            columns=[
                {
                    "status": status,
                    "label": IssueStatus(status).label,
                    "count": counts.get(status, 0),
                    "issues": firsts[status],
                    "next_offset": PER_COLUMN if counts.get(status, 0) > PER_COLUMN else None,
                }
                for status in BOARD_COLUMNS
            ],
        )
    return render(request, "supervision/issue_board.html", context)


def _region_options(request):
    home = ui.home_region(request.user)
    return ui.region_options(request.user, home) if home else []


@login_required
@require_http_methods(["GET", "POST"])
def issue_new(request, code: str):
    """问题收集 for a project (from its page)."""
    try:
        project = project_selectors.project_by_code(user=request.user, code=code, for_change=True)
    except Project.DoesNotExist:
        raise Http404(_("未找到该项目，或您无权为其登记问题。")) from None
    form = IssueForm(request.POST or None, initial=_factor_gap_initial(request, project))
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.issue_create(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("问题已登记，等待交办。"))
            return redirect("supervision:issue_detail", pk=issue.pk)
    return render(
        request,
        "supervision/issue_new.html",
        {"project": project, "form": form},
    )


# 要素 → 问题类别 of an issue raised from a factor gap
FACTOR_CATEGORY = {
    "land": IssueCategory.LAND,
    "energy": IssueCategory.ENERGY,
    "emission": IssueCategory.ENVIRONMENT,
    "water": IssueCategory.UTILITIES,
}


def _factor_gap_initial(request, project: Project) -> dict:
    """`?factor=<id>` (from the gap view): the form prefilled with the project's gap — title,
    category (funding kinds → 资金) and the figures. Another project's factor: nothing."""
    factor_id = request.GET.get("factor")
    if not factor_id or not factor_id.isdigit():
        return {}
    factor = (
        project_selectors.factor_queryset(user=request.user, project=project)
        .filter(pk=int(factor_id))
        .first()
    )
    if factor is None or not factor.gap:
        return {}
    values = {
        "kind": factor.get_kind_display(),
        "demand": factor.demand,
        "secured": factor.secured,
        "gap": factor.gap,
        "unit": factor.unit,
    }
    return {
        "title": _("%(kind)s缺口 %(gap)s %(unit)s") % values,
        "category": FACTOR_CATEGORY.get(factor.kind, IssueCategory.FUNDING),
        "description": _(
            "要素保障（%(unit)s）：需求 %(demand)s，已保障 %(secured)s，缺口 %(gap)s。"
        )
        % values,
    }


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
                    actor=request.user,
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
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已%(action)s。") % {"action": Action(data["action"]).label},
                )
                return redirect("supervision:issue_detail", pk=issue.pk)
        else:
            if form.is_valid():
                form.add_error(None, _("该操作当前不可用或您无权执行。"))
    return render(
        request,
        "supervision/issue_detail.html",
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


# --- Downloads -------------------------------------------------------------------------------


@login_required
@require_GET
def attachment_file(request, pk: int):
    """An issue attachment: images inline, documents as a download under their original name."""
    attachment = get_object_or_404(selectors.attachment_list(user=request.user), pk=pk)
    return stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
@require_GET
def photo_file(request, pk: int):
    """An inspection photo, inline."""
    photo = get_object_or_404(selectors.photo_list(user=request.user), pk=pk)
    return stored_file_response(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )
