"""Admin of the assessment: colour rules, ranking settings and assessment indicators
(installation-wide), computed statuses, entered assessment scores and published rankings and
assessments (read-only: written only by their jobs)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.admin_base import InstallationAdmin, ReadOnlyAdmin, ScopedReadOnlyAdmin

from .models import (
    AssessmentIndicator,
    AssessmentScore,
    AssessmentSnapshot,
    ColourRules,
    ObservationScore,
    PeriodComputation,
    ProjectStatus,
    RankingIndicator,
    RankingSettings,
    RankingSnapshot,
    RecomputeRequest,
)


@admin.register(ColourRules)
class ColourRulesAdmin(InstallationAdmin):
    singleton = True


@admin.register(ProjectStatus)
class ProjectStatusAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "project",
        "period",
        "colour",
        "investment_rate",
        "time_progress",
        "colour_reason",
        "computed_at",
    ]
    list_filter = ["year", "month", "colour", "level"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name"]
    raw_id_fields = ["project", "region", "unit", "leader"]
    readonly_fields = ["colour_reason"]

    @admin.display(description=_("颜色原因"))
    def colour_reason(self, obj) -> str:
        return obj.reason


@admin.register(RankingIndicator)
class RankingIndicatorAdmin(InstallationAdmin):
    list_display = ["measure", "weight", "cap", "order", "active"]
    list_editable = ["weight", "cap", "order", "active"]


@admin.register(RankingSettings)
class RankingSettingsAdmin(InstallationAdmin):
    singleton = True
    list_display = ["__str__", "praised_top", "called_in_bottom", "publish_day"]


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(ScopedReadOnlyAdmin):
    list_display = ["parent", "scope", "period", "version", "published_at", "published_by"]
    list_filter = ["scope", "year", "month"]
    list_select_related = ["parent", "published_by"]


@admin.register(PeriodComputation)
class PeriodComputationAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "runs",
        "started_at",
        "finished_at",
        "duration_ms",
        "projects",
        "region_code",
    ]


@admin.register(RecomputeRequest)
class RecomputeRequestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "dirty_since", "queued_at"]


@admin.register(AssessmentIndicator)
class AssessmentIndicatorAdmin(InstallationAdmin):
    list_display = [
        "kind",
        "code",
        "name",
        "source",
        "weight",
        "cap",
        "full_marks",
        "order",
        "active",
        "per_project",
    ]
    list_editable = ["weight", "cap", "full_marks", "order", "active", "per_project"]
    list_filter = ["kind", "active"]


@admin.register(AssessmentScore)
class AssessmentScoreAdmin(ScopedReadOnlyAdmin):
    """Entered on the assessment page (history kept there); viewed here."""

    list_display = ["year", "indicator", "region", "score", "entered_by", "entered_at"]
    list_filter = ["year", "indicator__kind"]
    list_select_related = ["indicator", "region", "entered_by"]


@admin.register(ObservationScore)
class ObservationScoreAdmin(ScopedReadOnlyAdmin):
    """Entered on the observation page (`web:observation`, history kept there); viewed here."""

    list_display = ["year", "indicator", "project", "score", "entered_by", "entered_at"]
    list_filter = ["year", "indicator__kind"]
    list_select_related = ["indicator", "project", "entered_by"]


@admin.register(AssessmentSnapshot)
class AssessmentSnapshotAdmin(ScopedReadOnlyAdmin):
    list_display = ["parent", "kind", "year", "version", "published_at", "published_by"]
    list_filter = ["kind", "year"]
    list_select_related = ["parent", "published_by"]
