"""The pages that combine every app: sign-in, the overview (`/`), a project's page, "my
projects", the meeting-room screen and the ranking bulletin. They read through the apps'
selectors and take their figures from `web.dashboard` (which calls the measures and rankings)
and their charts from `web.charts`; no formula lives here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from assessment import assessments, forecast_reads, measures, rankings, tasks
from assessment import selectors as assessment_selectors
from assessment import services as assessment_services
from assessment.choices import AssessmentKind, AssessmentSubject, Colour
from assessment.models import AssessmentSnapshot, RankingSnapshot
from assessment.reasons import check_list
from core.formatting import cnperiod
from core.periods import Period
from core.text import clean_text
from meetings import selectors as meeting_selectors
from meetings.agenda import meeting_agenda
from projects import access, selectors, ui
from projects.api.authentication import token_expires_at
from projects.choices import RegionLevel, WithdrawalStatus
from projects.models import Project, Region

from . import charts, dashboard, exports, todo, wall

# --- Sign in --------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "web:login"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (Django's validators apply); clears `must_change_password`."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("web:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        messages.success(self.request, _("密码已修改。"))
        return response


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """我的账号: the password, and the API token for the province's or city's systems — shown
    once when made; a new one replaces the old at once (rotation)."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST" and request.POST.get("action") == "rotate":
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        new_key = token.key
    return render(
        request,
        "web/account.html",
        {
            "token": token,
            "new_key": new_key,
            "expires_at": token_expires_at(token.created) if token else None,
        },
    )


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
        "web/overview.html",
        {
            **data,
            "region": region,
            "period": period,
            "region_options": ui.region_options(request.user, region),
            **wall.overview_map(request, region=region, period=period),
        },
    )


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
        list(selectors.monthly_plan_queryset(project_year=plan_year)) if plan_year else []
    )
    statuses = list(assessment_selectors.status_history(project=project))
    status = next((s for s in statuses if (s.year, s.month) == tuple(period)), None)
    stoppages = list(selectors.stoppage_queryset(user=request.user, project=project))
    context = {
        "project": project,
        "stoppages": stoppages,
        "open_stoppage": next((x for x in stoppages if x.is_open), None),
        "task_forces": list(selectors.task_force_queryset(user=request.user, project=project)),
        "may_change": access.may_change_project(request.user, project),
        "pending_withdrawal": selectors.withdrawal_queryset(user=request.user)
        .filter(project=project, status=WithdrawalStatus.PENDING)
        .first(),
        "period": period,
        "categories": list(project.categories.all()),
        "years": years,
        "plan_year": plan_year,
        "reports": reports,
        "reports_of_year": [r for r in reports if r.year == year],
        "chain": list(selectors.chain_queryset(user=request.user, project=project)),
        "milestones": list(selectors.milestone_queryset(user=request.user, project=project)),
        "today": timezone.localdate(),
        "factors": list(selectors.factor_queryset(user=request.user, project=project)),
        "statuses": statuses,
        "status": status,
        "checks": check_list(status.checks) if status else [],
        "forecast": forecast_reads.for_project(project.pk, period),
        "chart": charts.project_plan_chart(
            plan_year=plan_year,
            reports=[r for r in reports if r.year == year],
            monthly_plans=monthly_plans,
        ),
        "history": dashboard.project_changes(project=project),
        **dashboard.project_supervision(user=request.user, project=project),
    }
    return render(request, "web/project_detail.html", context)


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
        "web/my_projects.html",
        {
            "person": person,
            "period": period,
            "projects": projects,
            "attention": [p for p in projects if p.status_colour in (Colour.RED, Colour.YELLOW)],
        },
    )


# --- Meeting screen, bulletin ------------------------------------------------------------


