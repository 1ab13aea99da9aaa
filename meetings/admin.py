"""Admin of meetings and reminder letters, scoped like every admin (`ScopedAdmin`)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects import access
from projects.admin_base import ReadOnlyInline, ScopedAdmin
from supervision.models import Issue

from .models import Meeting, ReminderLetter


class DecisionInline(ReadOnlyInline):
    model = Issue
    fk_name = "meeting"
    fields = ["title", "project", "assigned_unit", "deadline", "status"]
    readonly_fields = fields
    verbose_name = _("议定事项")
    verbose_name_plural = _("议定事项")


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["__str__", "kind", "region", "date", "chair"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "minutes"]
    list_select_related = ["region", "chair"]
    filter_horizontal = ["attendees"]
    raw_id_fields = ["chair"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [DecisionInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.full_clean()
        super().save_model(request, obj, form, change)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "attendees":
            kwargs["queryset"] = access.scope(
                request.user, db_field.remote_field.model._default_manager.all()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ReminderLetter)
class ReminderLetterAdmin(ScopedAdmin):
    list_display = ["number", "region", "period", "issued_on", "reply_deadline", "docx"]
    list_filter = ["year", "month"]
    search_fields = ["number", "title"]
    list_select_related = ["region"]
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
        "file",
        "created_by",
        "created_at",
    ]

    @admin.display(description=_("Word 文件"))
    def docx(self, obj):
        if not obj.file:
            return "—"
        return format_html('<a href="/api/v1/letters/{}/docx/">{}</a>', obj.pk, _("下载"))

    def has_add_permission(self, request):
        return False  # letters are generated from the colours: API or generate_letters
