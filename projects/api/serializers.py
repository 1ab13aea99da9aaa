"""Serializers of the projects API (INTERFACES.md §4).

Money is a decimal string in 万元 ("1234.50"); rates are JSON numbers as fractions (0.883) or
null; periods are "YYYY-MM". Input serializers only validate: the views hand `validated_data` to
`projects.services`, which write. Choices fields that point at scoped rows (region, unit, person)
take their querysets from `access.scope` for the requesting user, so a code outside the caller's
regions reads as unknown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessment.choices import Colour
from core.api import CleanCharField
from core.text import has_control

from .. import access
from ..choices import RegionLevel, Stage, StoppageReason, UnitKind, WithdrawalStatus
from ..models import (
    Category,
    ChainAssignment,
    ChainRole,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    Unit,
    User,
    Withdrawal,
)


def _user(request):
    return getattr(request, "user", None)


@extend_schema_field(
    {"type": "number", "nullable": True, "example": 0.883, "description": "a fraction; null"}
)
class RateField(serializers.DecimalField):
    """A rate as a JSON number (a fraction: 0.883 = 88.3%), null where not computed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(max_digits=12, decimal_places=6, coerce_to_string=False, **kwargs)

    def to_representation(self, value):
        return None if value is None else float(Decimal(value))


class MoneyField(serializers.DecimalField):
    """万元 as a decimal string with two places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


class CentRoundedMoneyField(MoneyField):
    """An amount a client sends: more than two decimals (a spreadsheet formula's 345519.99666)
    is rounded half-up to the cent, as the upload and the sheet do, never refused for it."""

    def to_internal_value(self, data):
        if isinstance(data, str | int | float) and not isinstance(data, bool):
            with contextlib.suppress(InvalidOperation, ValueError):
                amount = Decimal(str(data).strip())
                if amount.is_finite() and abs(amount) < Decimal("1e16"):
                    data = str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        return super().to_internal_value(data)


def inline_enum(values: list[str]) -> serializers.CharField:
    """A read-only choice value documented as an inline enum: a shared component named after the
    field ("status", "kind", "level") would collide with other apps' choice sets."""
    # extend_schema_field marks a field instance as well as a class; its types name classes only
    return extend_schema_field({"type": "string", "enum": list(values)})(  # type: ignore[type-var]
        serializers.CharField(read_only=True)
    )


class ScopedRelatedMixin:
    """A related row chosen among those the requesting user may see (`access.scope`), or may
    change (`for_change`), or may pick (`for_choice`: people and units of the regions above
    the user's too). A row outside that is answered exactly like a row that does not exist,
    and the message never names it."""

    default_error_messages = {
        "does_not_exist": _("对象不存在。"),
        "incorrect_type": _("应为编号，收到的类型为 {data_type}。"),
    }

    def __init__(self, *args, for_change: bool = False, for_choice: bool = False, **kwargs):
        self.for_change = for_change
        self.for_choice = for_choice
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        # A key with a control character (NUL above all, which PostgreSQL refuses in a query)
        # names no row: the field's 400, before any query.
        if isinstance(data, str) and has_control(data):
            self.fail("does_not_exist")
        return super().to_internal_value(data)

    def get_queryset(self):
        return access.scope(
            _user(self.context.get("request")),
            super().get_queryset(),
            for_change=self.for_change,
            for_choice=self.for_choice,
        )


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):  # type: ignore[misc]  # the stubs type default_error_messages per class
    pass


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):  # type: ignore[misc]  # as above
    pass


