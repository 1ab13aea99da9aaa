"""The web UI officials use (issue #5): server-rendered pages, htmx for partial updates, ECharts
for charts. Views only read through `projects.selectors` / `projects.access.scope` and write
through `projects.services`; figures come from `projects.dashboard` (which calls the measures
and rankings modules) — no formula lives here.

Pages: overview (`/`), projects (list with the API's FilterSet, sorting, .xlsx export; project
page), "my projects", monthly reporting sheet, ledger and monthly-report uploads (Celery task
with a progress bar), meeting screen, ranking bulletin (printable and .xlsx). Issues, meetings and
letters are in `supervision/views_ui.py`.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from . import access, dashboard, exports, selectors, ui, ui_tasks
from .choices import Colour, Level, RegionLevel, Stage
from .colours import check_list
from .filters import Period, ProjectFilterSet, parse_period
from .forms import (
    LedgerUploadForm,
    ReportFormSet,
    ReportsUploadForm,
    SheetRow,
    save_sheet,
)
from .models import (
    Category,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    PeriodComputation,
    Project,
    ProjectStatus,
    ProjectYear,
    Region,
)

PAGE_SIZE = 50


# --- Sign in --------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "projects:login"


# --- Overview -------------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    """The overview of a region and period: the bulletin's opening figures, colours, the
    ranking, the cumulative investment curve and the 四个一批 pipeline."""
    region = ui.region_from(request)
    period = ui.period_from(request)
    data = dashboard.overview(user=request.user, region=region, period=period)
    return render(
        request,
        "projects/overview.html",
        {
            **data,
            "region": region,
            "period": period,
            "region_options": ui.region_options(request.user, region),
        },
    )


# --- Projects -------------------------------------------------------------------------------


def _project_filterset(request) -> ProjectFilterSet:
    """The API's FilterSet over the user's projects, for the period of the query string (the
    same steps as `selectors.project_list`, kept as a FilterSet so the page can show its form
    and its errors). The list also shows the period's annual plan."""
    data = request.GET
    try:
        period = selectors.resolve_period(data.get("period"))
    except ValidationError:
        period = selectors.latest_period()  # the FilterSet reports the bad period itself
    queryset = selectors.project_queryset(user=request.user, period=period)
    if period is not None:
        queryset = queryset.annotate(status_annual_plan=F("period_status_row__annual_plan"))
    filterset = ProjectFilterSet(data, queryset=queryset, request=request)
    filterset.period = period
    return filterset


@login_required
@require_GET
def project_list(request):
    """The project list: the API's filters, sortable, paginated; `?export=xlsx` exports the
    same list (all pages). htmx requests get only the results part."""
    filterset = _project_filterset(request)
    valid = filterset.is_valid()
    projects = filterset.qs if valid else Project.objects.none()
    if request.GET.get("export") == "xlsx" and valid:
        return exports.project_list_xlsx(projects, period=filterset.period)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    home = ui.home_region(request.user)
    context = {
        "filterset": filterset,
        "page": page,
        "period": filterset.period,
        "region_options": ui.region_options(request.user, home) if home else [],
        "levels": Level.choices,
        "stages": Stage.choices,
        "colours": Colour.choices,
        "categories": Category.objects.filter(active=True).values_list("code", "name"),
        "selected": _selected(request),
    }
    template = "projects/_project_results.html" if request.htmx else "projects/project_list.html"
    return render(request, template, context)


def _selected(request) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in request.GET}


