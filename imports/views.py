"""The upload pages: the ledger (台账) and a month's reports, run by the importers in a Celery
task with a progress bar; the templates built from the importers' own columns."""

from __future__ import annotations

import io
import tempfile
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.periods import Period
from core.xlsx import XLSX_TYPE
from projects import access
from projects import selectors as project_selectors
from projects.choices import RegionLevel
from projects.models import Region

from . import exporting, selectors, services
from .choices import ExportKind, JobKind
from .forms import LedgerExportForm, LedgerUploadForm, ReportsUploadForm
from .ledger_export import ledger_projects, write_ledger_export
from .models import ExportJob, ImportJob
from .template import (
    write_ledger_template,
    write_prefilled_reports_template,
    write_reports_template,
)
from .uploads import limited_upload, received_whole


def _start_import(request, form, kind: str) -> HttpResponse | None:
    """The job started, and its page; None if the service refused the file (the form then
    carries the reason)."""
    try:
        job = services.import_job_start(
            actor=request.user,
            kind=kind,
            upload=form.cleaned_data["file"],
            year=form.cleaned_data["year"],
            month=form.cleaned_data.get("month"),
            plan_revision_reason=form.cleaned_data.get("plan_revision_reason") or "",
            confirm_warnings=bool(form.cleaned_data.get("confirm_warnings")),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return redirect("imports:import_job", job=job.pk)


@login_required
@limited_upload
@require_http_methods(["GET", "POST"])
def ledger_upload(request):
    """Upload of the project ledger (台账): checked whole, written all-or-nothing by the
    importer in a Celery task; the next page follows its progress."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    form = LedgerUploadForm(
        request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST" and received_whole(request, form) and form.is_valid():
        started = _start_import(request, form, JobKind.LEDGER)
        if started is not None:
            return started
    return render(
        request,
        "imports/ledger_upload.html",
        {"form": form, "jobs": selectors.recent_jobs(request.user)},
    )


@login_required
@limited_upload
@require_http_methods(["POST"])
def reports_upload(request):
    """Upload of a month's reports (.xlsx with 项目编号, 本月完成投资(万元)) as an alternative to
    the sheet; same task and progress page as the ledger."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    form = ReportsUploadForm(request.POST, request.FILES)
    if received_whole(request, form) and form.is_valid():
        started = _start_import(request, form, JobKind.REPORTS)
        if started is not None:
            return started
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{error}" if label else error)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("projects:reporting")
    return redirect(back)


@login_required
@require_GET
def import_template(request, kind: str):  # noqa: ARG001  (a view's signature)
    """The empty .xlsx template of an upload, built from the importer's own columns."""
    buffer = io.BytesIO()
    if kind == JobKind.LEDGER:
        year = timezone.localdate().year
        write_ledger_template(buffer, year=year)
        name = _("%(y)s年重点项目台账模板.xlsx") % {"y": year}
    elif kind == JobKind.REPORTS:
        write_reports_template(buffer)
        name = _("月度完成投资模板.xlsx")
    else:
        raise Http404
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX_TYPE)


@login_required
@require_GET
def reports_template_prefilled(request, region: str, period: str):
    """The monthly template prefilled with the district's projects of the month (the sheet's
    rows, `projects.selectors.sheet_rows`): fill in the month's column and upload it back."""
    try:
        target = Period.parse(period)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    district = Region.objects.filter(code=region, level=RegionLevel.COUNTY).first()
    if district is None or not access.covers(request.user, district.code):
        raise Http404(_("未找到该县市区，或不在您的管辖范围内。"))
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有填报权限。"))
    rows = project_selectors.sheet_rows(
        user=request.user, district=district, year=target.year, month=target.month
    )
    buffer = io.BytesIO()
    write_prefilled_reports_template(buffer, rows)
    buffer.seek(0)
    name = _("%(d)s%(y)s年%(m)s月完成投资.xlsx") % {
        "d": district.name,
        "y": target.year,
        "m": target.month,
    }
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX_TYPE)