# --- Small references -----------------------------------------------------------------------


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "title"]


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class ChainMemberSerializer(serializers.ModelSerializer):
    """One person in one chain role (四包一)."""

    role = serializers.CharField(source="role.code", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    is_leader = serializers.BooleanField(source="role.is_leader", read_only=True)
    person = PersonRefSerializer(read_only=True)

    class Meta:
        model = ChainAssignment
        fields = ["id", "role", "role_name", "is_leader", "person", "start_date", "end_date"]


# --- Projects -------------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    """A project as read: its ledger fields, the current chain and the status (colour and
    figures) of the period being looked at. `investment_rate_original` is the rate against the
    original plan (年初计划): a rate that looks fine only because the plan was cut shows here."""

    region = RegionRefSerializer(read_only=True)
    town = RegionRefSerializer(read_only=True, allow_null=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    categories = CategoryRefSerializer(many=True, read_only=True)
    total_investment = MoneyField(read_only=True)
    responsible_unit = UnitRefSerializer(read_only=True, allow_null=True)
    chain = ChainMemberSerializer(source="current_chain", many=True, read_only=True)
    period = serializers.SerializerMethodField()
    colour = serializers.SerializerMethodField()
    colour_label = serializers.SerializerMethodField()
    colour_reason = serializers.CharField(source="status_reason", read_only=True, allow_null=True)
    investment_rate = RateField(source="status_investment_rate")
    investment_rate_original = RateField(source="status_investment_rate_original")
    time_progress = RateField(source="status_time_progress")
    forecast_rate = RateField(source="status_forecast_rate")
    completed_ytd = MoneyField(source="status_completed_ytd", read_only=True, allow_null=True)
    stopped_since = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("停工中的项目：本次停工的开始日期；未停工为 null"),
    )

    class Meta:
        model = Project
        fields = [
            "code",
            *Project.EDITABLE_FIELDS,
            "level_label",
            "stage",
            "stage_label",
            "categories",
            "chain",
            "period",
            "colour",
            "colour_label",
            "colour_reason",
            "investment_rate",
            "investment_rate_original",
            "forecast_rate",
            "time_progress",
            "completed_ytd",
            "stopped_since",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True, "example": "2024-10"})
    def get_period(self, project: Project) -> str | None:
        period = self.context.get("period")
        return str(period) if period else None

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*Colour.values, None]})
    def get_colour(self, project: Project) -> str | None:
        """Null where the period was not computed or the project gets no colour."""
        return getattr(project, "status_colour", None) or None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_colour_label(self, project: Project) -> str | None:
        colour = getattr(project, "status_colour", None)
        return str(Colour(colour).label) if colour in Colour.values else None


class ProjectWriteSerializer(serializers.ModelSerializer):
    """Fields a client may set on a project. POST creates; PATCH sends only what changes plus
    `version` (or an `If-Match` header) for optimistic locking."""

    # The model's text fields (name, description …) as the API's cleaning text field.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CleanCharField,
        models.TextField: CleanCharField,
    }

    region = ScopedSlugRelatedField(slug_field="code", queryset=Region.objects.all())
    town = ScopedSlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    categories = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(active=True), many=True, required=False
    )
    responsible_unit = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, for_choice=True
    )
    total_investment = MoneyField(min_value=Decimal("0"), required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    stage_date = serializers.DateField(
        required=False, write_only=True, help_text=_("阶段变更日期（默认今天）")
    )
    stage_note = CleanCharField(required=False, write_only=True, allow_blank=True)

    class Meta:
        model = Project
        fields = [
            "code",
            *Project.EDITABLE_FIELDS,
            "stage",
            "stage_date",
            "stage_note",
            "categories",
        ]


class ProjectCreateSerializer(ProjectWriteSerializer):
    """POST: the project, and optionally its plan for `year` (年度计划, 新开工, 计划竣工)."""

    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, write_only=True)
    annual_plan = MoneyField(min_value=Decimal("0"), required=False, write_only=True)
    new_start = serializers.BooleanField(required=False, write_only=True)
    planned_completion_this_year = serializers.BooleanField(required=False, write_only=True)

    class Meta(ProjectWriteSerializer.Meta):
        fields = [
            *ProjectWriteSerializer.Meta.fields,
            "year",
            "annual_plan",
            "new_start",
            "planned_completion_this_year",
        ]

    def validate_stage(self, value: str) -> str:
        if value == Stage.WITHDRAWN:
            raise serializers.ValidationError(_("不能以“退库”阶段建档。"))
        return value

    def validate(self, attrs):
        plan_fields = ("annual_plan", "new_start", "planned_completion_this_year")
        if any(name in attrs for name in plan_fields) and "year" not in attrs:
            raise serializers.ValidationError({"year": _("填写年度计划或新开工时须指定年度。")})
        return attrs


class ProjectUpdateSerializer(ProjectWriteSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, write_only=True, help_text=_("读取时的版本号（乐观锁）")
    )

    class Meta(ProjectWriteSerializer.Meta):
        fields = [*ProjectWriteSerializer.Meta.fields, "version"]
        read_only_fields = ["code"]


class ConflictSerializer(serializers.Serializer):
    """409: someone else saved the record since the client read it."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField()


