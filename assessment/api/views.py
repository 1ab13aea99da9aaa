"""GET /api/v1/summary/ and GET /api/v1/rankings/ (INTERFACES.md §4).

Scoping: the region (or ranking parent) asked for must lie within the caller's regions — a
district official asking for the city or another district gets 403, never their figures — and
the summary's status rows come through `access.scope` as well. Money as decimal strings in 万元,
rates as fractions or null, periods "YYYY-MM"; bad parameters → 400 with field messages.
The number of queries does not depend on the number of projects or rows.
"""

from django.conf import settings
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

from .. import assessments, forecast_reads, maps, measures, rankings, services, tasks
from ..models import AssessmentIndicator, AssessmentSnapshot, RankingSnapshot
from ..selectors import last_computed_at
from . import cache
from .serializers import (
    AssessmentPublishSerializer,
    AssessmentQuerySerializer,
    AssessmentResponseSerializer,
    AssessmentScoreInputSerializer,
    AssessmentScoreSerializer,
    AssessmentTargetSerializer,
    AssessmentVersionsResponseSerializer,
    ForecastQuerySerializer,
    ForecastResponseSerializer,
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
    return period or cache.default_period()


class SummaryView(APIView):
    """Measures of a region's projects for a period, grouped by child region, level, category,
    leader or unit, with a total row."""

    @extend_schema(
        summary="Summary of measures (投资完成率、开工率、竣工率、纳统率、办结率、四色)",
        parameters=[SummaryQuerySerializer],
        responses=SummaryResponseSerializer,
    )
    def get(self, request):
        params = SummaryQuerySerializer(data=request.query_params, context={"request": request})
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
            # the "四新" share against the same period of last year (one more query)
            before, before_total = measures.summary_with_total(
                projects_qs=None,
                user=request.user,
                year=period.year - 1,
                month=period.month,
                group_by=data["group_by"],
                parent=region,
            )
            measures.with_four_new_change([*rows, total], [*before, before_total])
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
        params = RankingsQuerySerializer(data=request.query_params, context={"request": request})
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
    `level`, `category`, `stage`, `colour` apply, and `bbox=` keeps those inside a box), and
    the region's children with their outlines and figures under `regions`. At most
    `MAP_MAX_POINTS` points (or `limit=`, not more), the red, then yellow, white, green ones
    first: `truncated` is true when some were left out, `total` counts them all, `count` the
    points returned — ask for a district (`region=`), a `bbox` or a colour for the rest."""

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
        for key in ("measure", "format", "bbox", "limit"):
            filters.pop(key, None)
        cap = settings.MAP_MAX_POINTS
        try:
            body = maps.map_data(
                user=request.user,
                region=region,
                period=period,
                filters=filters,
                measure=data["measure"],
                max_points=min(data.get("limit") or cap, cap),
                bbox=data.get("bbox"),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        projects = body.pop("projects")
        return Response({**projects, **body}, content_type="application/geo+json")


class ForecastView(APIView):
    """The year-end forecast of a region's projects for a period (issue #17), by child region
    or level, with the total: Σ forecast ÷ Σ plan, the interval (Σ low, Σ high), the method,
    and the early-warning counts. Scoped like the summary (403 outside the caller's regions,
    rows through `access.scope`)."""

    @extend_schema(
        summary="Year-end forecast (年度预测) with interval, method and early warnings",
        parameters=[ForecastQuerySerializer],
        responses=ForecastResponseSerializer,
    )
    def get(self, request):
        params = ForecastQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        region = _region(request, data.get("region"), "region")
        period = _period(data.get("period"))
        tasks.ensure_fresh(period)
        rows, total = forecast_reads.groups(
            request.user, region=region, period=period, group_by=data["group_by"]
        )
        behind = forecast_reads.districts_behind(rows) if data["group_by"] == "region" else []
        return Response(
            {
                "period": str(period),
                "region": {"code": region.code, "name": region.name},
                "group_by": data["group_by"],
                "rows": [forecast_reads.json_row(r) for r in rows],
                "total": forecast_reads.json_row(total),
                "behind": [r["key"] for r in behind],
            }
        )


# --- /api/v1/assessments/ ----------------------------------------------------------------


class AssessmentsView(APIView):
    """A half-year or year-end assessment (考核) of a region's districts: the published version
    when there is one (`?version=` for an older one), else the live computation with the
    scores still missing. A district reads its city's published versions only."""

    @extend_schema(
        summary="Assessment (半年考核 / 年终考核): published version or live",
        parameters=[AssessmentQuerySerializer],
        responses=AssessmentResponseSerializer,
    )
    def get(self, request):
        params = AssessmentQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        parent, published_only = _ranking_parent(request, data.get("parent"))
        kind, year, subject = data["kind"], data["year"], data["subject"]
        if published_only:
            snapshot = assessments.published(
                kind=kind, parent=parent, year=year, version=data.get("version"), subject=subject
            )
            if snapshot is None:
                raise PermissionDenied(_("该考核结果尚未发布；上级区域发布后方可查看。"))
            return Response(assessments.snapshot_body(snapshot))
        tasks.ensure_fresh(assessments.period_of(kind, year))
        try:
            body = assessments.assessment(
                kind=kind, parent=parent, year=year, version=data.get("version"), subject=subject
            )
        except AssessmentSnapshot.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return Response(body)


