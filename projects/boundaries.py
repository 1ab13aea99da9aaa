"""Region boundaries (区划边界): `load_boundaries(source) -> BoundaryLoadResult`, and the point
tests built on them (`BoundaryIndex`).

Used by `manage.py load_boundaries FILE.geojson`, the admin's upload and `seed_demo`.

- The source is a GeoJSON FeatureCollection (RFC 7946) of Polygon / MultiPolygon features, or the
  same in ECharts' compressed form (`"UTF8Encoding": true`: each ring a string of zigzag-encoded
  deltas with its `encodeOffsets`, as the map packages of npm ship them); both are stored as
  plain RFC 7946 geometry, longitude first.
- Each feature is matched to a region by its code (`properties.code`/`adcode` or the feature's
  `id`), else by its name (`properties.name`): the exact name, else the name without its
  administrative suffix (即墨市 ↔ 即墨区, renamed since the data set was drawn) — unique among
  the candidates (`within`: the regions below one region; default all), or it is an error.
- All or nothing: a size over `BOUNDARY_MAX_BYTES`, text that is not JSON, a geometry that is not
  a (Multi)Polygon of longitude/latitude pairs, a feature matching no region (named in the
  error) or two features matching one region: every error is reported and nothing is written.
  Idempotent: a region whose stored geometry equals the file's is left alone (no history row).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import set_history_user

from .models import Region, RegionBoundary

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Coordinates are kept to 6 decimals (≈ 0.1 m), as the projects' own lat/lng.
PRECISION = 6
# Administrative suffixes dropped when matching by name (longest first).
NAME_SUFFIXES = (
    "新区",
    "街道",
    "自治县",
    "自治州",
    "地区",
    "区",
    "市",
    "县",
    "镇",
    "乡",
    "盟",
    "旗",
)
CODE_KEYS = ("code", "adcode", "区划代码")


def max_bytes() -> int:
    return int(getattr(settings, "BOUNDARY_MAX_BYTES", 20 * 1024 * 1024))


@dataclass(frozen=True)
class BoundaryError:
    feature: int  # 1-based position in the file; 0: the file as a whole
    name: str
    reason: str

    def __str__(self) -> str:
        where = _("第 %(n)s 个要素") % {"n": self.feature} if self.feature else _("文件")
        name = f"「{self.name}」" if self.name else ""
        return f"{where}{name}: {self.reason}"


@dataclass
class BoundaryLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[BoundaryError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def matched(self) -> list[str]:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return _("新增 %(c)s 个，更新 %(u)s 个，未变 %(n)s 个") % {
            "c": len(self.created),
            "u": len(self.updated),
            "n": len(self.unchanged),
        }


class BoundaryFileError(ValueError):
    """The file as a whole cannot be read (size, encoding, JSON, not a FeatureCollection)."""


# --- Reading --------------------------------------------------------------------------------


def read_source(source: str | Path | bytes | BinaryIO) -> dict[str, Any]:
    """The parsed FeatureCollection; BoundaryFileError when the file is too large, not UTF-8
    JSON or not a FeatureCollection. The size is checked before anything is parsed."""
    limit = max_bytes()
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, str | Path):
        path = Path(source)
        if path.stat().st_size > limit:
            raise BoundaryFileError(_too_large(limit))
        raw = path.read_bytes()
    else:
        raw = source.read(limit + 1)
    if len(raw) > limit:
        raise BoundaryFileError(_too_large(limit))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BoundaryFileError(_("文件不是 UTF-8 编码的文本。")) from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BoundaryFileError(_("文件不是有效的 JSON：%(e)s") % {"e": exc}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(_("文件应为 GeoJSON 的 FeatureCollection。"))
    if not isinstance(data.get("features"), list) or not data["features"]:
        raise BoundaryFileError(_("文件中没有要素（features）。"))
    return data


def _too_large(limit: int) -> str:
    return _("文件超过 %(mb)s MB 的上限。") % {"mb": round(limit / 1024 / 1024, 1)}


def _decode_ring(encoded: str, offset: Any, scale: float) -> list[list[float]]:
    """One ring of ECharts' compressed format (echarts/src/coord/geo/parseGeoJson.ts)."""
    if not isinstance(encoded, str) or len(encoded) % 2:
        raise ValueError(_("压缩坐标应为偶数长度的字符串。"))
    if not (isinstance(offset, list) and len(offset) == 2 and all(_number(v) for v in offset)):
        raise ValueError(_("压缩坐标缺少有效的 encodeOffsets。"))
    prev_x, prev_y = int(offset[0]), int(offset[1])
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        ring.append([x / scale, y / scale])
    return ring


