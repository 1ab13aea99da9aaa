"""Admin of the supervision app, scoped like the projects admin (ScopedAdmin: rows and
foreign-key choices limited to the user's regions, no deletes).

Issue states move only through the state machine: the admin shows them read-only, records new
issues through `services.issue_create`, and offers no way to skip a step. Holiday corrections
saved here recompute the deadlines they touch, like `load_holidays`.
"""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.admin_base import (
    BusinessRecordAdmin,
    InstallationAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    ScopedReadOnlyAdmin,
)

from . import channels, services
from .choices import DeliveryStatus, EventKind
from .models import (
    Delivery,
    HolidayOverride,
    HolidaySchedule,
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    Notification,
    NotificationChannel,
    SupervisionSettings,
)


class TransitionInline(ReadOnlyInline):
    model = IssueTransition
    fields = readonly_fields = ("at", "action", "from_status", "to_status", "actor", "note")


@admin.display(description=_("文件"))
def attachment_download(admin_view, obj) -> str:  # noqa: ARG001 - an admin display callable
    """The scoped download (a FileField's own link would be /media/…, which is not served)."""
    if not obj.pk:
        return "—"
    url = reverse("supervision:attachment_file", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj.original_name)


@admin.display(description=_("照片"))
def photo_download(admin_view, obj) -> str:  # noqa: ARG001 - an admin display callable
    if not obj.pk:
        return "—"
    url = reverse("supervision:photo_file", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj.original_name)


class AttachmentInline(ReadOnlyInline):
    model = IssueAttachment
    download = attachment_download
    fields = readonly_fields = ("kind", "download", "size", "caption", "uploaded_by", "uploaded_at")


STATE_FIELDS = [
    "status",
    "source",
    "meeting",
    "raised_by",
    "raised_at",
    "assigned_unit",
    "assignee",
    "assigned_by",
    "assigned_on",
    "deadline",
    "deadline_provisional",
    "deadline_workdays",
    "plan",
    "plan_due",
    "plan_due_provisional",
    "plan_submitted_at",
    "overdue_flagged_on",
    "escalated_at",
    "resolved_at",
    "closed_at",
]


@admin.register(Issue)
class IssueAdmin(ScopedAdmin):
    list_display = [
        "title",
        "project",
        "category",
        "difficulty",
        "status",
        "assigned_unit",
        "deadline",
        "deadline_provisional",
        "raised_at",
    ]
    list_filter = ["status", "category", "difficulty", "source", "deadline_provisional"]
    search_fields = ["title", "project__code", "project__name"]
    list_select_related = ["project", "assigned_unit"]
    raw_id_fields = ["project"]
    date_hierarchy = "raised_at"
    inlines = [TransitionInline, AttachmentInline]

    def has_change_permission(self, request, obj=None):
        return False  # an issue moves only through its transitions (the pages, the API)

    def get_readonly_fields(self, request, obj=None):
        return [*STATE_FIELDS, "project"] if obj else STATE_FIELDS

    def get_fields(self, request, obj=None):
        editable = ["project", "title", "description", "category", "difficulty"]
        return editable + (STATE_FIELDS if obj else [])

    def save_model(self, request, obj, form, change):
        created = services.issue_create(
            project=obj.project,
            title=obj.title,
            description=obj.description,
            category=obj.category,
            difficulty=obj.difficulty,
            actor=request.user,
        )
        obj.pk = created.pk
        obj.refresh_from_db()


