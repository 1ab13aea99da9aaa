"""The supervision API: issues (with /transition/ and attachments), inspections (with photos),
notifications; the download of each attachment and photo (`…/file/`, scoped like its issue or
inspection).

Every queryset comes from `supervision.selectors` (scoped to the caller); every write is a
service. Objects outside the caller's scope are 404; a role that may not act is 403; bad
input is 400 naming the field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.files import stored_file_response
from projects import access
from projects.api.authentication import ExpiringTokenAuthentication

from .. import selectors, services
from ..filters import (
    InspectionFilterSet,
    IssueFilterSet,
    NotificationFilterSet,
)
from ..models import InspectionFinding
from . import serializers as s


class SupervisionViewSet(viewsets.GenericViewSet):
    # Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`, not 403.
    authentication_classes = [ExpiringTokenAuthentication, SessionAuthentication]
    filter_backends = [DjangoFilterBackend]

    def _upload(self, request, serializer_class, service, **target) -> Response:
        """A multipart upload (`file`, `caption`) handed to `service`; 201 with the record."""
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = service(
            **target,
            upload=data.validated_data["file"],
            caption=data.validated_data["caption"],
            actor=request.user,
        )
        context = self.get_serializer_context()
        return Response(serializer_class(record, context=context).data, status.HTTP_201_CREATED)


def _require_editor(user) -> None:
    if not user.can_edit:
        raise PermissionDenied(_("只读账号不能执行此操作。"))


class IssueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SupervisionViewSet):
    """问题清单. Filters: project, region, status, category, overdue, difficulty, source,
    meeting, assigned_unit, raised_after, raised_before, q."""

    filterset_class = IssueFilterSet
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.issue_detail(user=self.request.user)
        return selectors.issue_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.IssueDetailSerializer
        if self.action == "create":
            return s.IssueCreateSerializer
        return s.IssueSerializer

    def _detail(self, pk) -> Response:
        issue = get_object_or_404(selectors.issue_detail(user=self.request.user), pk=pk)
        return Response(s.IssueDetailSerializer(issue, context=self.get_serializer_context()).data)

    @extend_schema(request=s.IssueCreateSerializer, responses={201: s.IssueDetailSerializer})
    def create(self, request):
        _require_editor(request.user)
        data = s.IssueCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        issue = services.issue_create(actor=request.user, **data.validated_data)
        response = self._detail(issue.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=s.IssueTransitionInputSerializer,
        responses={
            200: s.IssueDetailSerializer,
            400: OpenApiResponse(description="out of order; names the allowed actions"),
            403: OpenApiResponse(description="the role may not take this action"),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Moves the issue: assign (unit, assignee, deadline), start (plan), resolve (note),
        feedback, close, escalate, set_deadline (deadline), reopen (note)."""
        issue = self.get_object()
        data = s.IssueTransitionInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        services.issue_transition(issue=issue, actor=request.user, **data.validated_data)
        return self._detail(issue.pk)

    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": s.UploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @extend_schema(methods=["get"], responses={200: s.AttachmentSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def attachments(self, request, pk=None):
        """Documents and on-site photos (JPEG/PNG/WebP/PDF/DOCX/XLSX, checked by content)."""
        issue = self.get_object()
        if request.method == "GET":
            return Response(
                s.AttachmentSerializer(
                    issue.attachments.all(), many=True, context=self.get_serializer_context()
                ).data
            )
        return self._upload(request, s.AttachmentSerializer, services.issue_attach, issue=issue)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, 404: None})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)/file",
        filter_backends=[],
    )
    def attachment_file(self, request, pk=None, attachment_id=None):
        """An attachment's file: images inline, documents as a download (original name)."""
        attachment = get_object_or_404(self.get_object().attachments, pk=attachment_id)
        return stored_file_response(
            attachment.file,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SupervisionViewSet):
    """现场巡查: date, inspectors, findings (a finding can raise an issue), photos."""

    filterset_class = InspectionFilterSet
    serializer_class = s.InspectionSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.inspection_list(user=self.request.user)

    def _out(self, inspection, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=inspection.pk)
        return Response(
            s.InspectionSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.InspectionCreateSerializer, responses={201: s.InspectionSerializer})
    def create(self, request):
        _require_editor(request.user)
        data = s.InspectionCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["findings"] = [services.FindingInput(**f) for f in values.get("findings", [])]
        inspection = services.inspection_create(actor=request.user, **values)
        return self._out(inspection, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": s.UploadSerializer}, responses={201: s.PhotoSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def photos(self, request, pk=None):
        return self._upload(
            request, s.PhotoSerializer, services.inspection_add_photo, inspection=self.get_object()
        )

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, 404: None})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>\d+)/file",
        filter_backends=[],
    )
    def photo_file(self, request, pk=None, photo_id=None):
        """A photo's file, inline."""
        photo = get_object_or_404(self.get_object().photos, pk=photo_id)
        return stored_file_response(
            photo.file, filename=photo.original_name, content_type=photo.content_type
        )

    @extend_schema(request=s.RaiseIssueSerializer, responses={201: s.IssueDetailSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"findings/(?P<finding_id>\d+)/raise-issue",
        filter_backends=[],
    )
    def raise_issue(self, request, pk=None, finding_id=None):
        """Turns a finding into an issue in one step."""
        inspection = self.get_object()
        finding = get_object_or_404(InspectionFinding, pk=finding_id, inspection=inspection)
        if not access.can_change(request.user, inspection.project):
            raise PermissionDenied(_("无权为该项目登记问题。"))
        data = s.RaiseIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.finding_raise_issue(
            finding=finding, actor=request.user, **data.validated_data
        )
        fresh = selectors.issue_detail(user=request.user).get(pk=issue.pk)
        return Response(
            s.IssueDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class NotificationViewSet(mixins.ListModelMixin, SupervisionViewSet):
    """The caller's own notifications (`?unread=true`)."""

    filterset_class = NotificationFilterSet
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(notification=notification, actor=request.user)
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[])
    def read_all(self, request):
        count = self.get_queryset().filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": count})