def _decode_geometry(geometry: dict[str, Any], scale: float) -> dict[str, Any]:
    coordinates = geometry.get("coordinates")
    offsets = geometry.get("encodeOffsets")
    if not isinstance(coordinates, list) or not isinstance(offsets, list):
        raise ValueError(_("压缩几何缺少 coordinates 或 encodeOffsets。"))
    if len(coordinates) != len(offsets):
        raise ValueError(_("encodeOffsets 与 coordinates 的数量不一致。"))
    if geometry["type"] == "Polygon":
        rings = [_decode_ring(r, o, scale) for r, o in zip(coordinates, offsets, strict=True)]
        return {"type": "Polygon", "coordinates": rings}
    polygons = []
    for polygon, polygon_offsets in zip(coordinates, offsets, strict=True):
        if not isinstance(polygon, list) or not isinstance(polygon_offsets, list):
            raise ValueError(_("压缩几何的结构不正确。"))
        if len(polygon) != len(polygon_offsets):
            raise ValueError(_("encodeOffsets 与 coordinates 的数量不一致。"))
        polygons.append(
            [_decode_ring(r, o, scale) for r, o in zip(polygon, polygon_offsets, strict=True)]
        )
    return {"type": "MultiPolygon", "coordinates": polygons}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _clean_ring(ring: Any) -> list[list[float]]:
    if not isinstance(ring, list):
        raise ValueError(_("坐标环应为坐标数组。"))
    out: list[list[float]] = []
    for position in ring:
        if not (
            isinstance(position, list)
            and len(position) >= 2
            and _number(position[0])
            and _number(position[1])
        ):
            raise ValueError(_("坐标应为 [经度, 纬度] 数字对。"))
        lng, lat = float(position[0]), float(position[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValueError(
                _("坐标 [%(lng)s, %(lat)s] 超出经纬度范围（经度在前）。") % {"lng": lng, "lat": lat}
            )
        out.append([round(lng, PRECISION), round(lat, PRECISION)])
    if out and out[0] != out[-1]:
        out.append(list(out[0]))  # RFC 7946: a ring is closed
    if len(out) < 4:
        raise ValueError(_("坐标环至少需要 4 个点。"))
    return out


def clean_geometry(geometry: Any, *, scale: float | None = None) -> dict[str, Any]:
    """An RFC 7946 Polygon/MultiPolygon from a feature's geometry (decoded first when `scale`
    is given: the file is in ECharts' compressed form). ValueError with the reason otherwise."""
    if not isinstance(geometry, dict):
        raise ValueError(_("要素缺少几何（geometry）。"))
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise ValueError(
            _("几何类型 %(t)s 不受支持，应为 Polygon 或 MultiPolygon。") % {"t": kind or "—"}
        )
    if scale is not None:
        geometry = _decode_geometry(geometry, scale)
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise ValueError(_("几何没有坐标。"))
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_clean_ring(r) for r in coordinates]}
    polygons = []
    for polygon in coordinates:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError(_("MultiPolygon 的每个多边形应为坐标环数组。"))
        polygons.append([_clean_ring(r) for r in polygon])
    return {"type": "MultiPolygon", "coordinates": polygons}