# --- History --------------------------------------------------------------------------------


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    # named like an attribute of DRF's Field, which the stubs see (DRF's metaclass
    # moves declared fields off the class)
    label = serializers.CharField()  # type: ignore[assignment]
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    """One saved change (django-simple-history): who, when, and each field before → after."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = UserRefSerializer(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _plain(value):
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def history_entries(records, fields: list[str], model) -> list[dict]:
    """History rows (newest first) as entries listing each tracked field that changed from the
    previous row. `fields` are field names of `model`; foreign keys compare by id."""
    records = list(records)
    attnames = [(name, model._meta.get_field(name)) for name in fields]
    entries = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        for name, field in attnames:
            after = getattr(record, field.attname)
            before = getattr(older, field.attname) if older is not None else None
            if older is None and after in (None, ""):
                continue
            if older is None or before != after:
                changes.append(
                    {
                        "field": name,
                        "label": str(field.verbose_name),
                        "before": _plain(before),
                        "after": _plain(after),
                    }
                )
        entries.append(
            {
                "id": record.history_id,
                "at": record.history_date,
                "type": _HISTORY_TYPES.get(record.history_type, "changed"),
                "user": record.history_user,
                "reason": record.history_change_reason,
                "changes": changes,
            }
        )
    return entries


# --- Monthly reports ------------------------------------------------------------------------


class MonthlyReportSerializer(serializers.ModelSerializer):
    """A monthly report (月度完成投资) as read."""

    project = serializers.SerializerMethodField()
    period = serializers.CharField(read_only=True)
    completed_investment = MoneyField(read_only=True)
    reported_by = UserRefSerializer(read_only=True, allow_null=True)
    confirmed_warnings = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("保存时确认过的合理性提示")
    )
    warnings_confirmed_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MonthlyReport
        fields = [
            "project",
            "period",
            "year",
            "month",
            "completed_investment",
            "note",
            "reported_by",
            "confirmed_warnings",
            "warnings_confirmed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_project(self, report: MonthlyReport) -> str:
        project = self.context.get("project")
        return project.code if project is not None else report.project.code


class MonthlyReportCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    completed_investment = CentRoundedMoneyField(min_value=Decimal("0"))
    note = CleanCharField(required=False, allow_blank=True, default="")
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "确认合理性提示：金额触发提示（超过剩余计划或总投资、金额异常、连续相同、年底突击、"
            "未开工）时，不带 true 的请求返回 400 并在 completed_investment 下列出提示；带 true "
            "则保存并记录提示与确认人。"
        ),
    )

    def validate(self, attrs):
        project = self.context["project"]
        if MonthlyReport.objects.filter(
            project=project, year=attrs["year"], month=attrs["month"]
        ).exists():
            raise serializers.ValidationError(
                {
                    "month": _(
                        "%(year)s 年 %(month)s 月已填报，请用 PATCH "
                        "/api/v1/projects/%(code)s/reports/%(year)s-%(mm)02d/ 更正。"
                    )
                    % {
                        "year": attrs["year"],
                        "month": attrs["month"],
                        "mm": attrs["month"],
                        "code": project.code,
                    }
                }
            )
        return attrs


class MonthlyReportUpdateSerializer(serializers.Serializer):
    completed_investment = CentRoundedMoneyField(min_value=Decimal("0"), required=False)
    note = CleanCharField(required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("读取时的版本号（乐观锁）")
    )
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "确认合理性提示：金额触发提示（超过剩余计划或总投资、金额异常、连续相同、年底突击、"
            "未开工）时，不带 true 的请求返回 400 并在 completed_investment 下列出提示；带 true "
            "则保存并记录提示与确认人。"
        ),
    )


# --- Annual plans ---------------------------------------------------------------------------


class PlanRevisionSerializer(serializers.ModelSerializer):
    previous_plan = MoneyField(read_only=True, allow_null=True)
    new_plan = MoneyField(read_only=True)
    revised_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PlanRevision
        fields = ["previous_plan", "new_plan", "reason", "revised_by", "revised_at"]


class ProjectYearSerializer(serializers.ModelSerializer):
    """A year's plan: the current plan, the original (年初计划) and every revision (调整)."""

    annual_plan = MoneyField(read_only=True, allow_null=True)
    original_plan = MoneyField(read_only=True, allow_null=True)
    is_revised = serializers.BooleanField(read_only=True)
    revisions = PlanRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = ProjectYear
        fields = [
            "year",
            "annual_plan",
            "original_plan",
            "is_revised",
            "new_start",
            "planned_completion",
            "revisions",
        ]


