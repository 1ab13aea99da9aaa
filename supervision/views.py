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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files import stored_file_response
from core.forms import add_service_errors
from core.periods import Period
from core.xlsx import describe_filters
from projects import access, ui
from projects import selectors as project_selectors
from projects.models import Project

from . import exports, issue_sets, selectors, services, workflow
from .choices import IssueCategory, IssueStatus
from .filters import IssueFilterSet
from .forms import AttachmentForm, FindingFormSet, InspectionForm, IssueForm, TransitionForm
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
    form = TransitionForm(
        request.POST or None, request.FILES or None, user=request.user, issue=issue
    )
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
                    evidence=data["evidence"] if data["action"] in EVIDENCE_ACTIONS else [],
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
    return _issue_page(request, issue, form=form, allowed=allowed, status=status)


# 办结 and 销号 take their evidence (佐证材料) with them, in the same transaction.
EVIDENCE_ACTIONS = (Action.RESOLVE, Action.CLOSE)


def _issue_page(request, issue, *, form, allowed, attach_form=None, status=200):
    may_attach = workflow.may_attach(request.user, issue)
    return render(
        request,
        "supervision/issue_detail.html",
        {
            "issue": issue,
            "overdue": issue.is_overdue,  # annotated by the selector for today
            "transitions": list(issue.transitions.all()),
            "attachments": list(issue.attachments.all()),
            "finding_photos": list(selectors.finding_photos(user=request.user, issue=issue)),
            "actions": [(a, Action(a).label) for a in allowed],
            "evidence_actions": " ".join(EVIDENCE_ACTIONS),
            "form": form,
            "chosen": form.data.get("action") if form.is_bound else "",
            "may_attach": may_attach,
            "attach_form": attach_form or (AttachmentForm() if may_attach else None),
        },
        status=status,
    )


@login_required
@require_POST
def issue_attach(request, pk: int):
    """Uploads one or several files to an issue (all or nothing), back to its page."""
    issue = _issue_or_404(request, pk)
    attach_form = AttachmentForm(request.POST, request.FILES)
    if attach_form.is_valid():
        try:
            attached = services.issue_attach_files(
                issue=issue,
                uploads=attach_form.cleaned_data["uploads"],
                actor=request.user,
                caption=attach_form.cleaned_data["caption"],
            )
        except PermissionDenied as exc:
            raise Http404(str(exc)) from None  # the page offers no upload to them either
        except ValidationError as exc:
            add_service_errors(attach_form, exc, fields={"file": "uploads"})
        else:
            messages.success(request, _("已上传 %(n)s 个附件。") % {"n": len(attached)})
            return redirect(reverse("supervision:issue_detail", args=[issue.pk]) + "#attachments")
    form = TransitionForm(user=request.user, issue=issue)
    allowed = workflow.allowed_actions(request.user, issue)
    return _issue_page(request, issue, form=form, allowed=allowed, attach_form=attach_form)


# --- Inspections -----------------------------------------------------------------------------


def _project_or_404(request, code: str, *, for_change: bool = False) -> Project:
    try:
        return project_selectors.project_by_code(
            user=request.user, code=code, for_change=for_change
        )
    except Project.DoesNotExist:
        raise Http404(_("未找到该项目，或不在您的管辖范围内。")) from None


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request, code: str):
    """现场检查, from a phone: kind, date, inspectors, findings (rows added in the page), photos
    from the camera with their time, and the position on request. All or nothing."""
    project = _project_or_404(request, code, for_change=True)
    if project.is_withdrawn:
        raise Http404(_("项目已退库，不能记录现场检查。"))
    data = request.POST if request.method == "POST" else None
    form = InspectionForm(
        data,
        request.FILES or None,
        project=project,
        user=request.user,
        initial={"date": timezone.localdate()},
    )
    findings = FindingFormSet(data, prefix="findings")
    if data is not None and "add_row" in data:
        # 添加一行 without JavaScript: the same page with one more empty row, nothing saved
        findings.is_valid()
        kept = [f.cleaned_data for f in findings.forms if f.is_valid() and f.cleaned_data]
        findings = FindingFormSet(initial=kept, prefix="findings")
        messages.info(request, _("已添加一行；照片请在保存前重新选择。"))
    elif data is not None and form.is_valid() and findings.is_valid():
        rows = [f.finding_input() for f in findings]
        try:
            inspection = services.inspection_create(
                project=project,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                date=form.cleaned_data["date"],
                inspectors=form.cleaned_data["inspectors"],
                summary=form.cleaned_data["summary"],
                findings=[row for row in rows if row is not None],
                photos=form.photo_inputs(),
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("现场检查已保存。"))
            return redirect("supervision:inspection_detail", pk=inspection.pk)
    return render(
        request,
        "supervision/inspection_new.html",
        {"project": project, "form": form, "findings": findings},
    )


def _inspection_or_404(request, pk: int):
    inspection = selectors.inspection_list(user=request.user).filter(pk=pk).first()
    if inspection is None:
        raise Http404(_("未找到该检查记录，或不在您的管辖范围内。"))
    return inspection


@login_required
@require_GET
def inspection_detail(request, pk: int):
    """One inspection: its facts, position, findings (each can become an issue) and photos."""
    inspection = _inspection_or_404(request, pk)
    project = inspection.project
    may_raise = access.may_change_project(request.user, project) and not project.is_withdrawn
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "project": project,
            "findings": list(inspection.findings.all()),
            "photos": list(inspection.photos.all()),
            "inspectors": list(inspection.inspectors.all()),
            "may_raise": may_raise,
        },
    )


@login_required
@require_GET
def inspection_list(request, code: str):
    """A project's inspections, newest first, paginated."""
    project = _project_or_404(request, code)
    inspections = selectors.inspection_list(user=request.user).filter(project=project)
    page = Paginator(inspections.order_by("-date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "project": project,
            "page": page,
            "may_record": access.may_change_project(request.user, project)
            and not project.is_withdrawn,
        },
    )


@login_required
@require_POST
def finding_raise_issue(request, pk: int):
    """转为问题: the finding becomes an issue in one step (its text, category and project) and
    the new issue's page opens."""
    finding = get_object_or_404(selectors.finding_list(user=request.user), pk=pk)
    if not access.may_change_project(request.user, finding.inspection.project):
        raise Http404(_("未找到该检查记录，或不在您的管辖范围内。"))
    try:
        issue = services.finding_raise_issue(finding=finding, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("supervision:inspection_detail", pk=finding.inspection_id)
    messages.success(request, _("已转为问题，等待交办。"))
    return redirect("supervision:issue_detail", pk=issue.pk)


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
