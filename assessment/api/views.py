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

from .. import maps, measures, rankings, tasks
from ..models import PeriodComputation, RankingSnapshot
from ..selectors import default_period
from .serializers import (
    MapQuerySerializer,
    RankingResponseSerializer,
    RankingsQuerySerializer,
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
        rows, total = measures.summary_with_total(
            projects_qs=None,
            user=request.user,
            year=period.year,
            month=period.month,
            group_by=data["group_by"],
            parent=region,
        )
        computed_at = (
            PeriodComputation.objects.filter(year=period.year, month=period.month)
            .values_list("finished_at", flat=True)
            .first()
        )
        return Response(
            {
                "period": str(period),
                "label": period.label,
                "region": {"code": region.code, "name": region.name},
                "group_by": data["group_by"],
                "computed_at": computed_at.isoformat() if computed_at else None,
                "rows": [measures.row_json(row) for row in rows],
                "total": measures.row_json(total),
            }
        )


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
        parent = _region(request, data.get("parent"), "parent")
        period = _period(data.get("period"))
        tasks.ensure_fresh(period)
        try:
            body = rankings.ranking(
                scope=data["scope"],
                parent=parent,
                year=period.year,
                month=period.month,
                version=data.get("version"),
            )
        except RankingSnapshot.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return Response(body)


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
        return Response({**projects, **body})
