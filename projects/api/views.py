"""The projects REST API (INTERFACES.md §4): projects, monthly reports, plans, chains,
withdrawals and the reference lists, under /api/v1/.

Reads come from `projects.selectors` (scoped to the caller's regions); writes go through
`projects.services`. An object outside the caller's regions is a 404, never a 403, so its existence
does not leak; a reader's role (viewer, leader) gets 403 on writes; anonymous callers get 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from assessment.selectors import resolve_period
from core.api import DetailSerializer, PreconditionRequired, require_object
from core.periods import Period
from core.services import ConflictError
from projects.models import RegionBoundary

from .. import selectors, services
from ..choices import Stage
from ..filters import (
    MonthlyReportFilterSet,
    PersonFilterSet,
    ProjectFilterSet,
    RegionFilterSet,
    UnitFilterSet,
    WithdrawalFilterSet,
)
from ..models import Category, ChainRole, MonthlyReport, Person, Project, Region, Unit, Withdrawal
from . import serializers as s
from .authentication import ExpiringTokenAuthentication
from .permissions import IsEditorOrReadOnly, IsReviewer

PERIOD_PARAMETER = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    description="YYYY-MM: the period of `colour` and the figures (default: the latest computed)",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='The version read (its ETag, e.g. "3"); alternative to `version` in the body',
)
CONFLICT = OpenApiResponse(s.ConflictSerializer, description="Changed by someone else since read")
PRECONDITION_REQUIRED = OpenApiResponse(
    DetailSerializer,
    description="Neither `version` in the body nor an `If-Match` header: send the version read",
)


if TYPE_CHECKING:
    _MixedInto = APIView  # ApiView is a mixin of DRF views (for its attributes' types)
else:
    _MixedInto = object


class ApiView(_MixedInto):
    """Common to every view of the API: token before session, so an anonymous caller gets 401
    with `WWW-Authenticate: Token` (DRF answers 403 when the first authenticator has no
    challenge); signed-in users only; readers read, editors write."""

    authentication_classes = [ExpiringTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsEditorOrReadOnly]

    @property
    def for_change(self) -> bool:
        return self.request.method not in SAFE_METHODS

    @property
    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


def require_version(request) -> None:
    """The optimistic lock is not optional: a change of a versioned record must say which
    version it was made from — `version` in the body or an `If-Match` header (`If-Match: *`
    says "whatever the version" explicitly). Otherwise 428, before the body is validated, so a
    client learns what to send at the first try. A body that is not a JSON object is a 400."""
    require_object(request.data)
    if "version" not in request.data and not request.headers.get("If-Match", "").strip():
        raise PreconditionRequired()


def expected_version(request, body_version: int | None) -> int | None:
    """The version the client read: `version` in the body, else the `If-Match` header (an ETag
    such as "3" or W/"3"); None for `If-Match: *` (or neither, which `require_version` refuses
    first)."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    token = header.removeprefix("W/").strip().strip('"')
    if not token.isdigit() or len(token) > 9:
        raise ParseError(_('If-Match 应为读取时的版本号（如 "3"），收到：%(h)s') % {"h": header})
    return int(token)


def conflict_response(exc: ConflictError) -> Response:
    return Response(
        {"detail": str(exc), "current_version": exc.current_version},
        status=status.HTTP_409_CONFLICT,
    )


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


