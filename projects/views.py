"""The ledger's pages (namespace `projects:`): the project list (the API's FilterSet, sorting,
.xlsx export of the same list) and the monthly reporting sheet. Views read through
`projects.selectors` / `projects.access.scope` and write through `projects.services`; no
formula lives here. A project's own page and the combined pages are in `web/`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from assessment.choices import Colour, ProjectSet
from assessment.selectors import last_computed_at, latest_computed_period, resolve_period
from assessment.tasks import ensure_fresh
from core import keyset
from core.forms import add_service_errors
from core.periods import Period
from core.services import ConflictError
from core.xlsx import describe_filters
from imports.forms import ReportsUploadForm

from . import access, boundaries, exports, selectors, services, ui
from .choices import FactorKind, Level, RegionLevel, Stage, WithdrawalStatus
from .filters import PROJECT_ORDERINGS, ProjectFilterSet
from .forms import (
    ChainForm,
    MilestoneCompleteForm,
    MilestoneForm,
    MonthlyPlanForm,
    ProjectForm,
    ProjectYearForm,
    ReportFormSet,
    ResumeForm,
    StageForm,
    StopForm,
    TaskForceDissolveForm,
    TaskForceForm,
    TaskForceMemberForm,
    WithdrawalRequestForm,
    WithdrawalReviewForm,
    factor_forms,
    sheet_lines,
    show_outcome,
)
from .models import (
    Category,
    Milestone,
    Project,
    Region,
)

PAGE_SIZE = 50


# --- Projects -------------------------------------------------------------------------------


def _project_filterset(request, data=None) -> ProjectFilterSet:
    """The API's FilterSet over the user's projects, for the period of the query string (the
    same steps as `selectors.project_list`, kept as a FilterSet so the page can show its form
    and its errors). The list also shows the period's annual plan."""
    data = request.GET if data is None else data
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


def _rate_switch(request, filterset: ProjectFilterSet, count: int) -> dict | None:
    """For a list of a rate's numerator or denominator (`?set=`): the rate's name and both
    sets with their counts and links — "竣工率 22 / 70" — so the list behind a figure shows
    the figure's own fraction and switches between its two sets (one more COUNT)."""
    chosen = filterset.form.cleaned_data.get("set")
    if not chosen or ProjectSet(chosen).rate_label is None:
        return None
    current = ProjectSet(chosen)
    other = current.denominator or current.numerator
    assert other is not None  # a set with a rate has its pair
    data = request.GET.copy()
    data.pop("page", None)
    data["set"] = other.value
    other_filterset = _project_filterset(request, data=data)
    other_count = other_filterset.qs.count() if other_filterset.is_valid() else 0

    def side(which: ProjectSet, n: int) -> dict:
        query = request.GET.copy()
        query.pop("page", None)
        query["set"] = which.value
        return {
            "label": which.label,
            "count": n,
            "url": f"?{query.urlencode()}",
            "current": which == current,
        }

    numerator, denominator = (
        (side(current, count), side(other, other_count))
        if current.denominator
        else (side(other, other_count), side(current, count))
    )
    return {"label": current.rate_label, "numerator": numerator, "denominator": denominator}


def _keyset_page(request, filterset: ProjectFilterSet, projects) -> keyset.KeysetPage:
    """The page of the list the query string asks for: after (`?after=`) or before
    (`?before=`) a cursor — what the pager's links carry, so a deep page costs what the first
    does — or, for an address typed with `?page=N` alone, counted off from the start."""
    ordering = (filterset.form.cleaned_data.get("ordering") or [""]) if filterset.is_bound else [""]
    name = ordering[0] if ordering and ordering[0] in PROJECT_ORDERINGS else ""
    keys = PROJECT_ORDERINGS[name]
    count = projects.count()
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    after, before = request.GET.get("after"), request.GET.get("before")
    if not after and not before and number > 1:
        return keyset.offset_page(
            projects, name=name, keys=keys, per_page=PAGE_SIZE, count=count, number=number
        )
    return keyset.page(
        projects,
        name=name,
        keys=keys,
        per_page=PAGE_SIZE,
        count=count,
        after=after,
        before=before,
        number=number,
    )


