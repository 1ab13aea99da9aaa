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
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, DecimalField, F, FloatField, Value, When
from django.db.models.functions import Cast, Round
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


def _outline_stamps(codes: list[str]) -> tuple[str, dict[str, Any]]:
    stamps = dict(
        RegionBoundary.objects.filter(region__in=codes).values_list("region_id", "loaded_at")
    )
    version = hashlib.sha1(
        repr(sorted((c, t.isoformat()) for c, t in stamps.items())).encode()
    ).hexdigest()[:16]
    return version, stamps


def outlines_with_version(codes: list[str]) -> tuple[str, dict[str, dict[str, Any]]]:
    """(version, code → {"bbox", "geometry" (rounded)}) of the loaded outlines of `codes`,
    from the cache when none was reloaded since (the version hashes their load times; it is
    the ETag of `/map/outlines/` and the `v=` of its URL): decoding megabytes of coordinates
    on every page view was most of a map's server time."""
    version, stamps = _outline_stamps(codes)
    if not stamps:
        return version, {}
    key = "map-outlines:" + version
    cached = cache.get(key)
    if cached is None:
        cached = {
            b.region_id: {"bbox": b.bbox, "geometry": _rounded(b.geometry)}
            for b in RegionBoundary.objects.filter(region__in=list(stamps))
        }
        cache.set(key, cached, 24 * 3600)
    return version, cached


def layer_codes(*, user: access.Viewer, region: Region) -> list[str]:
    """The region and those of its children the user covers: the outlines a map of `region`
    draws."""
    children = [c for c in measures.children_of(region) if access.covers(user, c.code)]
    return [region.code, *(c.code for c in children)]


