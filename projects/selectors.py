"""Reads of the projects app. Every function takes the user and goes through `access.scope`;
views, the API and exports get their querysets here, never from the managers directly.

Querysets come ready for display: the related rows a list shows are joined or prefetched, so a
page costs the same number of queries whatever its length (asserted in tests/api/).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    DecimalField,
    F,
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from . import access
from .filters import Period, ProjectFilterSet, parse_period
from .models import (
    Category,
    ChainAssignment,
    ChainRole,
    MonthlyReport,
    Person,
    PlanRevision,
    Project,
    ProjectStatus,
    ProjectYear,
    Region,
    Unit,
    Withdrawal,
)

# --- Periods --------------------------------------------------------------------------------


def latest_period() -> Period | None:
    """The latest period computed: the max (year, month) in ProjectStatus, or None."""
    row = ProjectStatus.objects.order_by("-year", "-month").values_list("year", "month").first()
    return Period(*row) if row else None


def resolve_period(text: str | None) -> Period | None:
    """`?period=` as given, else the latest period computed. Bad text → ValidationError on
    `period`."""
    try:
        period = parse_period(text)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    return period or latest_period()


# --- Projects -------------------------------------------------------------------------------

_RATE = DecimalField(max_digits=12, decimal_places=6)
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def with_status(queryset: QuerySet, period: Period | None) -> QuerySet:
    """Annotates each project with its ProjectStatus for `period` (one LEFT JOIN, for filters
    and sorting): status_colour, status_investment_rate, status_investment_rate_original
    (against the original plan, 年初计划), status_time_progress, status_completed_ytd — null
    where the period has not been computed for the project — and prefetches the status itself
    (one query) as `project.period_status`, whose `reason` words the colour."""
    if period is None:
        return queryset.annotate(
            status_colour=Value(None, output_field=CharField()),
            status_investment_rate=Value(None, output_field=_RATE),
            status_investment_rate_original=Value(None, output_field=_RATE),
            status_time_progress=Value(None, output_field=_RATE),
            status_completed_ytd=Value(None, output_field=_MONEY),
        )
    statuses = ProjectStatus.objects.filter(year=period.year, month=period.month)
    return (
        queryset.annotate(
            period_status_row=FilteredRelation(
                "statuses",
                condition=Q(statuses__year=period.year, statuses__month=period.month),
            )
        )
        .annotate(
            status_colour=F("period_status_row__colour"),
            status_investment_rate=F("period_status_row__investment_rate"),
            status_investment_rate_original=F("period_status_row__investment_rate_original"),
            status_time_progress=F("period_status_row__time_progress"),
            status_completed_ytd=F("period_status_row__completed_ytd"),
        )
        .prefetch_related(Prefetch("statuses", queryset=statuses, to_attr="period_statuses"))
    )


def current_chain_prefetch() -> Prefetch:
    """The current chain (one person per role) as `project.current_chain`, in role order."""
    return Prefetch(
        "chain",
        queryset=ChainAssignment.objects.filter(end_date__isnull=True)
        .select_related("role", "person")
        .order_by("role__order", "role__code"),
        to_attr="current_chain",
    )


def project_queryset(*, user, period: Period | None = None, for_change: bool = False) -> QuerySet:
    """The projects `user` may see (or change), with region, town, unit, categories, the
    current chain and the status of `period` — a constant number of queries for any length."""
    projects = access.scope(user, Project.objects.all(), for_change=for_change)
    projects = projects.select_related("region", "town", "responsible_unit").prefetch_related(
        "categories", current_chain_prefetch()
    )
    return with_status(projects, period)


def project_list(*, user, filters: Mapping | None = None) -> QuerySet:
    """The filtered project list of the HTML page and the export: `filters` is the query string
    (see `ProjectFilterSet`). Bad filter values → ValidationError naming the field."""
    filters = filters if filters is not None else {}
    period = resolve_period(filters.get("period"))
    filterset = ProjectFilterSet(filters, queryset=project_queryset(user=user, period=period))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def project_by_code(*, user, code: str, for_change: bool = False) -> Project:
    """One project by code, within the user's scope; Project.DoesNotExist otherwise."""
    return access.scope(user, Project.objects.select_related("region"), for_change=for_change).get(
        code=code
    )


def project_history(*, project: Project) -> QuerySet:
    """The history rows of a project (already fetched through `project_by_code`), newest
    first."""
    return project.history.select_related("history_user").order_by("-history_date", "-history_id")


# --- Plans, reports, chain, withdrawals -----------------------------------------------------


def project_year_queryset(*, user, project: Project, for_change: bool = False) -> QuerySet:
    revisions = PlanRevision.objects.select_related("revised_by").order_by("revised_at", "pk")
    years = access.scope(user, ProjectYear.objects.filter(project=project), for_change=for_change)
    return years.prefetch_related(Prefetch("revisions", queryset=revisions)).order_by("year")


def report_queryset(*, user, project: Project, for_change: bool = False) -> QuerySet:
    reports = access.scope(
        user, MonthlyReport.objects.filter(project=project), for_change=for_change
    )
    return reports.select_related("reported_by").order_by("year", "month")


def report_history(*, report: MonthlyReport) -> QuerySet:
    """The history rows of a report (already fetched through `report_queryset`), newest first."""
    return report.history.select_related("history_user").order_by("-history_date", "-history_id")


def chain_queryset(*, user, project: Project) -> QuerySet:
    """Every assignment of the project's chain, current and past, by role then newest first."""
    return (
        access.scope(user, ChainAssignment.objects.filter(project=project))
        .select_related("role", "person")
        .order_by("role__order", "role__code", "-start_date", "-pk")
    )


def withdrawal_queryset(*, user, for_change: bool = False) -> QuerySet:
    return access.scope(user, Withdrawal.objects.all(), for_change=for_change).select_related(
        "project", "requested_by", "reviewer"
    )


# --- Reference lists ------------------------------------------------------------------------


def region_queryset(*, user) -> QuerySet:
    return access.scope(user, Region.objects.all())


def unit_queryset(*, user) -> QuerySet:
    return access.scope(user, Unit.objects.select_related("region"))


def person_queryset(*, user) -> QuerySet:
    return access.scope(user, Person.objects.select_related("unit", "region"))


def category_queryset(*, user) -> QuerySet:
    """Categories are installation-wide reference data: every signed-in user sees them."""
    return Category.objects.all()


def chain_role_queryset(*, user) -> QuerySet:
    """Chain roles are installation-wide reference data: every signed-in user sees them."""
    return ChainRole.objects.all()
