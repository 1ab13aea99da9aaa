"""GET /api/v1/summary/ and GET /api/v1/rankings/ (INTERFACES.md §4).

Scoping: the region (or ranking parent) asked for must lie within the caller's regions — a
district official asking for the city or another district gets 403, never their figures — and
the summary's status rows come through `access.scope` as well. Money as decimal strings in 万元,
rates as fractions or null, periods "YYYY-MM"; bad parameters → 400 with field messages.
The number of queries does not depend on the number of projects or rows.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.periods import Period
from projects import access
from projects.models import Region

from .. import maps, measures, rankings, services, tasks
from ..models import RankingSnapshot
from ..selectors import default_period, last_computed_at
from . import cache
from .serializers import (
    MapQuerySerializer,
    RankingDiffQuerySerializer,
    RankingDiffResponseSerializer,
    RankingPublishSerializer,
    RankingResponseSerializer,
    RankingsQuerySerializer,
    RankingTargetSerializer,
    RankingVersionsResponseSerializer,
    SummaryQuerySerializer,
    SummaryResponseSerializer,
)


def _region(request, region, field: str):
    """The region asked for (default: the caller's own), checked against the caller's scope."""
    if region is None:
        region = getattr(request.user, "region", None)
        if region is None:
            raise ValidationError({field: [_("请指定区域代码。")]})
    if not access.covers(request.user, region.code):
        # No name in the message: the caller sent a code outside their regions, whose name is
        # not theirs to learn.
        raise PermissionDenied(_("无权查看该区域的数据（不在您的管辖范围内）。"))
    return region


def _ranking_parent(request, parent) -> tuple[Region, bool]:
    """The ranking's parent region and whether the caller reads its published versions only
    (a region above their own, `rankings.reader_access`); outside both: 403."""
    if parent is not None and rankings.reader_access(request.user, parent) == "published":
        return parent, True
    return _region(request, parent, "parent"), False


def _period(period: Period | None) -> Period:
    return period or default_period()


class SummaryView(APIView):
    """Measures of a region's projects for a period, grouped by child region, level, category,
    leader or unit, with a total row."""

    @extend_schema(
        summary="Summary of measures (投资完成率、开工率、竣工率、纳统率、办结率、四色)",
        parameters=[SummaryQuerySerializer],
        responses=SummaryResponseSerializer,
    )
    def get(self, request):
        params = SummaryQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        region = _region(request, data.get("region"), "region")
        period = _period(data.get("period"))
        tasks.ensure_fresh(period)

        def build() -> dict:
            rows, total = measures.summary_with_total(
                projects_qs=None,
                user=request.user,
                year=period.year,
                month=period.month,
                group_by=data["group_by"],
                parent=region,
            )
            computed_at = last_computed_at(period)
            return {
                "period": str(period),
                "label": period.label,
                "region": {"code": region.code, "name": region.name},
                "group_by": data["group_by"],
                "computed_at": computed_at.isoformat() if computed_at else None,
                "rows": [measures.row_json(row) for row in rows],
                "total": measures.row_json(total),
            }

        return cache.cached_answer(request, name="summary", period=period, build=build)


class RankingsView(APIView):
    """The ranking of a region's districts, leaders or units for a period: the published
    snapshot when there is one (`?version=` for an older one), else the live computation."""

    @extend_schema(
        summary="Ranking (排名通报): published snapshot or live",
        parameters=[RankingsQuerySerializer],
        responses=RankingResponseSerializer,
    )
    def get(self, request):
        params = RankingsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        parent, published_only = _ranking_parent(request, data.get("parent"))
        period = _period(data.get("period"))
        if not published_only:
            tasks.ensure_fresh(period)

        def build() -> dict:
            if published_only:
                # a region above the caller's own: its published versions only, never live
                snapshot = rankings.published(
                    scope=data["scope"], parent=parent, period=period, version=data.get("version")
                )
                if snapshot is None:
                    raise PermissionDenied(_("该排名尚未发布；上级区域的排名发布后方可查看。"))
                return rankings.snapshot_body(snapshot)
            try:
                return rankings.ranking(
                    scope=data["scope"],
                    parent=parent,
                    year=period.year,
                    month=period.month,
                    version=data.get("version"),
                )
            except RankingSnapshot.DoesNotExist as exc:
                raise NotFound(str(exc)) from None

        return cache.cached_answer(request, name="rankings", period=period, build=build)


def _ranking_target(request, data) -> tuple[str, Region, Period, bool]:
    parent, published_only = _ranking_parent(request, data.get("parent"))
    return data["scope"], parent, _period(data.get("period")), published_only


def _target_json(scope: str, parent: Region, period: Period) -> dict:
    return {
        "period": str(period),
        "scope": scope,
        "parent": {"code": parent.code, "name": parent.name},
    }


def _body_of(scope: str, parent: Region, period: Period, version: str, *, published_only: bool):
    if version == "live":
        if published_only:
            raise PermissionDenied(_("只能查看已发布的排名。"))
        tasks.ensure_fresh(period)
        return rankings.live_ranking(scope=scope, parent=parent, period=period)
    snapshot = rankings.published(scope=scope, parent=parent, period=period, version=int(version))
    if snapshot is None:
        raise NotFound(_("%(p)s 的排名没有第 %(v)s 版。") % {"p": period, "v": version})
    return rankings.snapshot_body(snapshot)


class RankingVersionsView(APIView):
    """Every published version of a ranking, the newest first, with who published it, when
    and the correction's reason."""

    @extend_schema(
        summary="Published versions of a ranking (排名发布版本)",
        parameters=[RankingTargetSerializer],
        responses=RankingVersionsResponseSerializer,
    )
    def get(self, request):
        params = RankingTargetSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope, parent, period, _published_only = _ranking_target(request, params.validated_data)
        return Response(
            {
                **_target_json(scope, parent, period),
                "versions": [
                    {
                        "version": v.version,
                        "published_at": v.published_at.isoformat(),
                        "published_by": v.published_by.username if v.published_by else None,
                        "reason": v.reason,
                    }
                    for v in rankings.versions(scope=scope, parent=parent, period=period)
                ],
            }
        )


class RankingDiffView(APIView):
    """What changed between two versions of a ranking (`old`, `new`: version numbers or
    `live`; `new` defaults to the latest published version): per changed row its rank in each
    and the figures that differ."""

    @extend_schema(
        summary="Difference between two versions of a ranking (版本对比)",
        parameters=[RankingDiffQuerySerializer],
        responses=RankingDiffResponseSerializer,
    )
    def get(self, request):
        params = RankingDiffQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scope, parent, period, published_only = _ranking_target(request, data)
        new = data.get("new")
        if new is None:
            latest = rankings.published(scope=scope, parent=parent, period=period)
            if latest is None:
                raise NotFound(_("%(p)s 的排名尚未发布。") % {"p": period})
            new = str(latest.version)
        old_body = _body_of(scope, parent, period, data["old"], published_only=published_only)
        new_body = _body_of(scope, parent, period, new, published_only=published_only)
        diff = rankings.difference(old_body, new_body)
        return Response(
            {
                **_target_json(scope, parent, period),
                "old": diff["from"],
                "new": diff["to"],
                "rows": diff["rows"],
                "unchanged": diff["unchanged"],
            }
        )


class RankingPublishView(APIView):
    """发布: freezes the period's live ranking as its next version (a correction needs a
    `reason`); reviewers and administrators of the parent region only."""

    @extend_schema(
        summary="Publish a ranking (发布排名 / 发布更正版本)",
        request=RankingPublishSerializer,
        responses={201: RankingResponseSerializer},
    )
    def post(self, request):
        params = RankingPublishSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scope, parent, period, published_only = _ranking_target(request, data)
        if published_only or not services.may_publish(request.user, parent):
            raise PermissionDenied(_("只有该区域的审核人或管理员可以发布排名。"))
        try:
            snapshot = services.ranking_publish(
                actor=request.user,
                scope=scope,
                parent=parent,
                period=period,
                reason=data.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(rankings.snapshot_body(snapshot), status=201)


class MapView(APIView):
    """挂图作战: the projects of a region as a GeoJSON FeatureCollection of points with their
    four-colour status for a period (scoped to the caller; the project list's filters
    `level`, `category`, `stage`, `colour` apply), and the region's children with their
    outlines and figures under `regions`."""

    @extend_schema(
        summary="Map (挂图作战): projects as GeoJSON points with their status",
        parameters=[MapQuerySerializer],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = MapQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        region = _region(request, data.get("region"), "region")
        period = _period(data.get("period"))
        tasks.ensure_fresh(period)
        filters = request.query_params.copy()
        for key in ("measure", "format"):
            filters.pop(key, None)
        try:
            body = maps.map_data(
                user=request.user,
                region=region,
                period=period,
                filters=filters,
                measure=data["measure"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        projects = body.pop("projects")
        return Response({**projects, **body}, content_type="application/geo+json")
