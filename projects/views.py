"""The ledger's pages (namespace `projects:`): the project list (the API's FilterSet, sorting,
.xlsx export of the same list) and the monthly reporting sheet. Views read through
`projects.selectors` / `projects.access.scope` and write through `projects.services`; no
formula lives here. A project's own page and the combined pages are in `web/`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from assessment.choices import Colour
from assessment.selectors import last_computed_at, latest_computed_period, resolve_period
from assessment.tasks import ensure_fresh
from core.periods import Period
from core.xlsx import describe_filters
from imports.forms import ReportsUploadForm

from . import access, exports, selectors, services, ui
from .choices import Level, RegionLevel, Stage
from .filters import ProjectFilterSet
from .forms import ReportFormSet, sheet_lines, show_outcome
from .models import (
    Category,
    Project,
    Region,
)

PAGE_SIZE = 50


# --- Projects -------------------------------------------------------------------------------


def _project_filterset(request) -> ProjectFilterSet:
    """The API's FilterSet over the user's projects, for the period of the query string (the
    same steps as `selectors.project_list`, kept as a FilterSet so the page can show its form
    and its errors). The list also shows the period's annual plan."""
    data = request.GET
    try:
        period = resolve_period(data.get("period"))
    except ValidationError:
        period = latest_computed_period()  # the FilterSet reports the bad period itself
    queryset = selectors.project_queryset(user=request.user, period=period)
    if period is not None:
        queryset = queryset.annotate(status_annual_plan=F("period_status_row__annual_plan"))
    filterset = ProjectFilterSet(data, queryset=queryset, request=request)
    # the declared `period` filter lives in base_filters; the attribute carries the value
    filterset.period = period  # type: ignore[assignment]
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
        return exports.project_list_xlsx(
            projects, period=filterset.period, filters=describe_filters(filterset.form)
        )
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
    month = Period.latest_complete()
    chosen = {d.code: d for d in districts}.get(request.GET.get("region", ""))
    if chosen and request.GET.get("period"):
        try:
            period = Period.parse_optional(request.GET["period"])
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
        parsed = Period.parse(period)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    district = Region.objects.filter(code=region, level=RegionLevel.COUNTY).first()
    if district is None or not access.covers(request.user, district.code):
        raise Http404(_("未找到该县市区，或不在您的管辖范围内。"))
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有填报权限。"))
    return district, parsed


@login_required
@require_http_methods(["GET", "POST"])
def reporting_form(request, region: str, period: str):
    """One screen per district and month: every project's completed investment, saved together
    and all-or-nothing; a row changed by someone else meanwhile is shown as a conflict."""
    district, target = _reporting_target(request, region, period)
    rows = selectors.sheet_rows(
        user=request.user, district=district, year=target.year, month=target.month
    )
    if request.method == "POST":
        formset = ReportFormSet(request.POST, rows=rows, prefix="r")
        if not formset.matches_rows():
            messages.error(
                request, _("本表的项目在您填写期间有变化，整张表均未保存，请核对后重新填写。")
            )
            formset = ReportFormSet(rows=rows, prefix="r")
        elif formset.is_valid():
            result = services.report_sheet_save(
                lines=sheet_lines(formset), year=target.year, month=target.month, actor=request.user
            )
            show_outcome(formset, result)
            if result.ok:
                messages.success(
                    request,
                    _("已保存：新增 %(c)s 条，修改 %(u)s 条，未变 %(n)s 条。")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
                url = reverse(
                    "projects:reporting_form", kwargs={"region": district.code, "period": period}
                )
                if (result.created or result.updated) and result.saved_at is not None:
                    url += f"?saved={int(result.saved_at.timestamp() * 1000)}"  # ms
                return redirect(url)
            messages.error(
                request,
                _("有 %(n)s 行未能保存，整张表均未保存。请处理标出的行后再保存。")
                % {"n": result.refused},
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
            "previous": target.previous(),
            "next": None if target.next().is_future() else target.next(),
            "formset": formset,
            "rows": rows,
            "saved": saved if saved and saved.isdigit() else None,
            "districts": _editable_districts(request.user),
            "upload_form": ReportsUploadForm(initial={"year": target.year, "month": target.month}),
        },
    )


@login_required
@require_GET
def reporting_status(request, region: str, period: str):
    """Polled by htmx after a save: when were the month's colours and rankings recomputed?
    Stops polling (286) once a recompute has finished after the save."""
    district, target = _reporting_target(request, region, period)
    saved = request.GET.get("saved", "")
    saved_at = dt.datetime.fromtimestamp(int(saved) / 1000, tz=dt.UTC) if saved.isdigit() else None
    ensure_fresh(target)  # eager mode: the trailing run of the debounce
    computed_at = last_computed_at(target)
    done = computed_at is not None and (saved_at is None or computed_at >= saved_at)
    response = render(
        request,
        "projects/_recompute_status.html",
        {"computed_at": computed_at, "done": done, "district": district, "period": target},
    )
    if done and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response