@login_required
@require_GET
def ledger_export(request):
    """The user's projects (the project list's filters, `?year=` the ledger's year) as a
    ledger in the import's own format (`imports.ledger_export`): edited in Excel and uploaded
    back, only what was changed is written. Only projects the user may change: a row they may
    not change would be refused by the import."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    form = LedgerExportForm(request.GET)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}：{error}")
        return redirect("imports:ledger_upload")
    year = form.cleaned_data["year"] or timezone.localdate().year
    projects = selectors.ledger_export_projects(
        user=request.user, region=form.cleaned_data["region"]
    )
    if ledger_projects(projects).count() > exporting.background_threshold():
        return redirect(
            f"{reverse('imports:export_start', args=[ExportKind.LEDGER])}?{request.GET.urlencode()}"
        )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the response
    write_ledger_export(spool, projects, year=year)
    spool.seek(0)
    name = _("%(y)s年重点项目台账（导出）.xlsx") % {"y": year}
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX_TYPE)


def _job_or_404(request, job: uuid.UUID) -> ImportJob:
    """A job the user may see: their own, or one of the regions they oversee."""
    return get_object_or_404(selectors.visible_jobs(request.user), pk=job)


@login_required
@require_GET
def import_job(request, job: uuid.UUID):
    record = _job_or_404(request, job)
    may_retry = record.retryable and (
        request.user.is_superuser or (record.user_id == request.user.pk and request.user.can_edit)
    )
    return render(request, "imports/import_job.html", {"job": record, "may_retry": may_retry})


@login_required
@require_GET
def import_progress(request, job: uuid.UUID):
    """The progress bar, polled by htmx every second until the job has finished."""
    record = _job_or_404(request, job)
    response = render(request, "imports/_import_progress.html", {"job": record})
    if record.finished and request.htmx:
        # Finished: replace the whole page once so the result (and its errors) show in full.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["POST"])
def import_retry(request, job: uuid.UUID):
    """Runs a failed job again with the file it stored (the 重试 button)."""
    record = _job_or_404(request, job)
    try:
        services.import_job_retry(actor=request.user, job_id=record.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("imports:import_job", job=record.pk)


# --- Background exports ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def export_start(request, kind: str):
    """A list too long to write inside the request: GET says how many rows and offers the
    background export, POST starts it (`imports.exporting`) and goes to its page."""
    if kind not in ExportKind.values:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            job = exporting.export_job_start(actor=request.user, kind=kind, data=data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return redirect("imports:export_job", job=job.pk)
    if kind == ExportKind.LEDGER and not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有导入权限。"))
    rows = exporting.rows_of(kind=kind, user=request.user, data=data)
    query = [
        (key, value)
        for key in data
        for value in data.getlist(key)
        if key not in ("export", "csrfmiddlewaretoken")
    ]
    return render(
        request,
        "imports/export_start.html",
        {"kind": ExportKind(kind), "rows": rows, "query": query},
    )


def _export_or_404(request, job: uuid.UUID) -> ExportJob:
    """Only its own user sees an export (it holds what they may see)."""
    return get_object_or_404(ExportJob.objects.filter(user=request.user), pk=job)


@login_required
@require_GET
def export_job(request, job: uuid.UUID):
    return render(request, "imports/export_job.html", {"job": _export_or_404(request, job)})


@login_required
@require_GET
def export_progress(request, job: uuid.UUID):
    """The progress bar, polled by htmx every second until the file is written."""
    record = _export_or_404(request, job)
    response = render(request, "imports/_export_progress.html", {"job": record})
    if record.finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def export_download(request, job: uuid.UUID):
    record = _export_or_404(request, job)
    if record.state != "done" or not record.file:
        raise Http404(_("文件尚未生成。"))
    return FileResponse(
        record.file.open("rb"),
        as_attachment=True,
        filename=record.filename or "export.xlsx",
        content_type=XLSX_TYPE,
    )
