"""Serializers of the meetings API: meetings, their decisions, reminder letters."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import CleanCharField, PeriodField
from projects.models import Person, Project, Region, Unit
from supervision.api.serializers import (
    PersonBriefSerializer,
    ScopedPrimaryKeyField,
    ScopedSlugField,
)
from supervision.choices import Difficulty, IssueCategory

from ..choices import MeetingKind
from ..models import Meeting, ReminderLetter


class MeetingSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    chair_name = serializers.CharField(
        source="chair.name", default=None, read_only=True, allow_null=True
    )
    attendees = PersonBriefSerializer(many=True, read_only=True)
    decisions = serializers.IntegerField(source="decision_count", read_only=True, default=0)
    open_decisions = serializers.IntegerField(
        source="open_decision_count", read_only=True, default=0
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "region",
            "region_name",
            "date",
            "location",
            "chair",
            "chair_name",
            "attendees",
            "minutes",
            "decisions",
            "open_decisions",
            "created_at",
        ]
        read_only_fields = fields


class MeetingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    region = ScopedSlugField(slug_field="code", queryset=Region.objects.all())
    date = serializers.DateField()
    title = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    location = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    chair = ScopedPrimaryKeyField(queryset=Person.objects.all(), required=False, allow_null=True)
    attendees = ScopedPrimaryKeyField(queryset=Person.objects.all(), many=True, required=False)
    minutes = CleanCharField(required=False, allow_blank=True, default="")


class MeetingUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices, required=False)
    date = serializers.DateField(required=False)
    title = CleanCharField(max_length=200, required=False, allow_blank=True)
    location = CleanCharField(max_length=200, required=False, allow_blank=True)
    chair = ScopedPrimaryKeyField(queryset=Person.objects.all(), required=False, allow_null=True)
    attendees = ScopedPrimaryKeyField(queryset=Person.objects.all(), many=True, required=False)
    minutes = CleanCharField(required=False, allow_blank=True)


class DecisionInputSerializer(serializers.Serializer):
    project = ScopedSlugField(slug_field="code", queryset=Project.objects.active())
    title = CleanCharField(max_length=200)
    description = CleanCharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=IssueCategory.choices, default=IssueCategory.OTHER)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, default=Difficulty.ORDINARY)
    unit = ScopedPrimaryKeyField(queryset=Unit.objects.filter(active=True))
    assignee = ScopedPrimaryKeyField(
        queryset=Person.objects.filter(active=True), required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False, allow_null=True)


# --- Letters ---------------------------------------------------------------------------------


class LetterRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    colour = serializers.CharField()
    colour_label = serializers.CharField()
    reason = serializers.CharField()


class LetterSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    period = serializers.CharField(read_only=True)
    red = serializers.IntegerField(source="red_count", read_only=True)
    yellow = serializers.IntegerField(source="yellow_count", read_only=True)
    rows = LetterRowSerializer(many=True, read_only=True)
    docx_url = serializers.SerializerMethodField()

    class Meta:
        model = ReminderLetter
        fields = [
            "id",
            "number",
            "title",
            "region",
            "region_name",
            "period",
            "addressee",
            "issuer",
            "issued_on",
            "reply_deadline",
            "reply_deadline_provisional",
            "red",
            "yellow",
            "rows",
            "actions",
            "docx_url",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField)
    def get_docx_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/letters/{obj.pk}/docx/"
        return request.build_absolute_uri(path) if request else path


class LetterCreateSerializer(serializers.Serializer):
    region = ScopedSlugField(slug_field="code", queryset=Region.objects.all())
    period = PeriodField(help_text="YYYY-MM")
    regenerate = serializers.BooleanField(required=False, default=False)