@login_required
@require_GET
def project_list(request):
    """The project list: the API's filters, sortable, paginated; `?export=xlsx` exports the
    same list (all pages). htmx requests get only the results part."""
    filterset = _project_filterset(request)
    valid = filterset.is_valid()
    projects = filterset.qs if valid else Project.objects.none()
    if request.GET.get("export") == "xlsx" and valid:
        if projects.count() > settings.EXPORT_BACKGROUND_ROWS:  # written by a background job
            start = reverse("imports:export_start", args=["projects"])
            return redirect(f"{start}?{request.GET.urlencode()}")
        return exports.project_list_xlsx(
            projects, period=filterset.period, filters=describe_filters(filterset.form)
        )
    page = _keyset_page(request, filterset, projects)
    home = ui.home_region(request.user)
    context = {
        "filterset": filterset,
        "page": page,
        "rate": _rate_switch(request, filterset, page.paginator.count) if valid else None,
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
    # ?missing=1 (the 催报's link): only the projects without a report of the month
    only_missing = request.GET.get("missing") == "1"
    all_rows = len(rows)
    if only_missing:
        rows = [row for row in rows if row.report is None]
    if request.method == "POST":
        formset = ReportFormSet(request.POST, rows=rows, prefix="r")
        if not formset.matches_rows():
            messages.error(
                request, _("本表的项目在您填写期间有变化，整张表均未保存，请核对后重新填写。")
            )
            formset = ReportFormSet(rows=rows, prefix="r")
        elif formset.is_valid():
            confirm = request.POST.get("confirm_warnings") == "1"
            result = services.report_sheet_save(
                lines=sheet_lines(formset),
                year=target.year,
                month=target.month,
                actor=request.user,
                confirm_warnings=confirm,
            )
            show_outcome(formset, result)
            warned = bool(result.warnings)
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
            if warned and not result.errors and not result.conflicts:
                messages.warning(
                    request,
                    _(
                        "有 %(n)s 行的数值需要核实（见行旁的合理性提示），整张表均未保存。"
                        "如核实无误，请勾选“确认保存”后再保存。"
                    )
                    % {"n": len(result.warnings)},
                )
            else:
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
    warned = request.method == "POST" and any(getattr(row, "warnings", None) for row in rows)
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
            "warned": warned,
            "saved": saved if saved and saved.isdigit() else None,
            "only_missing": only_missing,
            "all_rows": all_rows,
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


# --- The ledger kept in the browser (issue #11) ---------------------------------------------
#
# Every page below writes through a service of `projects.services` (the same rules, history
# rows and version bump as the API and the imports). A project outside the user's scope, or a
# user without an editing role, gets a 404 on every route, as the API does.


def _project_for_change(request, code: str) -> Project:
    try:
        return selectors.project_by_code(user=request.user, code=code, for_change=True)
    except Project.DoesNotExist:
        raise Http404(_("未找到该项目，或您无权修改该项目。")) from None


def _frozen(request, project: Project):
    """A withdrawn project is frozen: its pages say so instead of offering a form."""
    if project.is_withdrawn:
        messages.error(request, _("该项目已退库，不能再修改（历史记录保留）。"))
        return redirect("web:project_detail", code=project.code)
    return None


def _project_page(project: Project):
    return redirect("web:project_detail", code=project.code)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    """新建项目: the ledger fields, categories and the first stage; the project's page opens on
    save."""
    if not request.user.can_edit:
        raise PermissionDenied(_("您的账号没有修改权限。"))
    form = ProjectForm(request.POST or None, user=request.user, instance=Project())
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            with transaction.atomic():
                project = services.project_create(
                    code=values.pop("code"),
                    stage=values.pop("stage"),
                    categories=values.pop("categories"),
                    actor=request.user,
                    **values,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IntegrityError:  # the same code saved by someone else a moment ago
            form.add_error("code", _("项目编号已存在。"))
        else:
            messages.success(request, _("项目已建档。"))
            return _project_page(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None, "picker": _picker(form)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, code: str):
    """编辑项目, with optimistic locking: a stale edit is refused and shown as a conflict."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    form = ProjectForm(request.POST or None, user=request.user, instance=project)
    if request.method == "POST" and form.is_valid():
        seen = form.cleaned_data.get("version")
        values = form.service_values()
        try:
            updated = services.project_update(
                project=project,
                actor=request.user,
                expected_version=seen,
                categories=values.pop("categories"),
                **values,
            )
        except ConflictError:
            form.show_conflict(_project_for_change(request, code), seen)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("项目信息已保存（版本 %(v)s）。") % {"v": updated.version})
            return _project_page(updated)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project, "picker": _picker(form)},
    )


def _picker(form) -> dict | None:
    """The location picker's map: the outlines of the districts the form offers (None when no
    boundaries are loaded: the coordinates are typed)."""
    collection = boundaries.outlines(form.fields["region"].queryset)
    return collection if collection["features"] else None


@login_required
@require_http_methods(["GET", "POST"])
def project_stage(request, code: str):
    """Moves the project to another stage on a date (a StageChange row)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    form = StageForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.project_set_stage(
                project=project,
                stage=data["stage"],
                on=data["on"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, fields={"changed_on": "on"})
        else:
            messages.success(
                request, _("建设阶段已变更为“%(s)s”。") % {"s": moved.get_stage_display()}
            )
            return _project_page(moved)
    changes = selectors.stage_change_queryset(user=request.user, project=project)
    return render(
        request,
        "projects/project_stage.html",
        {"form": form, "project": project, "changes": changes},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones(request, code: str):
    """节点与前期手续: the project's milestones; add one, or edit one (`?edit=<id>`), through
    `services.milestone_save`; complete and reopen are buttons per row (`milestone_action`)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    milestones = list(selectors.milestone_queryset(user=request.user, project=project))
    editing = None
    edit_id = request.POST.get("milestone") or request.GET.get("edit")
    if edit_id:
        editing = next((m for m in milestones if str(m.pk) == str(edit_id)), None)
        if editing is None:
            raise Http404(_("未找到该节点。"))
    form = MilestoneForm(
        request.POST or None,
        user=request.user,
        project=project,
        instance=editing or Milestone(project=project),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.milestone_save(
                project=project,
                milestone=editing,
                values=form.service_values(),
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("节点“%(n)s”已保存。") % {"n": saved.name})
            return redirect("projects:project_milestones", code=project.code)
    return render(
        request,
        "projects/project_milestones.html",
        {
            "form": form,
            "project": project,
            "milestones": milestones,
            "editing": editing,
            "complete_form": MilestoneCompleteForm(initial={"done_on": timezone.localdate()}),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def milestone_action(request, code: str, pk: int, action: str):
    """完成 (with its date and, for an approval, the permit number) or 重新打开 one milestone."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    milestone = next(
        (m for m in selectors.milestone_queryset(user=request.user, project=project) if m.pk == pk),
        None,
    )
    if milestone is None or action not in ("complete", "reopen"):
        raise Http404(_("未找到该节点。"))
    try:
        if action == "complete":
            form = MilestoneCompleteForm(request.POST)
            if not form.is_valid():
                raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
            services.milestone_complete(
                milestone=milestone,
                on=form.cleaned_data["done_on"],
                permit_number=form.cleaned_data["permit_number"],
                actor=request.user,
            )
            messages.success(request, _("节点“%(n)s”已完成。") % {"n": milestone.name})
        else:
            services.milestone_reopen(milestone=milestone, actor=request.user)
            messages.success(request, _("节点“%(n)s”已重新打开。") % {"n": milestone.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("projects:project_milestones", code=project.code)


@login_required
@require_http_methods(["GET", "POST"])
def project_factors(request, code: str):
    """要素保障 of a project: demand and secured per kind (`services.factors_save`)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    factors = list(selectors.factor_queryset(user=request.user, project=project))
    forms_ = factor_forms(request.POST or None, factors)
    if request.method == "POST" and all(form.is_valid() for form in forms_):
        try:
            services.factors_save(
                project=project, lines=[form.line() for form in forms_], actor=request.user
            )
        except ValidationError as exc:
            by_kind = {form.prefix: form for form in forms_}
            for key, errors in exc.message_dict.items():
                kind, _sep, name = key.partition("-")
                form = by_kind[kind]
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("要素保障已保存。"))
            return redirect("projects:project_factors", code=project.code)
    return render(request, "projects/project_factors.html", {"project": project, "forms": forms_})


@login_required
@require_GET
def factor_gaps(request):
    """要素缺口 across the user's projects, by kind; each gap can be raised as an issue."""
    region = request.GET.get("region") or None
    kind = request.GET.get("kind") or None
    if kind not in FactorKind.values:
        kind = None
    regions = access.scope(request.user, Region.objects.filter(level=RegionLevel.COUNTY)).order_by(
        "code"
    )
    summary, rows = selectors.factor_gaps(user=request.user, region=region, kind=kind)
    return render(
        request,
        "projects/factor_gaps.html",
        {
            "summary": summary,
            "rows": rows,
            "regions": regions,
            "region": region,
            "kinds": FactorKind.choices,
            "kind": kind,
        },
    )


@login_required
@require_GET
def approvals(request):
    """前期手续 by district: what each project still lacks, what is overdue, 多证连发."""
    region = request.GET.get("region") or None
    regions = access.scope(request.user, Region.objects.filter(level=RegionLevel.COUNTY)).order_by(
        "code"
    )
    today = timezone.localdate()
    summary, rows = selectors.approvals_overview(user=request.user, region=region, on=today)
    return render(
        request,
        "projects/approvals.html",
        {
            "summary": summary,
            "rows": rows,
            "regions": regions,
            "region": region,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_plan(request, code: str):
    """A year's plan: set it, or revise it with a reason (the original stays beside it)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    years = list(selectors.project_year_queryset(user=request.user, project=project))
    try:
        year = int(request.GET.get("year") or ui.period_from(request).year)
    except ValueError:
        year = ui.period_from(request).year
    current = next((y for y in years if y.year == year), None)
    initial = {"year": year}
    if current is not None:
        initial |= {
            "annual_plan": current.annual_plan,
            "new_start": current.new_start,
            "planned_completion": current.planned_completion,
        }
    form = ProjectYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            py = services.project_year_set(
                project=project,
                year=data["year"],
                annual_plan=data["annual_plan"],
                new_start=data["new_start"],
                planned_completion=data["planned_completion"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, fields={"project": "__all__"})
        else:
            messages.success(request, _("%(y)s 年度计划已保存。") % {"y": py.year})
            return redirect(
                reverse("projects:project_plan", kwargs={"code": project.code}) + f"?year={py.year}"
            )
    return render(
        request,
        "projects/project_plan.html",
        {"form": form, "project": project, "years": years, "year": year, "current": current},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_chain(request, code: str):
    """四包一: hand a role over (the previous holder's term ends), to a listed person or to one
    entered here; the chain's history below."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    form = ChainForm(request.POST or None, user=request.user, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = data["person"]
                if person is None:
                    person = services.person_create(
                        name=data["new_name"],
                        unit=data["new_unit"],
                        title=data["new_title"],
                        phone=data["new_phone"],
                        actor=request.user,
                    )
                assignment = services.chain_assign(
                    project=project,
                    role=data["role"],
                    person=person,
                    on=data["on"],
                    actor=request.user,
                )
        except ValidationError as exc:
            new = data["person"] is None
            add_service_errors(
                form,
                exc,
                fields={
                    "name": "new_name",
                    "unit": "new_unit",
                    "title": "new_title",
                    "phone": "new_phone",
                    "start_date": "on",
                    "end_date": "on",
                    "person": "new_name" if new else "person",
                },
            )
        else:
            messages.success(
                request,
                _("%(role)s已交由 %(name)s 负责。")
                % {"role": assignment.role.name, "name": assignment.person.name},
            )
            return redirect("projects:project_chain", code=project.code)
    chain = list(selectors.chain_queryset(user=request.user, project=project))
    return render(
        request,
        "projects/project_chain.html",
        {"form": form, "project": project, "chain": chain},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_withdrawal(request, code: str):
    """退库申请 with a written reason; a reviewer decides in the queue."""
    project = _project_for_change(request, code)
    form = WithdrawalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdrawal_request(
                project=project, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc, fields={"project": "__all__"})
        except IntegrityError:
            form.add_error(None, _("该项目已有待审核的退库申请。"))
        else:
            messages.success(request, _("退库申请已提交，等待审核。"))
            return _project_page(project)
    withdrawals = selectors.withdrawal_queryset(user=request.user).filter(project=project)
    return render(
        request,
        "projects/project_withdrawal.html",
        {"form": form, "project": project, "withdrawals": withdrawals},
    )


def _require_reviewer(user) -> None:
    if not user.can_review:
        raise PermissionDenied(_("只有审核人可以审核退库申请。"))


@login_required
@require_GET
def withdrawal_queue(request):
    """退库审核: the pending requests of the reviewer's scope, oldest first, and the latest
    decisions."""
    _require_reviewer(request.user)
    requests = selectors.withdrawal_queryset(user=request.user, for_change=True)
    pending = list(requests.filter(status=WithdrawalStatus.PENDING).order_by("requested_at"))
    for withdrawal in pending:
        withdrawal.own = withdrawal.requested_by_id == request.user.pk
    decided = requests.exclude(status=WithdrawalStatus.PENDING).order_by("-reviewed_at")[:20]
    return render(
        request,
        "projects/withdrawal_queue.html",
        {"pending": pending, "decided": decided, "form": WithdrawalReviewForm()},
    )


@login_required
@require_POST
def withdrawal_review(request, pk: int):
    """Approve or reject one request (never one's own: the service's rule)."""
    _require_reviewer(request.user)
    withdrawal = (
        selectors.withdrawal_queryset(user=request.user, for_change=True).filter(pk=pk).first()
    )
    if withdrawal is None:
        raise Http404(_("未找到该退库申请，或不在您的管辖范围内。"))
    form = WithdrawalReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回。"))
        return redirect("projects:withdrawal_queue")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.withdrawal_review(
            withdrawal=withdrawal,
            actor=request.user,
            approve=approve,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        text = _("已批准 %(c)s 退库。") if approve else _("已驳回 %(c)s 的退库申请。")
        messages.success(request, text % {"c": withdrawal.project.code})
    return redirect("projects:withdrawal_queue")


# --- 停工 / 复工 ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_stoppage(request, code: str):
    """停工 (reason, date) or, while stopped, 复工 (date): one form, whichever applies; the
    project's stoppages below. `services.project_stop/project_resume` hold the rules."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    stoppages = list(selectors.stoppage_queryset(user=request.user, project=project))
    current = next((x for x in stoppages if x.is_open), None)
    form: StopForm | ResumeForm = (
        StopForm(request.POST or None) if current is None else ResumeForm(request.POST or None)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if current is None:
                services.project_stop(
                    project=project,
                    reason=data["reason"],
                    on=data["stopped_on"],
                    note=data["note"],
                    actor=request.user,
                )
                messages.success(request, _("已登记停工。"))
            else:
                services.project_resume(
                    project=project,
                    on=data["resumed_on"],
                    note=data["resume_note"],
                    actor=request.user,
                )
                messages.success(request, _("已登记复工。"))
        except ValidationError as exc:
            add_service_errors(form, exc, fields={"project": "__all__"})
        else:
            return _project_page(project)
    return render(
        request,
        "projects/project_stoppage.html",
        {
            "form": form,
            "project": project,
            "current": current,
            "stoppages": stoppages,
            "is_construction": project.stage == Stage.CONSTRUCTION,
        },
    )


# --- Monthly plan (分月计划) ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_monthly_plan(request, code: str, year: int):
    """分月计划 of a year: 12 cells saved together (`services.monthly_plan_set`); a sum that
    differs from the annual plan is shown with the difference and saved only when confirmed."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    py = (
        selectors.project_year_queryset(user=request.user, project=project)
        .filter(year=year)
        .first()
    )
    if py is None:
        messages.error(request, _("请先下达该年度的年度计划，再编分月计划。"))
        return redirect(
            reverse("projects:project_plan", kwargs={"code": project.code}) + f"?year={year}"
        )
    months = list(selectors.monthly_plan_queryset(project_year=py))
    initial = {f"m{m.month}": m.amount for m in months}
    form = MonthlyPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.monthly_plan_set(
                project=project,
                year=year,
                amounts=form.amounts(),
                confirm_mismatch=form.cleaned_data["confirm_mismatch"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if rows:
                messages.success(request, _("%(y)s 年分月计划已保存。") % {"y": year})
            else:
                messages.success(request, _("%(y)s 年未编分月计划（已清空）。") % {"y": year})
            return redirect(
                reverse("projects:project_plan", kwargs={"code": project.code}) + f"?year={year}"
            )
    total = sum((m.amount for m in months), Decimal("0")) if months else None
    return render(
        request,
        "projects/project_monthly_plan.html",
        {"form": form, "project": project, "py": py, "year": year, "total": total},
    )


# --- Task forces (专班) -----------------------------------------------------------------------


def _task_forces(request, project: Project) -> list:
    return list(selectors.task_force_queryset(user=request.user, project=project))


@login_required
@require_http_methods(["GET", "POST"])
def project_task_forces(request, code: str):
    """专班 of a project: set one up (name, lead, date), add a member with their duty to an
    active one (`form=member`: a listed person or one entered here); leaving and dissolving are
    buttons (`task_force_action`)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    task_forces = _task_forces(request, project)
    active = [tf for tf in task_forces if tf.dissolved_on is None]
    posted = request.POST if request.method == "POST" else None
    member_post = posted is not None and posted.get("form") == "member"
    form = TaskForceForm(None if member_post else posted, user=request.user, project=project)
    member_form = TaskForceMemberForm(
        posted if member_post else None,
        user=request.user,
        project=project,
        task_forces=active,
        prefix="member",
    )
    if posted is not None and not member_post and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.task_force_create(
                project=project,
                name=data["name"],
                lead=data["lead"],
                established_on=data["established_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("专班“%(n)s”已成立。") % {"n": created.name})
            return redirect("projects:project_task_forces", code=project.code)
    if (
        member_post
        and member_form.is_valid()
        and (saved := _member_add(request, member_form, active))
    ):
        messages.success(request, _("%(p)s 已加入专班。") % {"p": saved.person.name})
        return redirect("projects:project_task_forces", code=project.code)
    return render(
        request,
        "projects/project_task_forces.html",
        {
            "form": form,
            "member_form": member_form,
            "project": project,
            "task_forces": task_forces,
            "active": active,
            "today": timezone.localdate(),
        },
    )


def _member_add(request, form: TaskForceMemberForm, active: list):
    """The member form's person (listed, or created here) joins the chosen task force; the
    services' refusals go beside the fields."""
    data = form.cleaned_data
    task_force = next(tf for tf in active if tf.pk == data["task_force"])
    try:
        with transaction.atomic():
            person = data["person"]
            if person is None:
                person = services.person_create(
                    name=data["new_name"],
                    unit=data["new_unit"],
                    title=data["new_title"],
                    phone=data["new_phone"],
                    actor=request.user,
                )
            return services.task_force_member_add(
                task_force=task_force, person=person, duty=data["duty"], actor=request.user
            )
    except ValidationError as exc:
        new = data["person"] is None
        add_service_errors(
            form,
            exc,
            fields={
                "name": "new_name",
                "unit": "new_unit",
                "title": "new_title",
                "phone": "new_phone",
                "person": "new_name" if new else "person",
            },
        )
        return None


@login_required
@require_POST
def task_force_action(request, code: str, pk: int, action: str):
    """成员退出 (`remove`, with `member=<id>`) or 撤销专班 (`dissolve`, with the date)."""
    project = _project_for_change(request, code)
    if response := _frozen(request, project):
        return response
    task_force = next((tf for tf in _task_forces(request, project) if tf.pk == pk), None)
    if task_force is None or action not in ("remove", "dissolve"):
        raise Http404(_("未找到该专班。"))
    try:
        if action == "remove":
            member = next(
                (m for m in task_force.member_rows if str(m.pk) == request.POST.get("member")),
                None,
            )
            if member is None:
                raise Http404(_("未找到该成员。"))
            services.task_force_member_remove(member=member, actor=request.user)
            messages.success(request, _("%(p)s 已退出专班。") % {"p": member.person.name})
        else:
            dissolve = TaskForceDissolveForm(request.POST)
            if not dissolve.is_valid():
                raise ValidationError(
                    [str(e) for errors in dissolve.errors.values() for e in errors]
                )
            services.task_force_dissolve(
                task_force=task_force,
                on=dissolve.cleaned_data["dissolved_on"],
                actor=request.user,
            )
            messages.success(request, _("专班“%(n)s”已撤销。") % {"n": task_force.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("projects:project_task_forces", code=project.code)


SEARCH_LIMIT = 50


@login_required
@require_GET
def search(request):
    """The header's search box: projects of the user's scope by code or name; one exact code
    opens its page."""
    q = (request.GET.get("q") or "").strip()
    projects = []
    if q:
        found = selectors.project_search(user=request.user, q=q)
        projects = list(found[: SEARCH_LIMIT + 1])
        exact = [p for p in projects if p.code.lower() == q.lower()]
        if len(projects) == 1 and exact:  # a code typed in full opens its page
            return _project_page(exact[0])
    return render(
        request,
        "projects/search.html",
        {
            "q": q,
            "projects": projects[:SEARCH_LIMIT],
            "more": len(projects) > SEARCH_LIMIT,
        },
    )
