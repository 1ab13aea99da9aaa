"""The region tree (province → city → county/district → town), keyed by GB/T 2260 codes so
a subtree is a prefix match on an indexed column."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import RegionLevel


def region_prefix(code: str) -> str:
    """The prefix shared by a region's code and all its descendants' codes.

    370000 (山东省) → "37"; 370200 (青岛市) → "3702"; 370211 (黄岛区) → "370211";
    town codes (9 or 12 digits, 370211001) are their own prefix, trailing "000" groups dropped.
    """
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return code
    while len(code) > 9 and code.endswith("000"):
        code = code[:-3]
    return code


def ancestor_codes(code: str) -> list[str]:
    """The codes of the levels above a region, from the top, read off the code itself (no
    query): 370211 → ["370000", "370200"]; 370211001 → ["370000", "370200", "370211"]. A code
    may name a level the installation did not load (a 省直辖县 has no city): harmless in a
    filter (`region__code__in`)."""
    result: list[str] = []
    for candidate in (code[:2] + "0000", code[:4] + "00", code[:6], code[:9]):
        if candidate == code:
            break  # the code's own level: the rest lie below it
        if candidate not in result:
            result.append(candidate)
    return result


class Region(models.Model):
    """A node of the region tree: province → city → county/district → town."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    prefix = models.CharField(_("代码前缀"), max_length=12, editable=False, db_index=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prefix = region_prefix(self.code)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.code.isdigit() or len(self.code) not in (6, 9, 12):
            raise ValidationError({"code": _("区划代码应为 6、9 或 12 位数字。")})
        if self.parent_id and not self.code.startswith(region_prefix(self.parent_id)):
            raise ValidationError(
                {
                    "code": _("区划代码 %(code)s 不在上级 %(parent)s 的代码范围内。")
                    % {"code": self.code, "parent": self.parent_id}
                }
            )

    def ancestor_codes(self) -> list[str]:
        """The codes of the regions above this one (`ancestor_codes`), no query."""
        return ancestor_codes(self.code)

    def is_within(self, other: Region) -> bool:
        """True if this region is `other` or one of its descendants."""
        return self.code.startswith(other.prefix)


class RegionBoundary(models.Model):
    """A region's outline (区划边界) for the map: an RFC 7946 Polygon or MultiPolygon in WGS 84
    longitude/latitude, loaded by `load_boundaries` (projects/boundaries.py) — reference data,
    replaced by a new load, never edited by hand. The bounding box is kept beside it so a point
    is tested against a polygon only when it lies within the box."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("区域"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="boundary",
    )
    geometry = models.JSONField(_("边界（GeoJSON 几何）"))
    min_lng = models.FloatField(_("最小经度"))
    min_lat = models.FloatField(_("最小纬度"))
    max_lng = models.FloatField(_("最大经度"))
    max_lat = models.FloatField(_("最大纬度"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("导入时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区划边界")
        verbose_name_plural = _("区划边界")
        ordering = ["region"]

    def __str__(self) -> str:
        return str(self.region_id)

    @property
    def bbox(self) -> list[float]:
        return [self.min_lng, self.min_lat, self.max_lng, self.max_lat]
