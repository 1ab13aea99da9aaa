"""GET /api/v1/reporting/?region=CODE&period=YYYY-MM (INTERFACES.md §4): the month's reporting
completeness per district, for the province's systems.

Scoped: the region asked for (default: the caller's own) must lie within the caller's regions
(else 403, without its name); the districts and projects come through `access.scope`. Rates are
fractions or null; bad parameters are 400 with field messages.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PeriodField
from core.periods import Period
from projects import access
from projects.models import MonthStatus, Region

from .. import reporting


class ReportingQuerySerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False, max_length=12, help_text=_lazy("区域代码（默认：本人管辖区域）")
    )
    period = PeriodField(required=False, help_text=_lazy("所报月份 YYYY-MM（默认：上月）"))

    def validate_region(self, value: str) -> Region:
        region = Region.objects.filter(code=value).first()
        if region is None:
            raise serializers.ValidationError(_("未知的区域代码：%(value)s。") % {"value": value})
        return region


_MISSING = inline_serializer(
    "ReportingMissingProject",
    {"code": serializers.CharField(), "name": serializers.CharField()},
    many=True,
)
_ROW = inline_serializer(
    "ReportingDistrict",
    {
        "key": serializers.CharField(),
        "name": serializers.CharField(),
        "status": serializers.ChoiceField(choices=MonthStatus.choices),
        "projects": serializers.IntegerField(),
        "reported": serializers.IntegerField(),
        "not_reported": serializers.IntegerField(),
        "late": serializers.IntegerField(),
        "submitted": serializers.BooleanField(),
        "returned": serializers.BooleanField(),
        "accepted": serializers.BooleanField(),
        "reporting_rate": serializers.FloatField(allow_null=True),
        "missing": _MISSING,
    },
    many=True,
)
_RESPONSE = inline_serializer(
    "ReportingCompleteness",
    {
        "period": serializers.CharField(),
        "opens": serializers.DateField(),
        "closes": serializers.DateField(),
        "projects": serializers.IntegerField(),
        "reported": serializers.IntegerField(),
        "late": serializers.IntegerField(),
        "submitted": serializers.IntegerField(),
        "returned": serializers.IntegerField(),
        "accepted": serializers.IntegerField(),
        "reporting_rate": serializers.FloatField(allow_null=True),
        "rows": _ROW,
    },
)


def _rate(value) -> float | None:
    return None if value is None else float(value)


class ReportingView(APIView):
    """The month's reporting completeness (填报率) per district of a region."""

    @extend_schema(
        summary="Reporting completeness of a month (填报率、迟报、报送、退回、审核)",
        parameters=[ReportingQuerySerializer],
        responses=_RESPONSE,
    )
    def get(self, request):
        params = ReportingQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        region = params.validated_data.get("region") or getattr(request.user, "region", None)
        if region is None:
            raise ValidationError({"region": [_("请指定区域代码。")]})
        if not access.covers(request.user, region.code):
            raise PermissionDenied(_("无权查看该区域的数据（不在您的管辖范围内）。"))
        period = params.validated_data.get("period") or Period.latest_complete()
        result = reporting.completeness(user=request.user, period=period, region=region)
        return Response(
            {
                "period": str(period),
                "opens": result.opens,
                "closes": result.closes,
                "projects": result.projects,
                "reported": result.reported,
                "late": result.late,
                "submitted": result.submitted,
                "returned": result.returned,
                "accepted": result.accepted,
                "reporting_rate": _rate(result.reporting_rate),
                "rows": [
                    {
                        "key": row.region.code,
                        "name": row.region.name,
                        "status": row.status,
                        "projects": row.projects,
                        "reported": row.reported,
                        "not_reported": row.not_reported,
                        "late": row.late,
                        "submitted": row.status == MonthStatus.SUBMITTED,
                        "returned": row.status == MonthStatus.RETURNED,
                        "accepted": row.status == MonthStatus.ACCEPTED,
                        "reporting_rate": _rate(row.reporting_rate),
                        "missing": [{"code": p.code, "name": p.name} for p in row.missing],
                    }
                    for row in result.rows
                ],
            }
        )
