"""挂图作战 — the map's data: a region's children with their outlines and a measure, and the
projects as points with their four-colour status.

One builder for the map page, the overview's map, the meeting-screen slide and
`GET /api/v1/map/`. The projects are those of the project list (`projects.selectors`, scoped,
filtered by `projects.filters.ProjectFilterSet`, so `?level=&category=&stage=&colour=` mean what
they mean there); the figures per child are `assessment.measures.summary` (ratios of sums).
A constant number of queries whatever the number of projects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Value, When
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import Period
from projects import access, selectors
from projects.choices import RegionLevel
from projects.filters import ProjectFilterSet
from projects.models import Region, RegionBoundary

from . import measures
from .choices import Colour
from .models import ProjectStatus

# The measures a map colours its districts by: key → (label, higher is better).
MAP_MEASURES: dict[str, tuple[Any, bool]] = {
    "investment_rate": (gettext_lazy("投资完成率"), True),
    "red_share": (gettext_lazy("红灯项目占比"), False),
    "start_rate": (gettext_lazy("开工率"), True),
}
DEFAULT_MEASURE = "investment_rate"
# Coordinates sent to a browser: 5 decimals (≈ 1 m) is finer than the source data.
PAGE_PRECISION = 5


def _rounded(geometry: dict[str, Any], places: int = PAGE_PRECISION) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, list) and node and isinstance(node[0], int | float):
            return [round(node[0], places), round(node[1], places)]
        return [walk(n) for n in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _outlines(codes: list[str]) -> dict[str, dict[str, Any]]:
    """code → {"bbox", "geometry" (rounded)} of the loaded outlines, from the cache when the
    boundaries have not been reloaded since (the key carries the latest load time): decoding
    megabytes of coordinates on every page view is most of a map's server time."""
    stamps = dict(
        RegionBoundary.objects.filter(region__in=codes).values_list("region_id", "loaded_at")
    )
    if not stamps:
        return {}
    key = (
        "map-outlines:"
        + hashlib.sha1(
            repr(sorted((c, t.isoformat()) for c, t in stamps.items())).encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cached = {
            b.region_id: {"bbox": b.bbox, "geometry": _rounded(b.geometry)}
            for b in RegionBoundary.objects.filter(region__in=list(stamps))
        }
        cache.set(key, cached, 24 * 3600)
    return cached


def boundary_feature(outline: dict[str, Any], code: str, *, properties: dict[str, Any]):
    return {
        "type": "Feature",
        "id": code,
        "bbox": outline["bbox"],
        "properties": properties,
        "geometry": outline["geometry"],
    }


def _red_share(row: Mapping[str, Any]) -> Decimal | None:
    coloured = sum(row.get(c.value) or 0 for c in Colour)
    return None if not coloured else Decimal(row.get("red") or 0) / Decimal(coloured)


def region_layer(
    *, user: access.Viewer, region: Region, period: Period, measure: str = DEFAULT_MEASURE
) -> dict[str, Any]:
    """The children of `region` as a FeatureCollection (those with an outline), each with its
    figures and `value` (the chosen measure), plus the region's own outline when loaded."""
    children = [c for c in measures.children_of(region) if access.covers(user, c.code)]
    rows = measures.summary(
        projects_qs=None,
        user=user,
        year=period.year,
        month=period.month,
        group_by="region",
        parent=region,
    )
    by_code = {row["key"]: row for row in rows}
    boundaries = _outlines([region.code, *(c.code for c in children)])
    features = []
    for child in children:
        boundary = boundaries.get(child.code)
        if boundary is None:
            continue
        row = by_code.get(child.code, {})
        values = {
            "investment_rate": row.get("investment_rate"),
            "start_rate": row.get("start_rate"),
            "red_share": _red_share(row),
        }
        features.append(
            boundary_feature(
                boundary,
                child.code,
                properties={
                    "code": child.code,
                    "name": child.name,
                    "level": child.level,
                    "projects": row.get("projects") or 0,
                    "red": row.get("red") or 0,
                    "annual_plan": _money(row.get("annual_plan")),
                    "completed_ytd": _money(row.get("completed_ytd")),
                    **{k: _rate(v) for k, v in values.items()},
                    "value": _rate(values.get(measure)),
                    "has_children": child.level != RegionLevel.TOWN,
                },
            )
        )
    own = boundaries.get(region.code)
    return {
        "type": "FeatureCollection",
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "measure": {
            "key": measure,
            "label": str(MAP_MEASURES[measure][0]),
            "higher_is_better": MAP_MEASURES[measure][1],
        },
        "outline": own["geometry"] if own else None,
        "features": features,
    }


def _money(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


def _rate(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


# The order points are kept in when a map carries only some: the colours that need attention first.
COLOUR_FIRST = Case(
    When(status_colour=Colour.RED, then=Value(0)),
    When(status_colour=Colour.YELLOW, then=Value(1)),
    When(status_colour=Colour.WHITE, then=Value(2)),
    When(status_colour=Colour.GREEN, then=Value(3)),
    default=Value(4),
)


def project_points(
    *,
    user: access.Viewer,
    filters: Mapping[str, Any],
    period: Period | None,
    with_reasons: bool = True,
    max_points: int | None = None,
) -> list[dict[str, Any]]:
    """The located projects of the filtered, scoped project list as GeoJSON Point features
    with their colour, figures and the reason for the colour (yellow and red; the colour's
    meaning otherwise). `with_reasons=False` (the pages: the tooltip asks the project API for
    the reason of the one project hovered) leaves the wording out, which is most of the time
    for thousands of points. Bad filters → ValidationError."""
    queryset = selectors.project_queryset(user=user, period=period)
    filterset = ProjectFilterSet(filters, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    projects = (
        filterset.qs.prefetch_related(None)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by(COLOUR_FIRST, "code")
    )
    if period is not None:
        projects = projects.annotate(status_annual_plan=F("period_status_row__annual_plan"))
    fields = ["pk", "code", "name", "latitude", "longitude", "total_investment", "stage"]
    fields += ["region__name", "status_colour"]
    status_fields = ["status_investment_rate", "status_completed_ytd"]
    if period is not None:
        fields += [*status_fields, "status_annual_plan"]
    values = projects.values(*fields)
    rows = list(values if max_points is None else values[: max_points + 1])
    reasons: dict[int, str] = {}
    if period is not None and rows and with_reasons:
        statuses = ProjectStatus.objects.filter(
            year=period.year, month=period.month, project_id__in=[r["pk"] for r in rows]
        ).exclude(colour__in=["", Colour.GREEN, Colour.WHITE])
        reasons = {s.project_id: s.reason for s in statuses}
    detail = reverse("web:project_detail", args=["CODE"]).removesuffix("CODE/")
    labels = {c.value: str(c.label) for c in Colour} | {"": ""}
    meanings = {c.value: str(c.meaning) for c in Colour} | {"": _("本期未计算")}
    features = []
    for row in rows:
        colour = row["status_colour"] or ""
        features.append(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(row["longitude"]), float(row["latitude"])],
                },
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "district": row["region__name"],
                    "stage": row["stage"],
                    "colour": colour,
                    "colour_label": labels[colour],
                    "total_investment": _money(row["total_investment"]),
                    "annual_plan": _money(row.get("status_annual_plan")),
                    "completed_ytd": _money(row.get("status_completed_ytd")),
                    "investment_rate": _rate(row.get("status_investment_rate")),
                    "reason": reasons.get(row["pk"]) or _unworded(colour, with_reasons, meanings),
                    "url": f"{detail}{row['code']}/",
                },
            }
        )
    return features


def _unworded(colour: str, with_reasons: bool, meanings: dict[str, str]) -> str | None:
    """A point's reason when it was not worded: None (asked for on hover) for yellow and red
    points of a page, else the colour's meaning."""
    if not with_reasons and colour in (Colour.RED, Colour.YELLOW):
        return None
    return meanings[colour]


def map_data(
    *,
    user: access.Viewer,
    region: Region,
    period: Period,
    filters: Mapping[str, Any],
    measure: str = DEFAULT_MEASURE,
    with_reasons: bool = True,
    max_points: int | None = None,
) -> dict[str, Any]:
    """What the map draws: the region layer and the points of the projects under `region`
    (at most `max_points`, the red and yellow first; `truncated` says the rest were left out)."""
    scoped: dict[str, Any] = {**dict(_items(filters)), "region": region.code}
    scoped["period"] = str(period)
    points = project_points(
        user=user,
        filters=_querydict(scoped),
        period=period,
        with_reasons=with_reasons,
        max_points=max_points,
    )
    truncated = max_points is not None and len(points) > max_points
    if truncated:
        points = points[:max_points]
    palette = {c.value: c.hex for c in Colour}
    return {
        "period": str(period),
        "label": period.label,
        "regions": region_layer(user=user, region=region, period=period, measure=measure),
        "projects": {"type": "FeatureCollection", "features": points},
        "truncated": truncated,
        "palette": palette,
        "colour_labels": {c.value: str(c.label) for c in Colour},
    }


def _items(filters: Mapping[str, Any]):
    getlist = getattr(filters, "getlist", None)
    for key in filters:
        yield key, (getlist(key) if getlist else filters[key])


def _querydict(values: dict[str, Any]) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            qd.setlist(key, [str(v) for v in value])
        else:
            qd[key] = str(value)
    return qd
