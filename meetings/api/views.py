"""The meetings API: meetings (with the generated agenda, its freezing and the decisions) and
reminder letters (with the Word file). Querysets from `meetings.selectors` (scoped), writes
through `meetings.services`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.files import stored_file_response
from supervision import selectors as issue_selectors
from supervision.api import serializers as issue_s
from supervision.api.views import SupervisionViewSet
from supervision.uploads import DOCX

from .. import selectors, services
from ..agenda import meeting_agenda
from ..filters import LetterFilterSet, MeetingFilterSet
from ..letters import download_name
from . import serializers as s


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SupervisionViewSet):
    """调度会议 with their generated agendas and decisions."""

    filterset_class = MeetingFilterSet
    serializer_class = s.MeetingSerializer

    def get_queryset(self):
        return selectors.meeting_list(user=self.request.user)

    def _out(self, meeting, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.meeting_list(user=self.request.user).get(pk=meeting.pk)
        return Response(s.MeetingSerializer(fresh).data, status=code)

    @extend_schema(request=s.MeetingWriteSerializer, responses={201: s.MeetingSerializer})
    def create(self, request):
        data = s.MeetingWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(actor=request.user, **data.validated_data)
        return self._out(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=s.MeetingUpdateSerializer, responses={200: s.MeetingSerializer})
    def partial_update(self, request, pk=None):
        meeting = self.get_object()
        data = s.MeetingUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.meeting_update(meeting=meeting, actor=request.user, **data.validated_data)
        return self._out(meeting)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def agenda(self, request, pk=None):
        """The agenda generated from the data for the meeting's region and date (or, once
        frozen, the copy kept when the meeting was held; `frozen_at` says which)."""
        return Response(meeting_agenda(self.get_object(), user=request.user))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="agenda/freeze", filter_backends=[])
    def freeze_agenda(self, request, pk=None):
        """定稿: keeps the agenda as presented at the meeting."""
        meeting = services.meeting_freeze_agenda(meeting=self.get_object(), actor=request.user)
        return Response(meeting_agenda(meeting, user=request.user))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="agenda/refresh", filter_backends=[])
    def refresh_agenda(self, request, pk=None):
        """按最新数据刷新: the draft agenda generated again from the latest data (400 once
        frozen)."""
        meeting = services.meeting_refresh_agenda(meeting=self.get_object(), actor=request.user)
        return Response(meeting_agenda(meeting, user=request.user))

    @extend_schema(
        methods=["post"],
        request=s.DecisionInputSerializer,
        responses={201: issue_s.IssueDetailSerializer},
    )
    @extend_schema(methods=["get"], responses={200: issue_s.IssueSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def decisions(self, request, pk=None):
        """议定事项: each decision is an issue assigned at once, with a deadline."""
        meeting = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            issues = issue_selectors.issue_list(user=request.user).filter(meeting=meeting)
            return Response(issue_s.IssueSerializer(issues, many=True, context=context).data)
        data = s.DecisionInputSerializer(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        issue = services.meeting_decide(meeting=meeting, actor=request.user, **data.validated_data)
        fresh = issue_selectors.issue_detail(user=request.user).get(pk=issue.pk)
        return Response(
            issue_s.IssueDetailSerializer(fresh, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class LetterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SupervisionViewSet):
    """提示函, listed with the period they belong to. POST {region, period} drafts one."""

    filterset_class = LetterFilterSet
    serializer_class = s.LetterSerializer

    def get_queryset(self):
        return selectors.letter_list(user=self.request.user)

    @extend_schema(request=s.LetterCreateSerializer, responses={201: s.LetterSerializer})
    def create(self, request):
        data = s.LetterCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        period = data.validated_data["period"]
        letter = services.letter_generate(
            region=data.validated_data["region"],
            year=period.year,
            month=period.month,
            actor=request.user,
            regenerate=data.validated_data["regenerate"],
        )
        return Response(
            s.LetterSerializer(letter, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"): bytes
        }
    )
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        """The letter as a Word file."""
        letter = self.get_object()
        return stored_file_response(
            letter.file, filename=download_name(letter), content_type=DOCX.content_type
        )
