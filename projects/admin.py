"""Admin of the ledger: regions, units and people (scoped reference data), logins, the
installation's lists (superusers only), and the business records read-only (they change only
through `projects.services`, on the pages and the API).

Every admin page gets its rows through `access.scope`, including the choices of foreign keys,
so a district admin cannot see or pick another district's data here either. Nothing is deleted.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    IntervalScheduleAdmin,
    PeriodicTaskAdmin,
    SolarScheduleAdmin,
)
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from . import access
from .admin_base import (
    BusinessRecordAdmin,
    InstallationAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    superuser_only,
)
from .api.authentication import forget_users
from .boundaries import load_boundaries
from .choices import RegionLevel, Role
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
    PlausibilitySettings,
    Project,
    ProjectYear,
    Region,
    RegionBoundary,
    ReportingMonth,
    ReportingRule,
    ReportingWindow,
    StageChange,
    Stoppage,
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


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON 文件"))
    within = forms.ModelChoiceField(
        queryset=Region.objects.exclude(level=RegionLevel.TOWN),
        required=False,
        label=_("按名称匹配时的上级区域"),
        help_text=_("留空：在全部区域中匹配。"),
    )


@admin.register(RegionBoundary)
class RegionBoundaryAdmin(InstallationAdmin):
    """The regions' outlines: replaced only by an upload (the same loader as
    `load_boundaries`, all or nothing), never edited by hand."""

    list_display = ["region", "region_name", "min_lng", "min_lat", "max_lng", "max_lat", "source"]
    list_select_related = ["region"]
    search_fields = ["region__code", "region__name"]
    readonly_fields = [
        "region",
        "min_lng",
        "min_lat",
        "max_lng",
        "max_lat",
        "source",
        "loaded_at",
    ]
    exclude = ["geometry"]
    change_list_template = "admin/projects/regionboundary/change_list.html"

    @admin.display(description=_("名称"))
    def region_name(self, obj):
        return obj.region.name

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="projects_regionboundary_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = load_boundaries(
                upload,
                within=form.cleaned_data["within"],
                source_name=upload.name,
                actor=request.user,
            )
            if result.ok:
                self.message_user(request, _("边界导入完成：%(r)s") % {"r": result})
                return redirect("admin:projects_regionboundary_changelist")
            errors = [str(e) for e in result.errors]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("上传区划边界"),
            "form": form,
            "errors": errors,
        }
        return render(request, "admin/projects/regionboundary/upload.html", context)


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
    """Logins of the user's regions. A non-superuser never sees a superuser (so cannot reset one's
    password), and grants neither staff status, groups, permissions nor a role above their own."""

    list_display = ["username", "first_name", "role", "region", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["region"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("范围与角色"), {"fields": ("role", "region", "person", "must_change_password")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("范围与角色"), {"fields": ("role", "region")}),
    )
    raw_id_fields = ["person"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # a password someone else chose: changed at login
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != id:
            User.objects.filter(pk=id).update(must_change_password=True)
            forget_users()  # no signal from update(): the API's kept users are read again
        return response

    def get_queryset(self, request):
        users = access.scope(request.user, super().get_queryset(request))
        if not request.user.is_superuser:
            users = users.filter(is_superuser=False)
        return users

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser grants powers that reach beyond a region scope.
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly

    def has_view_permission(self, request, obj=None):
        if obj is not None and not self._manageable(request, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self._manageable(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _manageable(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        if obj.is_superuser or not access.can_see(request.user, obj):
            return False
        return Role(obj.role).rank <= Role(request.user.role).rank

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            own = Role(request.user.role).rank
            kwargs["choices"] = [(v, label) for v, label in Role.choices if Role(v).rank <= own]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("region", "person"):
            model = db_field.remote_field.model
            kwargs["queryset"] = access.scope(request.user, model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Third-party admins of installation-wide things: superusers only. API tokens are secrets;
# groups and the beat schedule reach beyond any region; login attempts (django-axes) are the
# audit of failed logins, and deleting an attempt unlocks a username or address.
for _model, _admin_class in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (TokenProxy, TokenAdmin),
    (Group, GroupAdmin),
    (PeriodicTask, PeriodicTaskAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, superuser_only(_admin_class))


@admin.register(Category)
class CategoryAdmin(InstallationAdmin):
    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ChainRole)
class ChainRoleAdmin(InstallationAdmin):
    list_display = ["name", "code", "order", "is_leader", "active"]
    list_editable = ["order", "is_leader", "active"]


class ProjectYearInline(ReadOnlyInline):
    model = ProjectYear
    extra = 0
    fields = ["year", "annual_plan", "original_plan", "new_start", "planned_completion"]
    readonly_fields = ["original_plan"]
    can_delete = False


class ChainInline(ReadOnlyInline):
    model = ChainAssignment
    extra = 0
    fields = ["role", "person", "start_date", "end_date"]
    raw_id_fields = ["person"]
    can_delete = False


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    extra = 0
    fields = ["name", "kind", "due_date", "done_on", "responsible"]
    raw_id_fields = ["responsible"]
    can_delete = False


class FactorInline(ReadOnlyInline):
    model = FactorGuarantee
    extra = 0
    can_delete = False


@admin.register(Project)
class ProjectAdmin(BusinessRecordAdmin):
    list_display = ["code", "name", "region", "level", "stage", "total_investment", "in_statistics"]
    list_filter = ["level", "stage", "in_statistics", "categories"]
    search_fields = ["code", "name", "owner_company"]
    list_select_related = ["region"]
    filter_horizontal = ["categories"]
    readonly_fields = ["stage", "version", "created_at", "updated_at"]
    raw_id_fields = ["responsible_unit"]
    inlines = [ProjectYearInline, ChainInline, MilestoneInline, FactorInline]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(BusinessRecordAdmin):
    list_display = ["project", "year", "month", "completed_investment", "updated_at"]
    list_filter = ["year", "month"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]
    readonly_fields = ["version", "reported_by", "created_at", "updated_at"]


@admin.register(ProjectYear)
class ProjectYearAdmin(BusinessRecordAdmin):
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
class PlanRevisionAdmin(BusinessRecordAdmin):
    list_display = ["project_year", "previous_plan", "new_plan", "reason", "revised_at"]
    list_select_related = ["project_year__project"]


@admin.register(MonthlyPlan)
class MonthlyPlanAdmin(BusinessRecordAdmin):
    list_display = ["project_year", "month", "amount"]
    raw_id_fields = ["project_year"]


@admin.register(Milestone)
class MilestoneAdmin(BusinessRecordAdmin):
    list_display = ["project", "name", "kind", "due_date", "done_on", "responsible"]
    list_filter = ["kind"]
    list_select_related = ["project", "responsible"]
    raw_id_fields = ["project", "responsible"]


@admin.register(Stoppage)
class StoppageAdmin(BusinessRecordAdmin):
    list_display = ["project", "reason", "stopped_on", "resumed_on"]
    list_filter = ["reason"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(FactorGuarantee)
class FactorGuaranteeAdmin(BusinessRecordAdmin):
    list_display = ["project", "kind", "demand", "secured"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(ChainAssignment)
class ChainAssignmentAdmin(BusinessRecordAdmin):
    list_display = ["project", "role", "person", "start_date", "end_date"]
    list_filter = ["role"]
    list_select_related = ["project", "role", "person"]
    raw_id_fields = ["project", "person"]


class TaskForceMemberInline(ReadOnlyInline):
    model = TaskForceMember
    extra = 0
    raw_id_fields = ["person"]


@admin.register(TaskForce)
class TaskForceAdmin(BusinessRecordAdmin):
    list_display = ["name", "project", "lead", "established_on"]
    raw_id_fields = ["project", "lead"]
    inlines = [TaskForceMemberInline]


@admin.register(StageChange)
class StageChangeAdmin(BusinessRecordAdmin):
    list_display = ["project", "from_stage", "to_stage", "changed_on", "changed_by"]
    list_filter = ["to_stage"]
    list_select_related = ["project", "changed_by"]


@admin.register(Withdrawal)
class WithdrawalAdmin(BusinessRecordAdmin):
    list_display = ["project", "status", "requested_by", "requested_at", "reviewer", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["project", "requested_by", "reviewer"]
    readonly_fields = ["status", "requested_by", "reviewer", "reviewed_at", "previous_stage"]
    raw_id_fields = ["project"]


@admin.register(PlausibilitySettings)
class PlausibilitySettingsAdmin(InstallationAdmin):
    """Thresholds of the plausibility checks at entry (projects.plausibility)."""

    singleton = True


@admin.register(ReportingRule)
class ReportingRuleAdmin(InstallationAdmin):
    """The default reporting window (次月第 N 至第 M 个工作日)."""

    singleton = True


@admin.register(ReportingWindow)
class ReportingWindowAdmin(InstallationAdmin):
    """An explicit window of one month, overriding the rule."""

    list_display = ["year", "month", "opens", "closes", "note"]


@admin.register(ReportingMonth)
class ReportingMonthAdmin(BusinessRecordAdmin):
    """A district's month: changed only on the completeness page (supervision.reporting)."""

    list_display = ["region", "year", "month", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "year", "month"]
    list_select_related = ["region"]