def outlines_body(*, user: access.Viewer, region: Region) -> tuple[str, bytes]:
    """(version, JSON bytes) of `{"version", "outlines": {code: geometry}}` for the map of
    `region` — serialized once per version (the page fetches it, cached by the browser)."""
    codes = layer_codes(user=user, region=region)
    version, outlines = outlines_with_version(codes)
    key = f"map-outlines-json:{version}:{','.join(sorted(codes))}"
    body = cache.get(key)
    if body is None:
        payload = {
            "version": version,
            "outlines": {c: outlines[c]["geometry"] for c in codes if c in outlines},
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        cache.set(key, body, 24 * 3600)
    return version, body


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
    *,
    user: access.Viewer,
    region: Region,
    period: Period,
    measure: str = DEFAULT_MEASURE,
    with_geometry: bool = True,
) -> dict[str, Any]:
    """The children of `region` as a FeatureCollection (those with an outline), each with its
    figures and `value` (the chosen measure), plus the region's own outline when loaded.
    `with_geometry=False` (the pages) leaves the outlines out — `outlines_version` names the
    version the page fetches from `/map/outlines/` (cached by the browser)."""
    children = [c for c in measures.children_of(region) if access.covers(user, c.code)]
    codes = [region.code, *(c.code for c in children)]
    rows = measures.summary(
        projects_qs=None,
        user=user,
        year=period.year,
        month=period.month,
        group_by="region",
        parent=region,
    )
    by_code = {row["key"]: row for row in rows}
    version, boundaries = outlines_with_version(codes)
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
        feature = boundary_feature(
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
        if not with_geometry:
            feature["geometry"] = None
        features.append(feature)
    own = boundaries.get(region.code)
    layer = {
        "type": "FeatureCollection",
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "measure": {
            "key": measure,
            "label": str(MAP_MEASURES[measure][0]),
            "higher_is_better": MAP_MEASURES[measure][1],
        },
        "outline": (own["geometry"] if with_geometry else True) if own else None,
        "features": features,
    }
    if not with_geometry:
        layer["outlines_version"] = version
    return layer


def _money(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


def _rate(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


# The order points are kept in when a map carries only some: the colours that need attention first.
COLOUR_FIRST = Case(
    When(status_colour=Colour.RED, then=Value(0)),
    When(status_colour=Colour.YELLOW, then=Value(1)),
    When(status_colour=Colour.WHITE, then=Value(2)),
    When(status_colour=Colour.GREEN, then=Value(3)),
    default=Value(4),
)
# The columns of a point row (`_point_rows`), in order.
_POINT_FIELDS = (
    "pk",
    "code",
    "name",
    "longitude",
    "latitude",
    "total_investment",
    "stage",
    "region__name",
    "status_colour",
    "status_investment_rate",
    "status_completed_ytd",
    "status_annual_plan",
)


def _float(field: str, places: int) -> Any:
    """A numeric column as a rounded float, converted by the database (a Decimal a value and
    its float() are most of the time of thousands of points)."""
    return Cast(Round(F(field), places), FloatField())


# The columns of the pages' compact points (`point_columns`), in order.
_COMPACT_FIELDS = (
    "code",
    "name",
    "lng",
    "lat",
    "status_colour",
    "inv",
    "plan",
    "ytd",
    "rate",
    "region__name",
)


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """`min_lng,min_lat,max_lng,max_lat` (RFC 7946 order) → floats; ValueError otherwise."""
    parts = [float(v) for v in value.split(",")]
    if len(parts) != 4:
        raise ValueError(value)
    min_lng, min_lat, max_lng, max_lat = parts
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError(value)
    return min_lng, min_lat, max_lng, max_lat


def _point_rows(
    *,
    user: access.Viewer,
    filters: Mapping[str, Any],
    period: Period | None,
    max_points: int | None,
    bbox: tuple[float, float, float, float] | None = None,
    compact: bool = False,
) -> tuple[list[tuple[Any, ...]], int]:
    """(rows, total): the located projects of the filtered, scoped project list with their
    stored status of `period` (one LEFT JOIN), the red first, at most `max_points` of them;
    `total` counts them all (one more query only when some were left out)."""
    queryset = selectors.project_queryset(user=user, period=period)
    filterset = ProjectFilterSet(filters, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    projects = filterset.qs.prefetch_related(None).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    if bbox is not None:
        min_lng, min_lat, max_lng, max_lat = bbox
        projects = projects.filter(
            longitude__gte=min_lng,
            longitude__lte=max_lng,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
        )
    if period is not None:
        projects = projects.annotate(status_annual_plan=F("period_status_row__annual_plan"))
    else:
        projects = projects.annotate(status_annual_plan=Value(None, output_field=DecimalField()))
    projects = projects.order_by(COLOUR_FIRST, "code")
    if compact:
        values = projects.annotate(
            lng=_float("longitude", PAGE_PRECISION),
            lat=_float("latitude", PAGE_PRECISION),
            inv=_float("total_investment", 2),
            plan=_float("status_annual_plan", 2),
            ytd=_float("status_completed_ytd", 2),
            rate=_float("status_investment_rate", 4),
        ).values_list(*_COMPACT_FIELDS)
    else:
        values = projects.values_list(*_POINT_FIELDS)
    rows = list(values if max_points is None else values[: max_points + 1])
    total = len(rows)
    if max_points is not None and total > max_points:
        rows = rows[:max_points]
        total = projects.count()
    return rows, total


def project_points(
    *,
    user: access.Viewer,
    filters: Mapping[str, Any],
    period: Period | None,
    with_reasons: bool = True,
    max_points: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """(features, total): the located projects of the filtered, scoped project list as
    GeoJSON Point features with their colour, figures and the reason for the colour (yellow
    and red; the colour's meaning otherwise), at most `max_points`, the red first; `total`
    counts all that matched. `with_reasons=False` leaves the wording out (None for yellow and
    red: asked for on hover). Bad filters → ValidationError."""
    rows, total = _point_rows(
        user=user, filters=filters, period=period, max_points=max_points, bbox=bbox
    )
    reasons: dict[int, str] = {}
    if period is not None and rows and with_reasons:
        statuses = ProjectStatus.objects.filter(
            year=period.year, month=period.month, project_id__in=[r[0] for r in rows]
        ).exclude(colour__in=["", Colour.GREEN, Colour.WHITE])
        reasons = {s.project_id: s.reason for s in statuses}
    detail = _detail_prefix()
    labels = {c.value: str(c.label) for c in Colour} | {"": ""}
    meanings = _meanings()
    features = []
    for pk, code, name, lng, lat, inv, stage, district, colour, rate, ytd, plan in rows:
        colour = colour or ""
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": {
                    "code": code,
                    "name": name,
                    "district": district,
                    "stage": stage,
                    "colour": colour,
                    "colour_label": labels[colour],
                    "total_investment": _money(inv),
                    "annual_plan": _money(plan),
                    "completed_ytd": _money(ytd),
                    "investment_rate": _rate(rate),
                    "reason": reasons.get(pk) or _unworded(colour, with_reasons, meanings),
                    "url": f"{detail}{code}/",
                },
            }
        )
    return features, total


def _detail_prefix() -> str:
    return reverse("web:project_detail", args=["CODE"]).removesuffix("CODE/")


def _meanings() -> dict[str, str]:
    return {c.value: str(c.meaning) for c in Colour} | {"": _("本期未计算")}


def point_columns(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The pages' compact form of the points: one array per column (no per-point objects, no
    repeated keys), the districts' names once (`district` indexes `districts`); the tooltip
    asks the project API for a yellow or red point's reason, the others' is their colour's
    meaning (`meanings`)."""
    keys = ("code", "name", "lng", "lat", "colour", "inv", "plan", "ytd", "rate", "names")
    columns: dict[str, list[Any]] = {k: [] for k in keys}
    if rows:
        columns = {k: list(c) for k, c in zip(keys, zip(*rows, strict=True), strict=True)}
    names = columns.pop("names")
    districts = list(dict.fromkeys(names))
    index = {name: i for i, name in enumerate(districts)}
    columns["district"] = [index[name] for name in names]
    columns["colour"] = [c or "" for c in columns["colour"]]
    return {
        **columns,
        "districts": districts,
        "url_prefix": _detail_prefix(),
        "meanings": _meanings(),
    }


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
    bbox: tuple[float, float, float, float] | None = None,
    compact: bool = False,
) -> dict[str, Any]:
    """What the map draws: the region layer and the points of the projects under `region`
    (at most `max_points`, the red and yellow first; `truncated` says the rest were left out,
    `total` how many there are, `count` how many are drawn). `compact` (the pages): the points
    as column arrays (`points`, see `point_columns`) instead of GeoJSON features, and the
    outlines left to `/map/outlines/`."""
    scoped: dict[str, Any] = {**dict(_items(filters)), "region": region.code}
    scoped["period"] = str(period)
    palette = {c.value: c.hex for c in Colour}
    body: dict[str, Any] = {
        "period": str(period),
        "label": period.label,
        "regions": region_layer(
            user=user, region=region, period=period, measure=measure, with_geometry=not compact
        ),
    }
    if compact:
        rows, total = _point_rows(
            user=user,
            filters=_querydict(scoped),
            period=period,
            max_points=max_points,
            bbox=bbox,
            compact=True,
        )
        body["points"] = point_columns(rows)
        count = len(rows)
    else:
        points, total = project_points(
            user=user,
            filters=_querydict(scoped),
            period=period,
            with_reasons=with_reasons,
            max_points=max_points,
            bbox=bbox,
        )
        body["projects"] = {"type": "FeatureCollection", "features": points}
        count = len(points)
    return {
        **body,
        "count": count,
        "total": total,
        "truncated": count < total,
        "limit": max_points,
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