class ProjectYearWriteSerializer(serializers.Serializer):
    """Sets a year's plan; changing an existing plan is a revision and needs `reason`."""

    year = serializers.IntegerField(min_value=2000, max_value=2100)
    annual_plan = MoneyField(min_value=Decimal("0"), required=False)
    new_start = serializers.BooleanField(required=False)
    planned_completion = serializers.BooleanField(required=False)
    reason = CleanCharField(required=False, allow_blank=True, default="")


# --- Chain ----------------------------------------------------------------------------------


class ChainAssignSerializer(serializers.Serializer):
    """Puts a person (within the caller's regions) in a chain role from `start_date`."""

    role = serializers.SlugRelatedField(
        slug_field="code", queryset=ChainRole.objects.filter(active=True)
    )
    person = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.filter(active=True), for_choice=True
    )
    start_date = serializers.DateField(required=False)


class ChainSerializer(serializers.Serializer):
    current = ChainMemberSerializer(many=True)
    history = ChainMemberSerializer(many=True)


# --- Withdrawals ----------------------------------------------------------------------------


class WithdrawalSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = UserRefSerializer(read_only=True)
    reviewer = UserRefSerializer(read_only=True, allow_null=True)
    status = inline_enum(WithdrawalStatus.values)
    previous_stage = inline_enum(["", *Stage.values])

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "project",
            "reason",
            "status",
            "status_label",
            "requested_by",
            "requested_at",
            "reviewer",
            "reviewed_at",
            "review_note",
            "previous_stage",
        ]
        read_only_fields = fields


class StoppageSerializer(serializers.Serializer):
    """停工 record: why and since when, and when work resumed (复工; null while stopped)."""

    id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=StoppageReason.choices, read_only=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    note = serializers.CharField(read_only=True)
    stopped_on = serializers.DateField(read_only=True)
    resumed_on = serializers.DateField(read_only=True, allow_null=True)
    resume_note = serializers.CharField(read_only=True)


class StopSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=StoppageReason.choices, help_text=_("停工原因"))
    note = CleanCharField(
        required=False, allow_blank=True, default="", help_text=_("说明（原因为“其他”时必填）")
    )
    stopped_on = serializers.DateField(help_text=_("停工日期（不晚于今天）"))


class ResumeSerializer(serializers.Serializer):
    resumed_on = serializers.DateField(help_text=_("复工日期（不早于停工日期，不晚于今天）"))
    note = CleanCharField(required=False, allow_blank=True, default="")


class WithdrawalRequestSerializer(serializers.Serializer):
    reason = CleanCharField(help_text=_("退库的书面原因"))


class WithdrawalReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true 批准退库，false 驳回"))
    note = CleanCharField(required=False, allow_blank=True, default="")


# --- Reference lists ------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    # named like an attribute of DRF's Field, which the stubs see (DRF's metaclass
    # moves declared fields off the class)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    level = inline_enum(RegionLevel.values)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "parent", "level", "level_label", "order"]


class UnitSerializer(serializers.ModelSerializer):
    kind = inline_enum(UnitKind.values)
    region = RegionRefSerializer(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "region", "active"]


class PersonSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    region = RegionRefSerializer(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "title", "unit", "region", "active"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "order", "active"]


class ChainRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChainRole
        fields = ["code", "name", "order", "is_leader", "active"]
