"""Base classes of every app's admin: rows, history pages and foreign-key choices limited to the
user's regions (`access.scope`); no deletes; read-only admins for computed and frozen records."""

from django.contrib import admin
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from . import access


def _scoped_fk_choices(request, db_field, kwargs) -> dict:
    """Limits a foreign key's choices to what the user may see."""
    related = db_field.remote_field.model
    if related._meta.label_lower in access.SCOPE_PATHS:
        base = kwargs.get("queryset") or related._default_manager.all()
        kwargs["queryset"] = access.scope(request.user, base, for_choice=True)
    return kwargs


class ScopedAdmin(SimpleHistoryAdmin):
    """Rows, history pages and foreign-key choices limited to the user's regions; no deletes."""

    def get_queryset(self, request):
        return access.scope(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_fk_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        if obj is not None and not access.can_see(request.user, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not access.can_change(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _require_in_scope(self, request, object_id) -> None:
        # simple-history falls back to the history table for objects outside get_queryset;
        # an object the user may not see has no history for them either.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedInline(admin.TabularInline):
    """Inline rows whose foreign-key choices are scoped like ScopedAdmin's; no deletes."""

    extra = 0
    can_delete = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_fk_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReferenceAdmin(admin.ModelAdmin):
    """Installation-wide reference lists (categories, chain roles): no deletes, deactivate."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed or frozen records: viewed here, written only by their jobs."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedReadOnlyAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        return access.scope(request.user, super().get_queryset(request))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