def polygons_of(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def bbox_of(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    lngs = [p[0] for polygon in polygons_of(geometry) for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons_of(geometry) for ring in polygon for p in ring]
    return min(lngs), min(lats), max(lngs), max(lats)


# --- Matching -------------------------------------------------------------------------------


def name_stem(name: str) -> str:
    name = name.strip()
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _feature_code(feature: dict[str, Any]) -> str:
    properties = feature.get("properties") or {}
    for key in CODE_KEYS:
        value = properties.get(key) if isinstance(properties, dict) else None
        if value not in (None, ""):
            return str(value).strip()
    value = feature.get("id")
    return "" if value in (None, "") else str(value).strip()


def _feature_name(feature: dict[str, Any]) -> str:
    properties = feature.get("properties") or {}
    value = properties.get("name") if isinstance(properties, dict) else None
    return str(value).strip() if value not in (None, "") else ""


class _Matcher:
    def __init__(self, candidates: Iterable[Region]):
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        self.by_stem: dict[str, list[Region]] = {}
        for region in candidates:
            self.by_code[region.code] = region
            self.by_name.setdefault(region.name, []).append(region)
            self.by_stem.setdefault(name_stem(region.name), []).append(region)

    def match(self, code: str, name: str) -> Region:
        if code and code in self.by_code:
            return self.by_code[code]
        if not name:
            raise ValueError(_("要素既无匹配的区划代码也无名称。"))
        for table, key in ((self.by_name, name), (self.by_stem, name_stem(name))):
            found = table.get(key, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ValueError(
                    _("名称对应多个区域（%(codes)s），请在文件中注明区划代码或指定上级区域。")
                    % {"codes": "、".join(r.code for r in found)}
                )
        raise ValueError(
            _("没有与之对应的区域（代码 %(code)s，名称 %(name)s）。")
            % {"code": code or "—", "name": name}
        )


# --- Loading --------------------------------------------------------------------------------


def load_boundaries(
    source: str | Path | bytes | BinaryIO,
    *,
    within: Region | None = None,
    dry_run: bool = False,
    source_name: str = "",
    actor: Any = None,
) -> BoundaryLoadResult:
    """Attach each feature's outline to its region; see the module's docstring."""
    result = BoundaryLoadResult()
    try:
        data = read_source(source)
    except BoundaryFileError as exc:
        result.errors.append(BoundaryError(0, "", str(exc)))
        return result
    compressed = bool(data.get("UTF8Encoding"))
    scale = float(data.get("UTF8Scale") or 1024) if compressed else None
    if scale is not None and not (_number(scale) and scale > 0):
        result.errors.append(BoundaryError(0, "", _("UTF8Scale 应为正数。")))
        return result
    candidates = Region.objects.all()
    if within is not None:
        candidates = candidates.filter(code__startswith=within.prefix).exclude(code=within.code)
    matcher = _Matcher(candidates)
    planned: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            result.errors.append(BoundaryError(number, "", _("不是 GeoJSON 要素（Feature）。")))
            continue
        name = _feature_name(feature)
        try:
            region = matcher.match(_feature_code(feature), name)
            geometry = clean_geometry(feature.get("geometry"), scale=scale)
        except ValueError as exc:
            result.errors.append(BoundaryError(number, name, str(exc)))
            continue
        if region.code in planned:
            first = planned[region.code][0]
            result.errors.append(
                BoundaryError(
                    number,
                    name,
                    _("与第 %(n)s 个要素对应同一区域 %(code)s %(region)s。")
                    % {"n": first, "code": region.code, "region": region.name},
                )
            )
            continue
        planned[region.code] = (number, geometry)
    if result.errors:
        return result
    existing = {b.region_id: b for b in RegionBoundary.objects.filter(region__in=list(planned))}
    with transaction.atomic():
        for code, (_position, geometry) in planned.items():
            old = existing.get(code)
            if old is not None and old.geometry == geometry:
                result.unchanged.append(code)
                continue
            min_lng, min_lat, max_lng, max_lat = bbox_of(geometry)
            boundary = old or RegionBoundary(region_id=code)
            boundary.geometry = geometry
            boundary.min_lng, boundary.min_lat = min_lng, min_lat
            boundary.max_lng, boundary.max_lat = max_lng, max_lat
            boundary.source = source_name[:200]
            if not dry_run:
                set_history_user(boundary, actor)
                boundary.full_clean()
                boundary.save()
            (result.updated if old else result.created).append(code)
    return result


# --- Point tests ----------------------------------------------------------------------------


def _in_ring(lng: float, lat: float, ring: list[list[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any], lng: float, lat: float) -> bool:
    """Whether the point lies in the (Multi)Polygon: inside a polygon's outer ring and in none
    of its holes."""
    for polygon in polygons_of(geometry):
        if (
            polygon
            and _in_ring(lng, lat, polygon[0])
            and not any(_in_ring(lng, lat, hole) for hole in polygon[1:])
        ):
            return True
    return False


@dataclass
class BoundaryIndex:
    """The loaded boundaries, read once (for an import of many rows): `locate()` names the
    region a point lies in, `covers()` whether it lies inside the installation's outlines."""

    boundaries: list[RegionBoundary]

    @classmethod
    def load(cls, *, within: Region | None = None) -> BoundaryIndex:
        qs = RegionBoundary.objects.select_related("region").order_by("-region__code")
        if within is not None:
            qs = qs.filter(region__code__startswith=within.prefix)
        return cls(list(qs))

    def __bool__(self) -> bool:
        return bool(self.boundaries)

    def locate(self, lng: float, lat: float) -> Region | None:
        """The most specific region (longest code first) whose outline holds the point."""
        for b in sorted(self.boundaries, key=lambda b: (-len(b.region_id), b.region_id)):
            in_box = b.min_lng <= lng <= b.max_lng and b.min_lat <= lat <= b.max_lat
            if in_box and contains(b.geometry, lng, lat):
                return b.region
        return None

    def covers(self, lng: float, lat: float) -> bool:
        return self.locate(lng, lat) is not None


def outlines(regions: Iterable[Region], *, places: int = 5) -> dict[str, Any]:
    """The loaded outlines of `regions` as a FeatureCollection for a page (coordinates rounded
    to `places`; name and code as properties): the location picker's map."""

    def walk(node: Any) -> Any:
        if isinstance(node, list) and node and isinstance(node[0], int | float):
            return [round(node[0], places), round(node[1], places)]
        return [walk(n) for n in node]

    features = [
        {
            "type": "Feature",
            "id": b.region_id,
            "properties": {"code": b.region_id, "name": b.region.name},
            "geometry": {
                "type": b.geometry["type"],
                "coordinates": walk(b.geometry["coordinates"]),
            },
        }
        for b in RegionBoundary.objects.filter(region__in=list(regions)).select_related("region")
    ]
    return {"type": "FeatureCollection", "features": features}
