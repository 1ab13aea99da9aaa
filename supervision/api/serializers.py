"""Serializers of the supervision API. They shape and validate input; the writes are services."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import CleanCharField
from projects.api.serializers import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from projects.models import Person, Project, Unit

from .. import workflow
from ..choices import Difficulty, InspectionKind, IssueCategory
from ..models import (
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    Notification,
)


class ScopedSlugField(ScopedSlugRelatedField):
    """A reference by code to a row the requesting user may see (or, `for_change`, change)."""


class ScopedPrimaryKeyField(ScopedPrimaryKeyRelatedField):
    """A person (or unit) the user may pick: of their subtree or of the regions above it
    (a city leader as an attendee or inspector), never of a sibling district. Whether it may
    serve the record at hand (the project's or meeting's region) is the service's check."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("for_choice", True)
        super().__init__(*args, **kwargs)


# --- Issues ----------------------------------------------------------------------------------


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )
    actor_name = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()

    class Meta:
        model = IssueTransition
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "note",
            "details",
        ]

    def get_actor_name(self, obj) -> str:
        if obj.actor_id is None:
            return str(_("系统"))
        return obj.actor.get_full_name() or obj.actor.username

    def get_action_label(self, obj) -> str:
        labels = {
            workflow.COLLECT: _("问题收集"),
            workflow.RECOMPUTE_DEADLINE: _("时限重算"),
            **dict(workflow.Action.choices),
        }
        return str(labels.get(obj.action, obj.action))


def _download_url(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class AttachmentSerializer(serializers.ModelSerializer):
    # The scoped download (never the file's /media/ address, which is not served).
    url = serializers.SerializerMethodField()

    class Meta:
        model = IssueAttachment
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "caption",
            "url",
            "uploaded_at",
        ]

    @extend_schema_field(serializers.URLField)
    def get_url(self, obj) -> str:
        return _download_url(self, f"/api/v1/issues/{obj.issue_id}/attachments/{obj.pk}/file/")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    caption = CleanCharField(required=False, allow_blank=True, max_length=200, default="")


class IssueSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    region = serializers.CharField(source="project.region_id", read_only=True)
    region_name = serializers.CharField(source="project.region.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    difficulty_label = serializers.CharField(source="get_difficulty_display", read_only=True)
    assigned_unit_name = serializers.CharField(
        source="assigned_unit.name", default=None, read_only=True, allow_null=True
    )
    assignee_name = serializers.CharField(
        source="assignee.name", default=None, read_only=True, allow_null=True
    )
    raised_by = serializers.CharField(
        source="raised_by.username", default=None, read_only=True, allow_null=True
    )
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = [
            "id",
            "project",
            "project_name",
            "region",
            "region_name",
            "title",
            "description",
            "category",
            "category_label",
            "difficulty",
            "difficulty_label",
            "source",
            "status",
            "status_label",
            "raised_by",
            "raised_at",
            "assigned_unit",
            "assigned_unit_name",
            "assignee",
            "assignee_name",
            "assigned_on",
            "deadline",
            "deadline_provisional",
            "deadline_workdays",
            "plan",
            "plan_due",
            "plan_due_provisional",
            "plan_submitted_at",
            "overdue",
            "escalated_at",
            "resolved_at",
            "closed_at",
            "meeting",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        annotated = getattr(obj, "is_overdue", None)  # set by selectors.issue_list
        return obj.overdue_on(timezone.localdate()) if annotated is None else bool(annotated)

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return workflow.allowed_actions(request.user, obj) if request else []


class IssueDetailSerializer(IssueSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(IssueSerializer.Meta):
        fields = [*IssueSerializer.Meta.fields, "transitions", "attachments"]
        read_only_fields = fields


class IssueCreateSerializer(serializers.Serializer):
    project = ScopedSlugField(
        slug_field="code", queryset=Project.objects.active(), for_change=True, label=_("项目编号")
    )
    title = CleanCharField(max_length=200)
    description = CleanCharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=IssueCategory.choices)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, default=Difficulty.ORDINARY)


class IssueTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=workflow.Action.choices)
    note = CleanCharField(required=False, allow_blank=True, default="")
    unit = ScopedPrimaryKeyField(
        queryset=Unit.objects.filter(active=True), required=False, allow_null=True
    )
    assignee = ScopedPrimaryKeyField(
        queryset=Person.objects.filter(active=True), required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False, allow_null=True)
    plan = CleanCharField(required=False, allow_blank=True, default="")


class PersonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "title"]


# --- Inspections -----------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = InspectionFinding
        fields = ["id", "description", "category", "category_label", "issue"]
        read_only_fields = fields


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()  # the scoped download, as for attachments

    class Meta:
        model = InspectionPhoto
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "caption",
            "url",
            "uploaded_at",
            "taken_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField)
    def get_url(self, obj) -> str:
        return _download_url(self, f"/api/v1/inspections/{obj.inspection_id}/photos/{obj.pk}/file/")


class InspectionSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    region = serializers.CharField(source="project.region_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    inspectors = PersonBriefSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "project",
            "project_name",
            "region",
            "kind",
            "kind_label",
            "date",
            "inspectors",
            "summary",
            "latitude",
            "longitude",
            "findings",
            "photos",
            "created_at",
        ]
        read_only_fields = fields


class FindingInputSerializer(serializers.Serializer):
    description = CleanCharField()
    category = serializers.ChoiceField(choices=IssueCategory.choices, default=IssueCategory.OTHER)
    raise_issue = serializers.BooleanField(default=False)
    title = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, default=Difficulty.ORDINARY)


class InspectionCreateSerializer(serializers.Serializer):
    project = ScopedSlugField(slug_field="code", queryset=Project.objects.active(), for_change=True)
    kind = serializers.ChoiceField(choices=InspectionKind.choices, default=InspectionKind.PATROL)
    date = serializers.DateField()
    inspectors = ScopedPrimaryKeyField(queryset=Person.objects.all(), many=True, required=False)
    summary = CleanCharField(required=False, allow_blank=True, default="")
    findings = FindingInputSerializer(many=True, required=False, default=list)
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        required=False,
        allow_null=True,
        default=None,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        required=False,
        allow_null=True,
        default=None,
    )


class RaiseIssueSerializer(serializers.Serializer):
    title = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, default=Difficulty.ORDINARY)


# --- Notifications ---------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "text", "link", "issue", "created_at", "read_at"]
        read_only_fields = fields