@login_required
@require_GET
def screen(request):
    """The meeting-room screen: large type, dark or light, pages advanced with the arrow keys
    or automatically; read-only. `?meeting=ID`: driven by that meeting's agenda (its frozen
    record), `&by=district` a deck per district in 轮流汇报 order; else the live figures of
    `?region=` and `?period=`. The lists' rows are not in the page: the browser sizes each
    slide to the screen and fetches its rows when it is shown (`screen_rows`)."""
    theme = "light" if request.GET.get("theme") == "light" else "dark"
    try:
        interval = max(0, min(600, int(request.GET.get("auto", "0"))))
    except ValueError:
        interval = 0
    meeting_id = request.GET.get("meeting", "")
    if meeting_id:
        meeting = _screen_meeting(request, meeting_id)
        agenda = meeting_agenda(meeting, user=request.user)
        data = dashboard.meeting_screen(
            meeting=meeting, agenda=agenda, by_district=request.GET.get("by") == "district"
        )
        data["meeting"] = meeting
        data["agenda"] = agenda
    else:
        region = ui.region_from(request)
        period = ui.period_from(request)
        data = dashboard.screen(user=request.user, region=region, period=period)
        data.update(wall.screen_map_slide(request, data["slides"], region=region, period=period))
        data.update({"region": region, "period": period})
    rows_url = reverse("web:screen_rows")
    for deck in data["decks"]:
        deck["src"] = f"{rows_url}?{urlencode(deck['params'])}"
    return render(request, "web/screen.html", {**data, "theme": theme, "interval": interval})


def _screen_meeting(request, meeting_id: str):
    meeting = (
        meeting_selectors.meeting_list(user=request.user).filter(pk=meeting_id).first()
        if meeting_id.isdigit()
        else None
    )
    if meeting is None:
        raise Http404(_("未找到该会议，或不在您的管辖范围内。"))
    return meeting


def _bounded(value: str | None, default: int, high: int) -> int:
    try:
        return max(0, min(high, int(value or default)))
    except ValueError:
        return default


@login_required
@require_GET
def screen_rows(request):
    """htmx: the rows of one slide of the meeting screen (`?deck=`, `?offset=`, `?limit=` — at
    most SCREEN_MAX_ROWS), of a meeting's agenda (`?meeting=`, `?district=`) or of the live
    lists of `?region=` / `?period=`."""
    deck = request.GET.get("deck", "")
    offset = _bounded(request.GET.get("offset"), 0, 10_000_000)
    limit = max(1, _bounded(request.GET.get("limit"), 8, dashboard.SCREEN_MAX_ROWS))
    meeting_id = request.GET.get("meeting", "")
    if meeting_id:
        meeting = _screen_meeting(request, meeting_id)
        kind, rows = dashboard.meeting_screen_rows(
            agenda=meeting_agenda(meeting, user=request.user),
            deck=deck,
            district=request.GET.get("district", ""),
            offset=offset,
            limit=limit,
        )
    else:
        if deck not in dashboard.SCREEN_DECKS:
            raise Http404(_("未知的列表：%(d)s") % {"d": deck[:20]})
        kind, rows = dashboard.screen_rows(
            user=request.user,
            region=ui.region_from(request),
            period=ui.period_from(request),
            deck=deck,
            offset=offset,
            limit=limit,
        )
    return render(request, "web/_screen_rows.html", {"kind": kind, "rows": rows, "offset": offset})


def _bulletin_region(request, source) -> tuple[Region, bool]:
    """The region whose bulletin is asked for and whether the user reads its published
    versions only (a region above their own: `rankings.reader_access`)."""
    code = (source.get("region") or "").strip()
    if not code:
        return ui.region_from(request), False
    region = Region.objects.filter(code=code).first()
    reading = rankings.reader_access(request.user, region) if region is not None else None
    if region is None or reading is None:
        raise Http404(_("未找到该区域，或不在您的管辖范围内。"))
    return region, reading == "published"


def _version_param(value: str | None) -> int | str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value == dashboard.LIVE:
        return value
    if not value.isdigit() or not 0 < int(value) < 100000:
        raise Http404(_("版本号应为正整数或 live：%(v)s") % {"v": value[:20]})
    return int(value)


def _scope_param(value: str | None, region: Region) -> str:
    scopes = dashboard.ranking_scopes(region)
    return value if value in scopes else scopes[0]


def _upper_bulletin(user) -> Region | None:
    """The nearest city (or province) above the user's own region, whose published bulletin
    the user may read: `None` for a user at the top."""
    region = getattr(user, "region", None)
    return None if region is None else region.parent