class AssessmentVersionsView(APIView):
    """Every published version of an assessment, the newest first, with who published it,
    when and the correction's reason."""

    @extend_schema(
        summary="Published versions of an assessment (考核发布版本)",
        parameters=[AssessmentTargetSerializer],
        responses=AssessmentVersionsResponseSerializer,
    )
    def get(self, request):
        params = AssessmentTargetSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        parent, _published_only = _ranking_parent(request, data.get("parent"))
        history = assessments.versions(
            kind=data["kind"], parent=parent, year=data["year"], subject=data["subject"]
        )
        return Response(
            {
                "kind": data["kind"],
                "year": data["year"],
                "parent": {"code": parent.code, "name": parent.name},
                "versions": [
                    {
                        "version": s.version,
                        "published_at": s.published_at.isoformat(),
                        "published_by": s.published_by.username if s.published_by else None,
                        "reason": s.reason,
                    }
                    for s in history
                ],
            }
        )


class AssessmentPublishView(APIView):
    """发布: freezes the live assessment as its next version (a correction needs a `reason`;
    refused while a score is missing); reviewers and administrators of the parent only."""

    @extend_schema(
        summary="Publish an assessment (发布考核结果 / 更正版本)",
        request=AssessmentPublishSerializer,
        responses={201: AssessmentResponseSerializer},
    )
    def post(self, request):
        params = AssessmentPublishSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        parent, published_only = _ranking_parent(request, data.get("parent"))
        if published_only or not services.may_publish(request.user, parent):
            raise PermissionDenied(_("只有该区域的审核人或管理员可以发布考核结果。"))
        try:
            snapshot = services.assessment_publish(
                actor=request.user,
                kind=data["kind"],
                parent=parent,
                year=data["year"],
                reason=data.get("reason", ""),
                subject=data["subject"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(assessments.snapshot_body(snapshot), status=201)


class AssessmentScoreView(APIView):
    """录入评分: sets the score the assessors gave a district on an entered indicator
    (招大引强, 观摩评议 …); reviewers and administrators of the district's parent only."""

    @extend_schema(
        summary="Enter an assessment score (录入考核评分)",
        request=AssessmentScoreInputSerializer,
        responses={200: AssessmentScoreSerializer},
    )
    def post(self, request):
        params = AssessmentScoreInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        region = data["region"]
        if region.parent is None or not services.may_publish(request.user, region.parent):
            raise PermissionDenied(_("只有上级区域的审核人或管理员可以录入考核评分。"))
        indicator = AssessmentIndicator.objects.filter(
            kind=data["kind"], code=data["indicator"], active=True
        ).first()
        if indicator is None:
            raise ValidationError({"indicator": [_("未知的考核指标代码。")]})
        try:
            row = services.assessment_score_set(
                actor=request.user,
                indicator=indicator,
                year=data["year"],
                region=region,
                score=data["score"],
                note=data.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(
            {
                "kind": indicator.kind,
                "year": row.year,
                "indicator": indicator.code,
                "region": region.code,
                "score": f"{row.score}",
                "note": row.note,
                "entered_by": request.user.username,
                "entered_at": row.entered_at.isoformat(),
            }
        )
