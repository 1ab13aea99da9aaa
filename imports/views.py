"""The upload pages: the ledger (台账) and a month's reports, run by the importers in a Celery
task with a progress bar; the templates built from the importers' own columns."""

from __future__ import annotations

import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.xlsx import XLSX_TYPE

from . import tasks as jobs
from .forms import LedgerUploadForm, ReportsUploadForm
from .template import write_ledger_template, write_reports_template


def _start_import(request, form, kind: str) -> HttpResponse:
    job = jobs.start_import(
        kind=kind,
        upload=form.cleaned_data["file"],
        user=request.user,
        year=form.cleaned_data["year"],
        month=form.cleaned_data.get("month"),
        plan_revision_reason=form.cleaned_data.get("plan_revision_reason") or "",
    )
    return redirect("imports:import_job", job=job["id"])


@login_required
@require_http_methods(["GET", "POST"])
def ledger_upload(request):
    """Upload of the project ledger (台账): checked whole, written all-or-nothing by the
    importer in a Celery task; the next page follows its progress."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    form = LedgerUploadForm(
        request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST" and form.is_valid():
        return _start_import(request, form, jobs.LEDGER)
    return render(
        request,
        "imports/ledger_upload.html",
        {"form": form, "jobs": jobs.recent_jobs(request.user)},
    )


@login_required
@require_http_methods(["POST"])
def reports_upload(request):
    """Upload of a month's reports (.xlsx with 项目编号, 本月完成投资(万元)) as an alternative to
    the sheet; same task and progress page as the ledger."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    form = ReportsUploadForm(request.POST, request.FILES)
    if form.is_valid():
        return _start_import(request, form, jobs.REPORTS)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}：{error}"
            )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("projects:reporting")
    return redirect(back)


@login_required
@require_GET
def import_template(request, kind: str):  # noqa: ARG001  (a view's signature)
    """The empty .xlsx template of an upload, built from the importer's own columns."""
    buffer = io.BytesIO()
    if kind == jobs.LEDGER:
        year = timezone.localdate().year
        write_ledger_template(buffer, year=year)
        name = _("%(y)s年重点项目台账模板.xlsx") % {"y": year}
    elif kind == jobs.REPORTS:
        write_reports_template(buffer)
        name = _("月度完成投资模板.xlsx")
    else:
        raise Http404
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX_TYPE)


def _job_or_404(request, job: uuid.UUID) -> dict:
    state = jobs.get_job(str(job))
    if state is None or state["user_id"] != request.user.pk:
        raise Http404(_("未找到该导入任务（任务记录保留 %(h)s 小时）。") % {"h": jobs.KEEP_HOURS})
    return state


@login_required
@require_GET
def import_job(request, job: uuid.UUID):
    state = _job_or_404(request, job)
    return render(request, "imports/import_job.html", {"job": state})


@login_required
@require_GET
def import_progress(request, job: uuid.UUID):
    """The progress bar, polled by htmx every second until the job has finished."""
    state = _job_or_404(request, job)
    response = render(request, "imports/_import_progress.html", {"job": state})
    if state["finished"] and request.htmx:
        # Finished: replace the whole page once so the result (and its errors) show in full.
        response["HX-Refresh"] = "true"
    return response