@login_required
@require_GET
def bulletin(request):
    """The monthly ranking bulletin (排名通报): a printable page with its published versions,
    the 发布 / 更正 form for those who may publish, the difference between two versions;
    `?export=xlsx` as a formatted workbook. `?scope=district|leader|unit`, `?version=N|live`,
    `?compare=N|live`."""
    region, published_only = _bulletin_region(request, request.GET)
    period = ui.period_from(request)
    scope = _scope_param(request.GET.get("scope"), region)
    try:
        data = dashboard.bulletin(
            user=request.user,
            region=region,
            period=period,
            scope=scope,
            version=_version_param(request.GET.get("version")),
            compare=_version_param(request.GET.get("compare")),
            published_only=published_only,
        )
    except RankingSnapshot.DoesNotExist as exc:
        raise Http404(str(exc)) from None
    if request.GET.get("export") == "xlsx":
        return exports.bulletin_xlsx(data, region=region, period=period)
    options = ui.region_options(request.user, region)
    upper = None if published_only else _upper_bulletin(request.user)
    return render(
        request,
        "web/bulletin.html",
        {
            **data,
            "region": region,
            "period": period,
            "region_options": options,
            "upper_region": upper if upper is not None and upper not in options else None,
            "may_publish": not published_only
            and assessment_services.may_publish(request.user, region),
        },
    )