@login_required
@require_GET
def project_detail(request, code: str):
    """A project: facts, chain, milestones, factor guarantees, reports with the plan-vs-actual
    chart, colour history with reasons, issues, inspections and the history of changes."""
    try:
        project = selectors.project_by_code(user=request.user, code=code)
    except Project.DoesNotExist:
        raise Http404(_("未找到该项目，或不在您的管辖范围内。")) from None
    period = ui.period_from(request)
    years = list(selectors.project_year_queryset(user=request.user, project=project))
    reports = list(selectors.report_queryset(user=request.user, project=project))
    year = period.year
    plan_year = next((y for y in years if y.year == year), None)
    monthly_plans = (
        list(MonthlyPlan.objects.filter(project_year=plan_year).order_by("month"))
        if plan_year
        else []
    )
    # the project is in the user's scope: all its periods come with it, also those it spent
    # in another district
    statuses = list(ProjectStatus.objects.filter(project=project).order_by("-year", "-month")[:24])
    status = next((s for s in statuses if (s.year, s.month) == tuple(period)), None)
    context = {
        "project": project,
        "period": period,
        "categories": list(project.categories.all()),
        "years": years,
        "plan_year": plan_year,
        "reports": reports,
        "reports_of_year": [r for r in reports if r.year == year],
        "chain": list(selectors.chain_queryset(user=request.user, project=project)),
        "milestones": list(
            access.scope(request.user, Milestone.objects.filter(project=project))
            .select_related("responsible")
            .order_by("due_date")
        ),
        "today": timezone.localdate(),
        "factors": list(
            access.scope(request.user, FactorGuarantee.objects.filter(project=project))
        ),
        "statuses": statuses,
        "status": status,
        "checks": check_list(status.checks) if status else [],
        "chart": dashboard.project_plan_chart(
            project=project,
            year=year,
            plan_year=plan_year,
            reports=[r for r in reports if r.year == year],
            monthly_plans=monthly_plans,
        ),
        "history": dashboard.project_changes(project=project, reports=reports),
        **dashboard.project_supervision(user=request.user, project=project),
    }
    return render(request, "projects/project_detail.html", context)


@login_required
@require_GET
def my_projects(request):
    """ "My projects": the projects where the signed-in user's person holds a chain role now
    (a leader's 包联项目), with their colour and rate for the period."""
    person = getattr(request.user, "person", None)
    period = ui.period_from(request)
    projects = Project.objects.none()
    if person is not None:
        projects = (
            selectors.project_queryset(user=request.user, period=period)
            .filter(chain__person=person, chain__end_date__isnull=True)
            .distinct()
            .order_by("code")
        )
    projects = list(projects)
    return render(
        request,
        "projects/my_projects.html",
        {
            "person": person,
            "period": period,
            "projects": projects,
            "attention": [p for p in projects if p.status_colour in (Colour.RED, Colour.YELLOW)],
        },
    )


# --- Monthly reporting ----------------------------------------------------------------------


def _editable_districts(user) -> list[Region]:
    home = ui.home_region(user)
    if home is None or not user.can_edit:
        return []
    return ui.districts_of(user, home)


@login_required
@require_GET
def reporting(request):
    """Choose the district and month to fill in (a district official goes straight to theirs)."""
    districts = _editable_districts(request.user)
    if not districts:
        raise PermissionDenied(_("您的账号没有填报权限。"))
    month = ui.last_month()
    chosen = {d.code: d for d in districts}.get(request.GET.get("region", ""))
    if chosen and request.GET.get("period"):
        try:
            period = parse_period(request.GET["period"])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            return redirect("projects:reporting_form", region=chosen.code, period=str(period))
    if len(districts) == 1:
        return redirect("projects:reporting_form", region=districts[0].code, period=str(month))
    return render(
        request,
        "projects/reporting_start.html",
        {"districts": districts, "period": month, "upload_form": ReportsUploadForm()},
    )


def _reporting_target(request, region: str, period: str) -> tuple[Region, Period]:
    try:
        parsed = parse_period(period)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    district = Region.objects.filter(code=region, level=RegionLevel.COUNTY).first()
    if district is None or not access.region_in_scope(request.user, district):
        raise Http404(_("未找到该县市区，或不在您的管辖范围内。"))
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有填报权限。"))
    return district, parsed


