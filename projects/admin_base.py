"""Base classes of every app's admin. The admin edits reference data; it is never a second way
to change business records.

- `ScopedAdmin`: rows, history pages and foreign-key choices limited to the user's regions
  (`access.scope`); no deletes. For reference data of a region (regions, units, people).
- `BusinessRecordAdmin`: a business record (projects, plans, reports, chains, withdrawals,
  issues, meetings …) is shown here with its history, read-only: it changes only through its
  service, on the pages and the API, so every change leaves the same history, version bump
  and recompute.
- `ReadOnlyAdmin` / `ScopedReadOnlyAdmin`: computed or frozen records (statuses, snapshots,
  job bookkeeping).
- `InstallationAdmin`: installation-wide settings and reference lists (colour rules, ranking
  weights, categories, chain roles, supervision settings, calendars): superusers only — a
  district's staff never changes what every district is measured by.
"""

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import access


def _scoped_fk_choices(request: HttpRequest, db_field: Any, kwargs: dict) -> dict:
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

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = _scoped_fk_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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


class BusinessRecordAdmin(ScopedAdmin):
    """A business record: viewed here with its history, changed only through its service (the
    pages, the API, the imports). Adding and changing are refused, deleting too."""

    # simple-history's "revert to this version" would write the record around its service
    allow_history_revert = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if request.method == "POST":
            raise Http404  # a revert: not through the admin
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedInline(admin.TabularInline):
    """Inline rows whose foreign-key choices are scoped like ScopedAdmin's; no deletes."""

    extra = 0
    can_delete = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_fk_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent, never added or changed here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
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


class InstallationAdmin(SimpleHistoryAdmin):
    """Installation-wide settings and reference lists: only superusers see or change them
    (model permissions granted to a district's staff do not reach them). Nothing is deleted:
    lists are deactivated; singletons have one row."""

    singleton = False  # one row (pk=1): added once, never a second

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        if self.singleton and self.model._default_manager.exists():
            return False
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


def superuser_only(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` (a third-party app's admin) restricted to superusers."""

    class SuperuserOnly(admin_class):  # type: ignore[valid-type, misc]
        def has_module_permission(self, request):
            return request.user.is_active and request.user.is_superuser

        def has_view_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

        def has_change_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

        def has_add_permission(self, request, *args):
            return request.user.is_active and request.user.is_superuser

        def has_delete_permission(self, request, obj=None):
            return request.user.is_active and request.user.is_superuser

    SuperuserOnly.__name__ = f"SuperuserOnly{admin_class.__name__}"
    return SuperuserOnly