@login_required
@require_POST
def bulletin_publish(request):
    """发布 (or 更正, with a reason): the bulletin's ranking of the period as its next version,
    through `assessment.services.ranking_publish`; back to the bulletin on the new version."""
    region, published_only = _bulletin_region(request, request.POST)
    try:
        period = Period.parse(request.POST.get("period") or "")
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    scope = _scope_param(request.POST.get("scope"), region)
    query = {"region": region.code, "period": str(period), "scope": scope}
    if published_only:
        raise PermissionDenied(_("只有该区域的审核人或管理员可以发布排名。"))
    try:
        snapshot = assessment_services.ranking_publish(
            actor=request.user,
            scope=scope,
            parent=region,
            period=period,
            reason=clean_text(request.POST.get("reason") or "")[:2000],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{reverse('web:bulletin')}?{urlencode(query)}")
    messages.success(
        request,
        _("已发布 %(p)s 排名第 %(v)s 版。") % {"p": cnperiod(period), "v": snapshot.version},
    )
    query["version"] = str(snapshot.version)
    return redirect(f"{reverse('web:bulletin')}?{urlencode(query)}")


@require_GET
@cache_control(public=True, max_age=3600)
def colours_css(request):  # noqa: ARG001  (a view's signature)
    """The four colours as CSS custom properties, generated from the one palette
    (`assessment.choices.Colour`); the stylesheets use `var(--red)` and never a colour code."""
    return HttpResponse(Colour.css(), content_type="text/css; charset=utf-8")


# --- Half-year and year-end assessments (考核) ---------------------------------------------


def _assessment_target(request, source) -> tuple[Region, bool, str, int]:
    """The assessed region (its districts are ranked), whether the user reads its published
    versions only, the kind and the year. A district official's default is their city."""
    code = (source.get("region") or "").strip()
    if not code:
        home = ui.home_region(request.user)
        if home is None:
            raise Http404(_("您的账号尚未分配管辖区域，请联系管理员。"))
        while home.level in (RegionLevel.COUNTY, RegionLevel.TOWN) and home.parent is not None:
            home = home.parent
        code = home.code
    region = Region.objects.filter(code=code).first()
    reading = rankings.reader_access(request.user, region) if region is not None else None
    if region is None or reading is None:
        raise Http404(_("未找到该区域，或不在您的管辖范围内。"))
    kind = source.get("kind") or AssessmentKind.HALF_YEAR
    if kind not in AssessmentKind.values:
        raise Http404(_("考核类型应为 half_year 或 year_end。"))
    year_text = (source.get("year") or "").strip()
    if not year_text:
        year = assessment_selectors.default_period().year
    elif year_text.isdigit() and 2000 <= int(year_text) <= 2100:
        year = int(year_text)
    else:
        raise Http404(_("年度应为 2000—2100 之间的整数：%(y)s") % {"y": year_text[:10]})
    return region, reading == "published", kind, year


def _assessment_query(region: Region, kind: str, year: int, **extra) -> str:
    return urlencode({"region": region.code, "kind": kind, "year": year, **extra})


def _assessment_subject(source) -> str:
    subject = source.get("subject") or AssessmentSubject.DISTRICT
    if subject not in AssessmentSubject.values:
        raise Http404(_("考核对象应为 district 或 department。"))
    return subject


def _assessment_context(request, region, published_only, kind, year, *, errors=None, posted=None):
    version = _version_param(request.GET.get("version"))
    if version == dashboard.LIVE:
        version = None
    subject = _assessment_subject(request.GET)
    history = assessments.versions(kind=kind, parent=region, year=year, subject=subject)
    body: dict | None
    if published_only:
        snapshot = assessments.published(
            kind=kind,
            parent=region,
            year=year,
            version=cast(int | None, version),
            subject=subject,
        )
        body = assessments.snapshot_body(snapshot) if snapshot is not None else None
        if body is None and version is not None:
            raise Http404(_("该版本不存在。"))
    else:
        tasks.ensure_fresh(assessments.period_of(kind, year))
        live_wanted = request.GET.get("version") == dashboard.LIVE
        try:
            body = (
                assessments.live(kind=kind, parent=region, year=year, subject=subject)
                if live_wanted
                else assessments.assessment(
                    kind=kind,
                    parent=region,
                    year=year,
                    version=cast(int | None, version),
                    subject=subject,
                )
            )
        except AssessmentSnapshot.DoesNotExist as exc:
            raise Http404(str(exc)) from None
    may_publish = not published_only and assessment_services.may_publish(request.user, region)
    # the assessors' scores are entered per district (a department's assessment has none)
    may_enter = may_publish and subject == AssessmentSubject.DISTRICT
    kind_items = assessments.indicators(kind)
    # the indicators scored per project (观摩评议) are entered on the observation page
    entered_items = [i for i in kind_items if i.entered and not i.per_project] if may_enter else []
    observation_items = [i for i in kind_items if i.per_project] if may_enter else []
    score_rows = []
    if entered_items:
        current = assessments.entered_scores(entered_items, year, region)
        for child in measures.children_of(region):
            cells = []
            for item in entered_items:
                name = f"score-{item.pk}-{child.code}"
                value = (posted or {}).get(name)
                if value is None:
                    stored = current.get((item.pk, child.code))
                    value = "" if stored is None else format(stored.normalize(), "f")
                cells.append(
                    {"name": name, "value": value, "error": (errors or {}).get(name), "item": item}
                )
            score_rows.append({"region": child, "cells": cells})
    rows = [
        {**row, "cells": [row["points"].get(i["code"]) for i in body["indicators"]]}
        for row in (body["rows"] if body else [])
    ]
    region_code = getattr(getattr(request.user, "region", None), "code", "") or ""
    own = next((r["key"] for r in rows if region_code.startswith(r["key"])), None)
    return {
        "region": region,
        "kind": kind,
        "kind_label": AssessmentKind(kind).label,
        "published_day": dashboard.local_day(body.get("published_at")) if body else "",
        "kinds": AssessmentKind.choices,
        "year": year,
        "body": body,
        "rows": rows,
        "own_key": own,
        "versions": history,
        "published_only": published_only,
        "may_publish": may_publish,
        "subject": subject,
        "subjects": AssessmentSubject.choices,
        "subject_label": AssessmentSubject(subject).label,
        "entered_items": entered_items,
        "observation_items": observation_items,
        "score_rows": score_rows,
        "form_error": (errors or {}).get("__all__", ""),
        "region_options": ui.region_options(request.user, region),
        "period_label": cnperiod(assessments.period_of(kind, year)),
        "praised": [r["name"] for r in rows if r.get("praised")],
        "called_in": [r["name"] for r in rows if r.get("called_in")],
    }


@login_required
@require_GET
def assessment(request):
    """半年考核 / 年终考核 of a region's districts: the published version (or the live one for
    those who assess), the praised and the called-in, every version, the scores the assessors
    enter and the 发布 / 更正 form. `?kind=half_year|year_end&year=&version=N|live`."""
    region, published_only, kind, year = _assessment_target(request, request.GET)
    context = _assessment_context(request, region, published_only, kind, year)
    return render(request, "web/assessment.html", context)


def read_score(text: str, full_marks: Decimal) -> tuple[Decimal, str]:
    """An assessor's score typed in a cell: (the score to the cent, "") or (0, the message
    shown beside the cell) — a number from 0 to the indicator's full marks."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0), _("请输入数字。")
    if not value.is_finite() or value < 0 or value > full_marks:
        return Decimal(0), _("评分应在 0 至 %(m)s 之间。") % {
            "m": format(full_marks.normalize(), "f")
        }
    return value.quantize(Decimal("0.01")), ""


@login_required
@require_POST
def assessment_scores(request):
    """录入评分: the grid of entered scores (blank = not entered yet, left as it is); a wrong
    cell is shown beside itself (the form again, 200, as every form) and nothing is saved."""
    region, published_only, kind, year = _assessment_target(request, request.POST)
    if published_only or not assessment_services.may_publish(request.user, region):
        raise PermissionDenied(_("只有该区域的审核人或管理员可以录入考核评分。"))
    items = {i.pk: i for i in assessments.indicators(kind) if i.entered and not i.per_project}
    children = {c.code: c for c in measures.children_of(region)}
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    changes = []
    for item in items.values():
        for child in children.values():
            name = f"score-{item.pk}-{child.code}"
            text = (request.POST.get(name) or "").strip()
            posted[name] = text
            if not text:
                continue
            value, error = read_score(text, item.full_marks)
            if error:
                errors[name] = error
                continue
            changes.append((item, child, value))
    if not errors:
        try:
            with transaction.atomic():
                for item, child, value in changes:
                    assessment_services.assessment_score_set(
                        actor=request.user, indicator=item, year=year, region=child, score=value
                    )
        except ValidationError as exc:
            errors["__all__"] = "；".join(exc.messages)
    if errors:
        context = _assessment_context(
            request, region, published_only, kind, year, errors=errors, posted=posted
        )
        # shown again with the messages beside their cells (200, like every form)
        return render(request, "web/assessment.html", context)
    messages.success(request, _("已保存 %(n)s 项评分。") % {"n": len(changes)})
    query = _assessment_query(region, kind, year, version=dashboard.LIVE)
    return redirect(f"{reverse('web:assessment')}?{query}")


@login_required
@require_POST
def assessment_publish(request):
    """发布 (or 更正, with a reason) the assessment as its next version."""
    region, published_only, kind, year = _assessment_target(request, request.POST)
    if published_only:
        raise PermissionDenied(_("只有该区域的审核人或管理员可以发布考核结果。"))
    subject = _assessment_subject(request.POST)
    try:
        snapshot = assessment_services.assessment_publish(
            actor=request.user,
            kind=kind,
            parent=region,
            year=year,
            reason=clean_text(request.POST.get("reason") or "")[:2000],
            subject=subject,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        query = _assessment_query(region, kind, year, subject=subject)
        return redirect(f"{reverse('web:assessment')}?{query}")
    messages.success(
        request,
        _("已发布 %(y)s 年%(k)s第 %(v)s 版。")
        % {"y": year, "k": AssessmentKind(kind).label, "v": snapshot.version},
    )
    query = _assessment_query(region, kind, year, version=snapshot.version, subject=subject)
    return redirect(f"{reverse('web:assessment')}?{query}")


@login_required
@require_GET
def conversion(request):
    """落地转化: the year's pool funnel 谋划 → 储备 → 签约 → 开工 per responsible unit, with the
    median days spent at each step (`assessment.funnel`)."""
    region = ui.region_from(request)
    period = ui.period_from(request)
    return render(
        request,
        "web/conversion.html",
        {
            **dashboard.conversion(user=request.user, region=region, period=period),
            "region": region,
            "period": period,
            "region_options": ui.region_options(request.user, region),
        },
    )


@login_required
@require_GET
def definitions(request):
    """口径说明: the definition of every figure, from `assessment.measures.DEFINITIONS` (the
    table the code's docstring and the figures' hover texts are made of), with the weights of
    the monthly ranking and of the two assessments as configured now."""
    return render(
        request,
        "web/definitions.html",
        {
            "definitions": measures.definitions(),
            "ranking_indicators": rankings.indicators(),
            "assessment_indicators": [
                (label, assessments.indicators(value)) for value, label in AssessmentKind.choices
            ],
        },
    )


# --- 我的待办 ----------------------------------------------------------------------------------


@login_required
@require_GET
def my_tasks(request):
    """我的待办: what is due from me (`web.todo`), deadlines in working days."""
    return render(request, "web/my_tasks.html", {"tasks": todo.my_tasks(request.user)})


@login_required
@require_GET
def my_tasks_summary(request):
    """The overview's strip of my tasks (htmx: the overview itself pays nothing for it)."""
    return render(request, "web/_my_tasks_summary.html", {"tasks": todo.my_tasks(request.user)})
