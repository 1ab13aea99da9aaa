"""挂图作战 pages: the map (`/map/`) and the wall chart (`/wall/`, a Gantt of milestones and
前期手续 across projects). Their data: `assessment.maps` and `wallchart()` below."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from assessment import maps
from assessment.choices import Colour
from projects import selectors, ui
from projects.choices import Level, MilestoneKind, Stage
from projects.filters import ProjectFilterSet
from projects.models import Category, Milestone

FILTER_KEYS = ("level", "category", "stage", "colour")


def _filters(request) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in FILTER_KEYS if request.GET.getlist(key)}


def _filter_context(request) -> dict[str, Any]:
    return {
        "levels": Level.choices,
        "stages": Stage.choices,
        "colours": Colour.choices,
        "categories": Category.objects.filter(active=True).values_list("code", "name"),
        "selected": {key: request.GET.getlist(key) for key in request.GET},
    }


def map_context(
    request, *, region=None, period=None, max_points: int | None = None
) -> dict[str, Any]:
    """The map's data for a page, an include or a slide (`map_data` as json_script), with at
    most `max_points` points (default `MAP_MAX_POINTS`)."""
    if max_points is None:
        max_points = settings.MAP_MAX_POINTS
    region = region or ui.region_from(request)
    period = period or ui.period_from(request)
    measure = request.GET.get("measure")
    if measure not in maps.MAP_MEASURES:
        measure = maps.DEFAULT_MEASURE
    query = request.GET.copy()
    query.pop("measure", None)
    try:
        data = maps.map_data(
            user=request.user,
            region=region,
            period=period,
            filters=query,
            measure=measure,
            with_reasons=False,
            max_points=max_points,
            compact=True,
        )
        errors: list[str] = []
    except ValidationError as exc:
        data = maps.map_data(
            user=request.user,
            region=region,
            period=period,
            filters={},
            with_reasons=False,
            max_points=max_points,
            compact=True,
        )
        errors = [m for messages in exc.message_dict.values() for m in messages]
    parent = region.parent if region.parent_id and ui.home_region(request.user) != region else None
    return {
        "map_data": data,
        "map_region": region,
        "map_parent": parent,
        "map_errors": errors,
        "measure": measure,
        "measures": [(k, label) for k, (label, _better) in maps.MAP_MEASURES.items()],
        "period": period,
    }


def overview_map(request, *, region, period) -> dict[str, Any]:
    """The overview's small map (web/_map.html with `map_compact`), unfiltered."""
    compact = map_context(
        request, region=region, period=period, max_points=settings.MAP_COMPACT_MAX_POINTS
    )
    return {**compact, "map_compact": True}


def screen_map_slide(request, slides: list[dict[str, Any]], *, region, period) -> dict[str, Any]:
    """Adds the map as the meeting screen's last slide; returns its context."""
    slides.append({"kind": "map", "title": _("项目分布图")})
    compact = map_context(
        request, region=region, period=period, max_points=settings.MAP_COMPACT_MAX_POINTS
    )
    return {**compact, "map_compact": True}


@login_required
@require_GET
def map_page(request):
    """The map: the region's children coloured by a measure, projects as points; clicking a
    district opens its own map (`?region=`), clicking a point its project."""
    context = map_context(request)
    context["region_options"] = ui.region_options(request.user, context["map_region"])
    context["map_tile_url"] = settings.MAP_TILE_URL
    context.update(_filter_context(request))
    response = render(request, "web/map.html", context)
    if settings.MAP_TILE_URL:  # the installation's own tile server may serve the tiles
        parts = urlsplit(settings.MAP_TILE_URL)
        response._csp_update = {
            "img-src": [f"{parts.scheme}://{parts.netloc}"]
        }  # django-csp reads it
    return response


@login_required
@require_GET
def map_outlines(request):
    """The outlines a map of `?region=` draws (the region's and its covered children's), as
    `{"version", "outlines": {code: geometry}}`: fetched by static/js/map.js with `v=VERSION`
    (the page's `outlines_version`), so the browser keeps it until a boundary is reloaded;
    an ETag answers a revalidation with 304."""
    region = ui.region_from(request)
    version, body = maps.outlines_body(user=request.user, region=region)
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    if request.GET.get("v") == version:
        response["Cache-Control"] = "private, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "private, no-cache"
    return response


# --- The wall chart ---------------------------------------------------------------------------

GROUPINGS = {
    "district": gettext_lazy("按区县"),
    "taskforce": gettext_lazy("按专班"),
    "leader": gettext_lazy("按包联领导"),
    "unit": gettext_lazy("按责任单位"),
}
KIND_SETS = {
    "": gettext_lazy("全部节点"),
    "permits": gettext_lazy("前期手续"),
    "construction": gettext_lazy("建设节点"),
}
PERMIT_KINDS = [
    k for k in MilestoneKind.values if k not in (MilestoneKind.CONSTRUCTION, MilestoneKind.OTHER)
]
MAX_PROJECTS = 400  # a wall chart longer than this is not read; the page says so


def _state(milestone: Milestone, today: dt.date) -> str:
    if milestone.done_on:
        return "done"
    if milestone.due_date < today:
        return "overdue"
    return "due"


