"""Admin of the imports: the jobs, read-only (written only by `imports.services`), limited to
the user's regions."""

from django.contrib import admin

from projects.admin_base import ScopedReadOnlyAdmin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "filename",
        "user",
        "region",
        "state",
        "rows_done",
        "rows_total",
        "heartbeat_at",
        "finished_at",
    ]
    list_filter = ["kind", "state"]
    list_select_related = ["user", "region"]
    search_fields = ["filename", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ImportJob._meta.fields]