@admin.register(IssueTransition)
class IssueTransitionAdmin(ScopedAdmin):
    list_display = ["issue", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action", "to_status"]
    list_select_related = ["issue", "actor"]
    search_fields = ["issue__title", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IssueAttachment)
class IssueAttachmentAdmin(ScopedAdmin):
    list_display = ["original_name", "issue", "kind", "size", "uploaded_by", "uploaded_at"]
    download = attachment_download
    exclude = ["file"]
    readonly_fields = ["download"]
    list_filter = ["kind"]
    list_select_related = ["issue", "uploaded_by"]

    def has_add_permission(self, request):
        return False  # uploads are checked by content: use the issue's page or the API

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    list_display = ["text", "recipient_person", "recipient_user", "created_at", "read_at"]
    list_filter = ["read_at"]
    list_select_related = ["recipient_person", "recipient_user"]
    search_fields = ["text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FindingInline(ReadOnlyInline):
    model = InspectionFinding
    fields = readonly_fields = ("description", "category", "issue")


class PhotoInline(ReadOnlyInline):
    model = InspectionPhoto
    download = photo_download
    fields = readonly_fields = ("download", "caption", "size", "taken_at", "uploaded_at")


@admin.register(Inspection)
class InspectionAdmin(BusinessRecordAdmin):
    list_display = ["date", "kind", "project", "created_by"]
    list_filter = ["kind", "date"]
    search_fields = ["project__code", "project__name", "summary"]
    list_select_related = ["project", "created_by"]
    raw_id_fields = ["project"]
    filter_horizontal = ["inspectors"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [FindingInline, PhotoInline]
    actions = ["raise_issues"]

    @admin.action(description=_("将未转问题的巡查发现转为问题"))
    def raise_issues(self, request, queryset):
        raised = 0
        for finding in InspectionFinding.objects.filter(
            inspection__in=queryset, issue__isnull=True
        ):
            services.finding_raise_issue(finding=finding, actor=request.user)
            raised += 1
        self.message_user(request, _("已转为问题 %(n)s 项。") % {"n": raised}, messages.SUCCESS)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(InstallationAdmin):
    list_display = ["date", "name", "is_workday", "year"]
    list_filter = ["year", "is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        services.holidays_load(
            days=[services.HolidayDay(obj.date, obj.is_workday, obj.name)], actor=request.user
        )
        obj.pk = HolidayOverride.objects.get(date=obj.date).pk


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(InstallationAdmin):
    list_display = ["year", "source", "loaded_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.holidays_load(
            days=[], complete_years=[obj.year], source=obj.source, actor=request.user
        )


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(InstallationAdmin):
    singleton = True


class NotificationChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=_("Webhook 地址"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("群机器人的 Webhook 地址（企业微信、钉钉、飞书）。"),
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("订阅的事件类型"),
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即订阅全部事件类型。"),
    )

    class Meta:
        model = NotificationChannel
        fields = [
            "name",
            "kind",
            "region",
            "unit",
            "webhook_url",
            "secret",
            "emails",
            "event_kinds",
            "enabled",
        ]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(NotificationChannel)
class NotificationChannelAdmin(ScopedAdmin):
    """Group channels of a region or unit. A district's staff configure their district's bots
    (the region's choices are scoped); "send a test message" checks a webhook at once."""

    form = NotificationChannelForm
    list_display = ["name", "kind", "region", "unit", "enabled", "subscriptions"]
    list_filter = ["kind", "enabled"]
    list_select_related = ["region", "unit"]
    search_fields = ["name"]
    actions = ["send_test"]

    @admin.display(description=_("订阅"))
    def subscriptions(self, obj: NotificationChannel) -> str:
        if not obj.event_kinds:
            return str(_("全部"))
        return "、".join(channels.kind_label(kind) for kind in obj.event_kinds)

    @admin.action(description=_("发送测试消息"))
    def send_test(self, request, queryset):
        for channel in queryset:
            delivery = channels.send_test(channel)
            if delivery.status == DeliveryStatus.SENT:
                self.message_user(request, _("%(name)s：测试消息已发送。") % {"name": channel.name})
            else:
                self.message_user(
                    request,
                    _("%(name)s：发送失败：%(error)s")
                    % {"name": channel.name, "error": delivery.last_error},
                    level=messages.ERROR,
                )


@admin.register(Delivery)
class DeliveryAdmin(ScopedReadOnlyAdmin):
    """The delivery log: every message on every channel, sent or failed with its error and
    attempts. Read-only; failed rows are retried by the periodic job."""

    list_display = [
        "created_at",
        "transport",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "error",
    ]
    list_filter = ["status", "transport", "channel"]
    list_select_related = ["channel"]
    search_fields = ["subject", "recipient", "last_error", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("重新发送失败的记录"), permissions=["view"])
    def retry(self, request, queryset):
        count = channels.deliveries_retry(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)s 条记录将在一分钟内重新发送。") % {"count": count})

    @admin.display(description=_("最近错误"))
    def error(self, obj: Delivery) -> str:
        return obj.last_error[:120]