def sheet_rows(*, user, district: Region, year: int, month: int) -> list[SheetRow]:
    """The projects of `district` that report for the month — under construction, planned for
    the year, or already reported — with their annual plan and what they completed before this
    month. Four queries whatever the number of projects."""
    planned = ProjectYear.objects.filter(project_id=OuterRef("pk"), year=year, annual_plan__gt=0)
    reported = MonthlyReport.objects.filter(project_id=OuterRef("pk"), year=year, month=month)
    projects = list(
        access.scope(user, Project.objects.active(), for_change=True)
        .filter(region=district)
        .filter(Q(stage=Stage.CONSTRUCTION) | Exists(planned) | Exists(reported))
        .order_by("code")
    )
    ids = [p.pk for p in projects]
    plans = dict(
        ProjectYear.objects.filter(project_id__in=ids, year=year).values_list(
            "project_id", "annual_plan"
        )
    )
    before = dict(
        MonthlyReport.objects.filter(project_id__in=ids, year=year, month__lt=month)
        .values("project_id")
        .annotate(total=Sum("completed_investment"))
        .values_list("project_id", "total")
    )
    reports = {
        r.project_id: r
        for r in MonthlyReport.objects.filter(
            project_id__in=ids, year=year, month=month
        ).select_related("reported_by")
    }
    return [
        SheetRow(
            project=p,
            report=reports.get(p.pk),
            annual_plan=plans.get(p.pk),
            completed_before=before.get(p.pk) or Decimal("0"),
        )
        for p in projects
    ]