def wallchart(
    *, user, region, filters, group_by: str, kinds: str, today: dt.date
) -> dict[str, Any]:
    """The Gantt's rows: projects of the filtered, scoped list grouped by `group_by`, each with
    its planned start–completion bar and its milestones (done / due / overdue), positioned on a
    time axis of whole months around them; the month's and the overdue nodes beside it."""
    queryset = selectors.project_queryset(user=user, period=None)
    filterset = ProjectFilterSet({**filters, "region": region.code}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    milestones = Milestone.objects.select_related("responsible").order_by("due_date", "pk")
    if kinds == "permits":
        milestones = milestones.filter(kind__in=PERMIT_KINDS)
    elif kinds == "construction":
        milestones = milestones.exclude(kind__in=PERMIT_KINDS)
    projects_qs = filterset.qs.prefetch_related(
        Prefetch("milestones", queryset=milestones, to_attr="wall_milestones"),
        "task_forces",
    ).order_by("region__order", "region__code", "code")
    total = projects_qs.count()
    projects = list(projects_qs[:MAX_PROJECTS])
    dates = [today]
    for p in projects:
        dates += [d for d in (p.planned_start, p.planned_completion) if d]
        dates += [m.due_date for m in p.wall_milestones]
    start = dt.date(min(dates).year, min(dates).month, 1)
    last = max(dates)
    end = (dt.date(last.year, last.month, 28) + dt.timedelta(days=4)).replace(day=1)
    # at most five years wide: a far-off date is clipped to the axis
    start = max(start, dt.date(today.year - 2, 1, 1))
    end = min(end, dt.date(today.year + 3, 1, 1))
    span = (end - start).days or 1

    def x(day: dt.date) -> float:
        return round(max(0.0, min(100.0, (day - start).days / span * 100)), 3)

    months = []
    cursor = start
    while cursor < end:
        following = (cursor + dt.timedelta(days=32)).replace(day=1)
        months.append(
            {
                "label": f"{cursor.year}.{cursor.month}",
                "x": x(cursor),
                "w": x(following) - x(cursor),
                "year_start": cursor.month == 1,
            }
        )
        cursor = following
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    month_nodes, overdue_nodes = [], []
    for p in projects:
        for key, name in _group_keys(p, group_by):
            group = groups.setdefault(key, {"name": name, "rows": []})
            group["rows"].append(_row(p, today, x))
        for m in p.wall_milestones:
            state = _state(m, today)
            if state == "overdue":
                overdue_nodes.append((p, m, (today - m.due_date).days))
            if m.due_date.year == today.year and m.due_date.month == today.month:
                month_nodes.append((p, m, state))
    overdue_nodes.sort(key=lambda item: -item[2])
    return {
        "groups": list(groups.values()),
        "months": months,
        "today_x": x(today),
        "today": today,
        "shown": len(projects),
        "total": total,
        "month_nodes": month_nodes,
        "overdue_nodes": overdue_nodes,
    }


def _group_keys(project, group_by: str) -> list[tuple[str, str]]:
    if group_by == "taskforce":
        forces = list(project.task_forces.all())
        return [(f"tf{f.pk}", f.name) for f in forces] or [("", _("未设专班"))]
    if group_by == "leader":
        leaders = [a.person for a in project.current_chain if a.role.is_leader]
        return [(f"p{p.pk}", p.name) for p in leaders] or [("", _("未定包联领导"))]
    if group_by == "unit":
        unit = project.responsible_unit
        return [(f"u{unit.pk}", unit.name)] if unit else [("", _("未定责任单位"))]
    return [(project.region_id, project.region.name)]


def _row(project, today: dt.date, x) -> dict[str, Any]:
    bar = None
    if project.planned_start and project.planned_completion:
        left = x(project.planned_start)
        bar = {"x": left, "w": max(0.4, x(project.planned_completion) - left)}
    nodes = []
    for m in project.wall_milestones:
        nodes.append({"m": m, "x": x(m.due_date), "state": _state(m, today)})
    return {"project": project, "bar": bar, "nodes": nodes}


@login_required
@require_GET
def wall_page(request):
    """The wall chart (挂图): printable A3/A4 landscape (print CSS)."""
    region = ui.region_from(request)
    group_by = request.GET.get("group", "district")
    if group_by not in GROUPINGS:
        group_by = "district"
    kinds = request.GET.get("kinds", "")
    if kinds not in KIND_SETS:
        kinds = ""
    paper = "a4" if request.GET.get("paper") == "a4" else "a3"
    errors: list[str] = []
    today = timezone.localdate()
    try:
        data = wallchart(
            user=request.user,
            region=region,
            filters=_filters(request),
            group_by=group_by,
            kinds=kinds,
            today=today,
        )
    except ValidationError as exc:
        errors = [m for messages in exc.message_dict.values() for m in messages]
        data = wallchart(
            user=request.user,
            region=region,
            filters={},
            group_by=group_by,
            kinds=kinds,
            today=today,
        )
    context = {
        **data,
        **_filter_context(request),
        "region": region,
        "region_options": ui.region_options(request.user, region),
        "groupings": GROUPINGS.items(),
        "group_by": group_by,
        "kind_sets": KIND_SETS.items(),
        "kinds": kinds,
        "paper": paper,
        "errors": errors,
    }
    return render(request, "web/wall.html", context)
