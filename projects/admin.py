"""Django admin for reference data and, read-mostly, the business records.

Every admin page gets its rows through `access.scope` (ScopedAdmin), including the choices of
foreign keys, so a district admin cannot see or pick another district's data here either.
Nothing is deleted from the admin: business records are withdrawn, ended or revised.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import access
from .admin_base import ReferenceAdmin, ScopedAdmin, ScopedInline
from .models import (
    Category,
    ChainAssignment,
    ChainRole,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectYear,
    Region,
    StageChange,
    TaskForce,
    TaskForceMember,
    Unit,
    User,
    Withdrawal,
)


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["prefix"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "kind", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    list_select_related = ["region"]


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["name", "title", "unit", "region", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["name", "title", "phone"]
    list_select_related = ["unit", "region"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "role", "region", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["region"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("范围与角色"), {"fields": ("role", "region", "person")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("范围与角色"), {"fields": ("role", "region")}),
    )
    raw_id_fields = ["person"]

    def get_queryset(self, request):
        return access.scope(request.user, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser grants powers that reach beyond a region scope.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def has_view_permission(self, request, obj=None):
        if obj is not None and not access.can_see(request.user, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not access.can_see(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("region", "person"):
            model = db_field.remote_field.model
            kwargs["queryset"] = access.scope(request.user, model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Category)
class CategoryAdmin(ReferenceAdmin):
    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ChainRole)
class ChainRoleAdmin(ReferenceAdmin):
    list_display = ["name", "code", "order", "is_leader", "active"]
    list_editable = ["order", "is_leader", "active"]


class ProjectYearInline(ScopedInline):
    model = ProjectYear
    extra = 0
    fields = ["year", "annual_plan", "original_plan", "new_start", "planned_completion"]
    readonly_fields = ["original_plan"]
    can_delete = False


class ChainInline(ScopedInline):
    model = ChainAssignment
    extra = 0
    fields = ["role", "person", "start_date", "end_date"]
    raw_id_fields = ["person"]
    can_delete = False


class MilestoneInline(ScopedInline):
    model = Milestone
    extra = 0
    fields = ["name", "kind", "due_date", "done_on", "responsible"]
    raw_id_fields = ["responsible"]
    can_delete = False


class FactorInline(ScopedInline):
    model = FactorGuarantee
    extra = 0
    can_delete = False


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ["code", "name", "region", "level", "stage", "total_investment", "in_statistics"]
    list_filter = ["level", "stage", "in_statistics", "categories"]
    search_fields = ["code", "name", "owner_company"]
    list_select_related = ["region"]
    filter_horizontal = ["categories"]
    readonly_fields = ["stage", "version", "created_at", "updated_at"]
    raw_id_fields = ["responsible_unit"]
    inlines = [ProjectYearInline, ChainInline, MilestoneInline, FactorInline]

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ScopedAdmin):
    list_display = ["project", "year", "month", "completed_investment", "updated_at"]
    list_filter = ["year", "month"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
    readonly_fields = ["version", "reported_by", "created_at", "updated_at"]


@admin.register(ProjectYear)
class ProjectYearAdmin(ScopedAdmin):
    list_display = [
        "project",
        "year",
        "annual_plan",
        "original_plan",
        "new_start",
        "planned_completion",
    ]
    list_filter = ["year", "new_start", "planned_completion"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
    readonly_fields = ["original_plan"]


@admin.register(PlanRevision)
class PlanRevisionAdmin(ScopedAdmin):
    list_display = ["project_year", "previous_plan", "new_plan", "reason", "revised_at"]
    list_select_related = ["project_year__project"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MonthlyPlan)
class MonthlyPlanAdmin(ScopedAdmin):
    list_display = ["project_year", "month", "amount"]
    raw_id_fields = ["project_year"]


@admin.register(Milestone)
class MilestoneAdmin(ScopedAdmin):
    list_display = ["project", "name", "kind", "due_date", "done_on", "responsible"]
    list_filter = ["kind"]
    list_select_related = ["project", "responsible"]
    raw_id_fields = ["project", "responsible"]


@admin.register(FactorGuarantee)
class FactorGuaranteeAdmin(ScopedAdmin):
    list_display = ["project", "kind", "demand", "secured"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(ChainAssignment)
class ChainAssignmentAdmin(ScopedAdmin):
    list_display = ["project", "role", "person", "start_date", "end_date"]
    list_filter = ["role"]
    list_select_related = ["project", "role", "person"]
    raw_id_fields = ["project", "person"]


class TaskForceMemberInline(ScopedInline):
    model = TaskForceMember
    extra = 0
    raw_id_fields = ["person"]


@admin.register(TaskForce)
class TaskForceAdmin(ScopedAdmin):
    list_display = ["name", "project", "lead", "established_on"]
    raw_id_fields = ["project", "lead"]
    inlines = [TaskForceMemberInline]


@admin.register(StageChange)
class StageChangeAdmin(ScopedAdmin):
    list_display = ["project", "from_stage", "to_stage", "changed_on", "changed_by"]
    list_filter = ["to_stage"]
    list_select_related = ["project", "changed_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Withdrawal)
class WithdrawalAdmin(ScopedAdmin):
    list_display = ["project", "status", "requested_by", "requested_at", "reviewer", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["project", "requested_by", "reviewer"]
    readonly_fields = ["status", "requested_by", "reviewer", "reviewed_at", "previous_stage"]
    raw_id_fields = ["project"]