@login_required
@require_http_methods(["GET", "POST"])
def reporting_form(request, region: str, period: str):
    """One screen per district and month: every project's completed investment, saved together
    and all-or-nothing; a row changed by someone else meanwhile is shown as a conflict."""
    district, target = _reporting_target(request, region, period)
    rows = sheet_rows(user=request.user, district=district, year=target.year, month=target.month)
    if request.method == "POST":
        formset = ReportFormSet(request.POST, rows=rows, prefix="r")
        if not formset.matches_rows():
            messages.error(
                request, _("本表的项目在您填写期间有变化，整张表均未保存，请核对后重新填写。")
            )
            formset = ReportFormSet(rows=rows, prefix="r")
        elif formset.is_valid():
            result = save_sheet(
                formset=formset, year=target.year, month=target.month, user=request.user
            )
            if result.ok:
                messages.success(
                    request,
                    _("已保存：新增 %(c)s 条，修改 %(u)s 条，未变 %(n)s 条。")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
                url = reverse(
                    "projects:reporting_form", kwargs={"region": district.code, "period": period}
                )
                if result.created or result.updated:
                    url += f"?saved={int(result.saved_at.timestamp() * 1000)}"  # ms
                return redirect(url)
            messages.error(
                request,
                _("有 %(n)s 行未能保存，整张表均未保存。请处理标出的行后再保存。")
                % {"n": result.conflicts},
            )
        else:
            bad = sum(1 for form in formset.forms if form.errors)
            messages.error(
                request,
                _("有 %(n)s 行填写有误，整张表均未保存。请按提示修改后再保存。") % {"n": bad}
                if bad
                else _("表单有误，整张表均未保存。"),
            )
    else:
        formset = ReportFormSet(rows=rows, prefix="r")
    for row, form in zip(rows, formset.forms, strict=True):
        row.form = form
    saved = request.GET.get("saved")
    return render(
        request,
        "projects/reporting_form.html",
        {
            "district": district,
            "period": target,
            "previous": ui.previous(target),
            "next": _next_period(target),
            "formset": formset,
            "rows": rows,
            "saved": saved if saved and saved.isdigit() else None,
            "districts": _editable_districts(request.user),
            "upload_form": ReportsUploadForm(initial={"year": target.year, "month": target.month}),
        },
    )


def _next_period(period: Period) -> Period | None:
    """The following month, if it is not in the future (the current month may be filled in)."""
    nxt = (
        Period(period.year + 1, 1) if period.month == 12 else Period(period.year, period.month + 1)
    )
    today = timezone.localdate()
    return nxt if (nxt.year, nxt.month) <= (today.year, today.month) else None


@login_required
@require_GET
def reporting_status(request, region: str, period: str):
    """Polled by htmx after a save: when were the month's colours and rankings recomputed?
    Stops polling (286) once a recompute has finished after the save."""
    district, target = _reporting_target(request, region, period)
    saved = request.GET.get("saved", "")
    saved_at = dt.datetime.fromtimestamp(int(saved) / 1000, tz=dt.UTC) if saved.isdigit() else None
    dashboard.ensure_fresh(target)  # eager mode: the trailing run of the debounce
    computed_at = (
        PeriodComputation.objects.filter(year=target.year, month=target.month)
        .values_list("finished_at", flat=True)
        .first()
    )
    done = computed_at is not None and (saved_at is None or computed_at >= saved_at)
    response = render(
        request,
        "projects/_recompute_status.html",
        {"computed_at": computed_at, "done": done, "district": district, "period": target},
    )
    if done and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response


# --- Uploads (Celery task with a progress bar) --------------------------------------------


def _start_import(request, form, kind: str) -> HttpResponse:
    job = ui_tasks.start_import(
        kind=kind,
        upload=form.cleaned_data["file"],
        user=request.user,
        year=form.cleaned_data["year"],
        month=form.cleaned_data.get("month"),
        plan_revision_reason=form.cleaned_data.get("plan_revision_reason") or "",
    )
    return redirect("projects:import_job", job=job["id"])


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
        return _start_import(request, form, ui_tasks.LEDGER)
    return render(
        request,
        "projects/ledger_upload.html",
        {"form": form, "jobs": ui_tasks.recent_jobs(request.user)},
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
        return _start_import(request, form, ui_tasks.REPORTS)
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
def import_template(request, kind: str):
    """The empty .xlsx template of an upload, built from the importer's own columns."""
    from .imports.template import write_ledger_template, write_reports_template

    buffer = io.BytesIO()
    if kind == ui_tasks.LEDGER:
        year = timezone.localdate().year
        write_ledger_template(buffer, year=year)
        name = _("%(y)s年重点项目台账模板.xlsx") % {"y": year}
    elif kind == ui_tasks.REPORTS:
        write_reports_template(buffer)
        name = _("月度完成投资模板.xlsx")
    else:
        raise Http404
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=exports.XLSX_TYPE)


def _job_or_404(request, job: uuid.UUID) -> dict:
    state = ui_tasks.get_job(str(job))
    if state is None or state["user_id"] != request.user.pk:
        raise Http404(
            _("未找到该导入任务（任务记录保留 %(h)s 小时）。") % {"h": ui_tasks.KEEP_HOURS}
        )
    return state


@login_required
@require_GET
def import_job(request, job: uuid.UUID):
    state = _job_or_404(request, job)
    return render(request, "projects/import_job.html", {"job": state})


@login_required
@require_GET
def import_progress(request, job: uuid.UUID):
    """The progress bar, polled by htmx every second until the job has finished."""
    state = _job_or_404(request, job)
    response = render(request, "projects/_import_progress.html", {"job": state})
    if state["finished"] and request.htmx:
        # Finished: replace the whole page once so the result (and its errors) show in full.
        response["HX-Refresh"] = "true"
    return response


# --- Meeting screen, bulletin ------------------------------------------------------------


@login_required
@require_GET
def screen(request):
    """The meeting-room screen: large type, dark or light, pages advanced with the arrow keys
    or automatically; read-only."""
    region = ui.region_from(request)
    period = ui.period_from(request)
    theme = "light" if request.GET.get("theme") == "light" else "dark"
    try:
        interval = max(0, min(600, int(request.GET.get("auto", "0"))))
    except ValueError:
        interval = 0
    data = dashboard.screen(user=request.user, region=region, period=period)
    return render(
        request,
        "projects/screen.html",
        {**data, "region": region, "period": period, "theme": theme, "interval": interval},
    )


@login_required
@require_GET
def bulletin(request):
    """The monthly ranking bulletin (排名通报): a printable page; `?export=xlsx` as a
    formatted workbook."""
    region = ui.region_from(request)
    period = ui.period_from(request)
    data = dashboard.bulletin(user=request.user, region=region, period=period)
    if request.GET.get("export") == "xlsx":
        return exports.bulletin_xlsx(data, region=region, period=period)
    return render(
        request,
        "projects/bulletin.html",
        {
            **data,
            "region": region,
            "period": period,
            "region_options": ui.region_options(request.user, region),
        },
    )