# --- Projects -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List projects (filtered, paginated, with colours)"),
    retrieve=extend_schema(summary="One project by code", parameters=[PERIOD_PARAMETER]),
    create=extend_schema(
        summary="Create a project (and optionally its plan for a year)",
        request=s.ProjectCreateSerializer,
        responses={201: s.ProjectSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a project (optimistic locking by version / If-Match)",
        request=s.ProjectUpdateSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: s.ProjectSerializer, 409: CONFLICT, 428: PRECONDITION_REQUIRED},
    ),
)
class ProjectViewSet(
    ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Projects in the caller's regions. Codes may hold any character but "/"."""

    queryset = Project.objects.none()
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    period = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # ?period= is read once, after authentication and before anything is read or written:
        # a malformed one is a 400 naming `period`.
        self.period = resolve_period(request.query_params.get("period"))

    def get_queryset(self):
        if self.is_schema:
            return Project.objects.none()
        # The default order is the page's (`filters.PROJECT_ORDERINGS[""]`): district code, then
        # project code, read from the (region, code) index — not the model's ordering, which
        # sorts by the regions' display order through a join over the whole province.
        return selectors.project_queryset(
            user=self.request.user, period=self.period, for_change=self.for_change
        ).order_by("region_id", "code")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.is_schema:
            context["period"] = self.period
        return context

    def _project(self, *, for_change: bool = False) -> Project:
        """The project of a detail route, looked up without the list filters."""
        try:
            return selectors.project_by_code(
                user=self.request.user, code=self.kwargs["code"], for_change=for_change
            )
        except Project.DoesNotExist:
            raise Http404 from None

    def _read(self, code: str) -> dict:
        project = selectors.project_queryset(user=self.request.user, period=self.period).get(
            code=code
        )
        return s.ProjectSerializer(project, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        data = self.get_serializer(project).data
        return Response(data, headers=etag(project.version))

    def create(self, request, *args, **kwargs):
        serializer = s.ProjectCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        code = data.pop("code")
        plan = {
            name: data.pop(name)
            for name in ("year", "annual_plan", "new_start", "planned_completion_this_year")
            if name in data
        }
        data.pop("stage_note", None)
        try:
            with transaction.atomic():
                project = services.project_create(
                    code=code,
                    stage=data.pop("stage", Stage.CONCEIVED),
                    categories=data.pop("categories", []),
                    stage_date=data.pop("stage_date", None),
                    actor=request.user,
                    **data,
                )
                if plan:
                    services.project_year_set(
                        project=project,
                        year=plan["year"],
                        annual_plan=plan.get("annual_plan"),
                        new_start=plan.get("new_start"),
                        planned_completion=plan.get("planned_completion_this_year"),
                        actor=request.user,
                    )
        except IntegrityError:
            # Two clients created the same code at once; the unique index refused the second.
            raise ValidationError({"code": [_("项目编号 %(c)s 已存在。") % {"c": code}]}) from None
        location = reverse("project-detail", kwargs={"code": code}, request=request)
        headers = {"Location": location, **etag(project.version)}
        return Response(self._read(code), status=status.HTTP_201_CREATED, headers=headers)

    def partial_update(self, request, *args, **kwargs):
        project = self._project(for_change=True)
        require_version(request)
        serializer = s.ProjectUpdateSerializer(
            project, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, data.pop("version", None))
        stage = data.pop("stage", None)
        stage_date = data.pop("stage_date", None)
        stage_note = data.pop("stage_note", "")
        categories = data.pop("categories", None)
        data.pop("code", None)
        try:
            with transaction.atomic():
                project = services.project_update(
                    project=project,
                    actor=request.user,
                    expected_version=version,
                    categories=categories,
                    **data,
                )
                if stage is not None and stage != project.stage:
                    project = services.project_set_stage(
                        project=project,
                        stage=stage,
                        actor=request.user,
                        on=stage_date,
                        note=stage_note,
                    )
        except ConflictError as exc:
            return conflict_response(exc)
        return Response(self._read(project.code), headers=etag(project.version))

    @extend_schema(
        summary="Changes of a project (who, when, before → after)",
        responses=s.HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, code=None):
        project = self._project()
        records = selectors.project_history(project=project)
        fields = ["name", "stage", *sorted(services.PROJECT_FIELDS - {"name"}), "version"]
        entries = s.history_entries(records, fields, Project)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Annual plans: current, original (年初) and revisions (调整)",
        responses=s.ProjectYearSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Set a year's plan (a changed plan is a revision and needs a reason)",
        request=s.ProjectYearWriteSerializer,
        responses={200: s.ProjectYearSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def years(self, request, code=None):
        if request.method == "GET":
            project = self._project()
            years = selectors.project_year_queryset(user=request.user, project=project)
            return Response(s.ProjectYearSerializer(years, many=True).data)
        project = self._project(for_change=True)
        serializer = s.ProjectYearWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._set_year(project, **serializer.validated_data)

    @extend_schema(
        summary="Revise a year's plan (with reason)",
        request=s.ProjectYearWriteSerializer,
        responses={200: s.ProjectYearSerializer},
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"years/(?P<year>\d{4})",
        url_name="year",
        filter_backends=[],
        pagination_class=None,
    )
    def year(self, request, code=None, year=None):
        project = self._project(for_change=True)
        years = selectors.project_year_queryset(user=request.user, project=project)
        if not years.filter(year=int(year)).exists():
            raise Http404
        require_object(request.data)
        data = request.data.copy()
        data["year"] = int(year)
        serializer = s.ProjectYearWriteSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return self._set_year(project, **serializer.validated_data)

    def _set_year(self, project: Project, *, year: int, reason: str = "", **values) -> Response:
        services.project_year_set(
            project=project,
            year=year,
            annual_plan=values.get("annual_plan"),
            new_start=values.get("new_start"),
            planned_completion=values.get("planned_completion"),
            reason=reason,
            actor=self.request.user,
        )
        py = selectors.project_year_queryset(user=self.request.user, project=project).get(year=year)
        return Response(s.ProjectYearSerializer(py).data)

    @extend_schema(
        methods=["GET"],
        summary="Responsibility chain (四包一): current members and history",
        responses=s.ChainSerializer,
    )
    @extend_schema(
        methods=["POST"],
        summary="Assign a person to a chain role (the previous holder's term ends)",
        request=s.ChainAssignSerializer,
        responses={201: s.ChainMemberSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def chain(self, request, code=None):
        if request.method == "GET":
            project = self._project()
            rows = list(selectors.chain_queryset(user=request.user, project=project))
            data = {
                "current": [row for row in rows if row.end_date is None],
                "history": [row for row in rows if row.end_date is not None],
            }
            return Response(s.ChainSerializer(data).data)
        project = self._project(for_change=True)
        serializer = s.ChainAssignSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        assignment = services.chain_assign(
            project=project,
            role=serializer.validated_data["role"],
            person=serializer.validated_data["person"],
            on=serializer.validated_data.get("start_date"),
            actor=request.user,
        )
        return Response(s.ChainMemberSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Stoppages (停工/复工) of a project, newest first",
        responses=s.StoppageSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a stoppage (停工) of a project under construction",
        request=s.StopSerializer,
        responses={201: s.StoppageSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def stoppages(self, request, code=None):
        if request.method == "GET":
            project = self._project()
            rows = selectors.stoppage_queryset(user=request.user, project=project)
            return Response(s.StoppageSerializer(rows, many=True).data)
        project = self._project(for_change=True)
        serializer = s.StopSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stoppage = services.project_stop(
            project=project,
            reason=data["reason"],
            note=data["note"],
            on=data["stopped_on"],
            actor=request.user,
        )
        return Response(s.StoppageSerializer(stoppage).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the resumption (复工) of a stopped project",
        request=s.ResumeSerializer,
        responses={200: s.StoppageSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def resume(self, request, code=None):
        project = self._project(for_change=True)
        serializer = s.ResumeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stoppage = services.project_resume(
            project=project,
            on=serializer.validated_data["resumed_on"],
            note=serializer.validated_data["note"],
            actor=request.user,
        )
        return Response(s.StoppageSerializer(stoppage).data)

    @extend_schema(
        summary="Request withdrawal (退库) with a written reason; a reviewer decides",
        request=s.WithdrawalRequestSerializer,
        responses={201: s.WithdrawalSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def withdrawal(self, request, code=None):
        project = self._project(for_change=True)
        serializer = s.WithdrawalRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            withdrawal = services.withdrawal_request(
                project=project, reason=serializer.validated_data["reason"], actor=request.user
            )
        except IntegrityError:
            raise ValidationError({"project": [_("该项目已有待审核的退库申请。")]}) from None
        return Response(s.WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


# --- Monthly reports ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Monthly reports of a project"),
    retrieve=extend_schema(summary="One monthly report (period YYYY-MM)"),
    create=extend_schema(
        summary="Report a month (one per project and month)",
        request=s.MonthlyReportCreateSerializer,
        responses={201: s.MonthlyReportSerializer},
    ),
    partial_update=extend_schema(
        summary="Correct a monthly report (kept in history; optimistic locking)",
        request=s.MonthlyReportUpdateSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={200: s.MonthlyReportSerializer, 409: CONFLICT, 428: PRECONDITION_REQUIRED},
    ),
)
@extend_schema(
    parameters=[
        OpenApiParameter("project_code", OpenApiTypes.STR, OpenApiParameter.PATH),
    ]
)
class MonthlyReportViewSet(
    ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """月度完成投资 of one project: /api/v1/projects/{code}/reports/{YYYY-MM}/."""

    queryset = MonthlyReport.objects.none()
    serializer_class = s.MonthlyReportSerializer
    filterset_class = MonthlyReportFilterSet
    lookup_field = "period"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    @cached_property
    def project(self) -> Project:
        try:
            return selectors.project_by_code(
                user=self.request.user,
                code=self.kwargs["project_code"],
                for_change=self.for_change,
            )
        except Project.DoesNotExist:
            raise Http404 from None

    def get_queryset(self):
        if self.is_schema:
            return MonthlyReport.objects.none()
        return selectors.report_queryset(
            user=self.request.user, project=self.project, for_change=self.for_change
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.is_schema:
            context["project"] = self.project
        return context

    def get_object(self) -> MonthlyReport:
        try:
            period = Period.parse(self.kwargs["period"])
        except DjangoValidationError as exc:
            raise ValidationError({"period": exc.messages}) from None
        report = self.get_queryset().filter(year=period.year, month=period.month).first()
        if report is None:
            raise Http404
        return report

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        return Response(self.get_serializer(report).data, headers=etag(report.version))

    def create(self, request, *args, **kwargs):
        serializer = s.MonthlyReportCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = services.report_create(project=self.project, actor=request.user, **data)
        except IntegrityError:
            # The same month reported twice at once; the unique constraint refused the second.
            raise ValidationError(
                {
                    "month": [
                        _("%(y)s 年 %(m)s 月已填报。") % {"y": data["year"], "m": data["month"]}
                    ]
                }
            ) from None
        location = reverse(
            "project-report-detail",
            kwargs={"project_code": self.project.code, "period": report.period},
            request=request,
        )
        headers = {"Location": location, **etag(report.version)}
        return Response(
            self.get_serializer(report).data, status=status.HTTP_201_CREATED, headers=headers
        )

    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        require_version(request)
        serializer = s.MonthlyReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, data.pop("version", None))
        try:
            report = services.report_update(
                report=report, actor=request.user, expected_version=version, **data
            )
        except ConflictError as exc:
            return conflict_response(exc)
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, headers=etag(report.version))

    @extend_schema(
        summary="Corrections of a monthly report (who, when, before → after)",
        responses=s.HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        report = self.get_object()
        records = selectors.report_history(report=report)
        fields = ["completed_investment", "note", "version"]
        entries = s.history_entries(records, fields, MonthlyReport)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)


# --- Withdrawals ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Withdrawal (退库) requests"),
    retrieve=extend_schema(summary="One withdrawal request"),
)
class WithdrawalViewSet(
    ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Withdrawal.objects.none()
    serializer_class = s.WithdrawalSerializer
    filterset_class = WithdrawalFilterSet

    def get_queryset(self):
        if self.is_schema:
            return Withdrawal.objects.none()
        return selectors.withdrawal_queryset(user=self.request.user, for_change=self.for_change)

    @extend_schema(
        summary="Approve or reject a withdrawal (a reviewer other than the requester)",
        request=s.WithdrawalReviewSerializer,
        responses={200: s.WithdrawalSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, IsReviewer],
        filter_backends=[],
    )
    def review(self, request, pk=None):
        withdrawal = self.get_object()
        serializer = s.WithdrawalReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_review(
            withdrawal=withdrawal,
            actor=request.user,
            approve=serializer.validated_data["approve"],
            note=serializer.validated_data["note"],
        )
        return Response(s.WithdrawalSerializer(withdrawal).data)


# --- Reference lists ------------------------------------------------------------------------


class ReferenceViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """A read-only list through a selector taking the user."""

    selector: Callable[..., QuerySet[Any]] | None = None

    def get_queryset(self):
        if self.is_schema:
            return self.queryset
        return self.selector(user=self.request.user)


@extend_schema_view(list=extend_schema(summary="Regions in the caller's scope"))
class RegionViewSet(ReferenceViewSet):
    queryset = Region.objects.none()
    selector = staticmethod(selectors.region_queryset)
    serializer_class = s.RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"

    @extend_schema(
        summary="A region's boundary (区划边界) as a GeoJSON Feature",
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def boundary(self, request, code=None):
        """The outline loaded by `load_boundaries` (RFC 7946, longitude first); 404 when the
        region is outside the caller's scope or has no outline loaded."""
        region = self.get_object()
        boundary = RegionBoundary.objects.filter(region=region).first()
        if boundary is None:
            raise Http404(_("该区域尚未导入边界。"))
        return Response(
            {
                "type": "Feature",
                "id": region.code,
                "bbox": boundary.bbox,
                "properties": {"code": region.code, "name": region.name, "level": region.level},
                "geometry": boundary.geometry,
            },
            content_type="application/geo+json",
        )


@extend_schema_view(list=extend_schema(summary="Units (departments, town offices) in scope"))
class UnitViewSet(ReferenceViewSet):
    queryset = Unit.objects.none()
    selector = staticmethod(selectors.unit_queryset)
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilterSet


@extend_schema_view(list=extend_schema(summary="People in scope"))
class PersonViewSet(ReferenceViewSet):
    queryset = Person.objects.none()
    selector = staticmethod(selectors.person_queryset)
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilterSet


@extend_schema_view(list=extend_schema(summary="Project categories (项目类别)"))
class CategoryViewSet(ReferenceViewSet):
    queryset = Category.objects.none()
    selector = staticmethod(selectors.category_queryset)
    serializer_class = s.CategorySerializer
    filterset_class = None
    lookup_field = "code"


@extend_schema_view(list=extend_schema(summary="Chain roles (四包一 by default)"))
class ChainRoleViewSet(ReferenceViewSet):
    queryset = ChainRole.objects.none()
    selector = staticmethod(selectors.chain_role_queryset)
    serializer_class = s.ChainRoleSerializer
    filterset_class = None
    lookup_field = "code"
