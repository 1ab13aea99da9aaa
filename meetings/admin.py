"""Admin of meetings and reminder letters: scoped and read-only (business records, changed
through `meetings.services` on the pages and the API)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.admin_base import BusinessRecordAdmin, ReadOnlyInline
from supervision.models import Issue

from .models import Meeting, ReminderLetter


class DecisionInline(ReadOnlyInline):
    model = Issue
    fk_name = "meeting"
    fields = readonly_fields = ("title", "project", "assigned_unit", "deadline", "status")
    verbose_name = _("议定事项")
    verbose_name_plural = _("议定事项")


@admin.register(Meeting)
class MeetingAdmin(BusinessRecordAdmin):
    list_display = ["__str__", "kind", "region", "date", "chair"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "minutes"]
    list_select_related = ["region", "chair"]
    filter_horizontal = ["attendees"]
    raw_id_fields = ["chair"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [DecisionInline]


@admin.register(ReminderLetter)
class ReminderLetterAdmin(BusinessRecordAdmin):
    list_display = ["number", "region", "period", "issued_on", "reply_deadline", "docx"]
    list_filter = ["year", "month"]
    search_fields = ["number", "title"]
    list_select_related = ["region"]
    exclude = ["file"]
    readonly_fields = [
        "region",
        "year",
        "month",
        "number_year",
        "serial",
        "number",
        "title",
        "addressee",
        "issuer",
        "issued_on",
        "reply_deadline",
        "reply_deadline_provisional",
        "reply_workdays",
        "actions",
        "rows",
        "docx",  # the scoped download, not the file's /media/ address
        "created_by",
        "created_at",
    ]

    @admin.display(description=_("Word 文件"))
    def docx(self, obj):
        if not obj.file:
            return "—"
        return format_html('<a href="/api/v1/letters/{}/docx/">{}</a>', obj.pk, _("下载"))
