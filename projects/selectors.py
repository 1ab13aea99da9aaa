"""Reads of the projects app. Every function takes the user and goes through `access.scope`;
views, the API and exports get their querysets here, never from the managers directly.

Querysets come ready for display: the related rows a list shows are joined or prefetched, so a
page costs the same number of queries whatever its length (asserted in tests/api/).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from assessment.selectors import resolve_period, with_status
from core.periods import Period

from . import access, cycle
from .choices import FactorKind, MilestoneKind, Stage
from .filters import ProjectFilterSet
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
    Stoppage,
    TaskForce,
    TaskForceMember,
    Unit,
    Withdrawal,
    region_prefix,
)

# --- Projects -------------------------------------------------------------------------------


def current_chain_prefetch() -> Prefetch[str, QuerySet[ChainAssignment], str]:
    """The current chain (one person per role) as `project.current_chain`, in role order."""
    return Prefetch(
        "chain",
        queryset=ChainAssignment.objects.filter(end_date__isnull=True)
        .select_related("role", "person")
        .order_by("role__order", "role__code"),
        to_attr="current_chain",
    )


def project_queryset(
    *, user: access.Viewer, period: Period | None = None, for_change: bool = False
) -> QuerySet[Project]:
    """The projects `user` may see (or change), with region, town, unit, categories, the
    current chain and the status of `period` — a constant number of queries for any length."""
    projects = access.scope(user, Project.objects.all(), for_change=for_change)
    projects = projects.select_related("region", "town", "responsible_unit").prefetch_related(
        "categories", current_chain_prefetch()
    )
    return with_status(with_stopped_since(projects), period)


def with_stopped_since(projects: QuerySet[Project]) -> QuerySet[Project]:
    """`stopped_since`: the start date of the project's open stoppage (停工中), or None."""
    open_stoppage = Stoppage.objects.filter(project_id=OuterRef("pk"), resumed_on__isnull=True)
    return projects.annotate(stopped_since=Subquery(open_stoppage.values("stopped_on")[:1]))


def project_list(
    *, user: access.Viewer, filters: Mapping[str, Any] | None = None
) -> QuerySet[Project]:
    """The filtered project list of the HTML page and the export: `filters` is the query string
    (see `ProjectFilterSet`). Bad filter values → ValidationError naming the field."""
    filters = filters if filters is not None else {}
    period = resolve_period(filters.get("period"))
    filterset = ProjectFilterSet(filters, queryset=project_queryset(user=user, period=period))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    projects: QuerySet[Project] = filterset.qs  # django-filter is untyped
    return projects


def project_by_code(*, user: access.Viewer, code: str, for_change: bool = False) -> Project:
    """One project by code, within the user's scope; Project.DoesNotExist otherwise."""
    return access.scope(user, Project.objects.select_related("region"), for_change=for_change).get(
        code=code
    )


def project_history(*, project: Project) -> QuerySet[Any]:
    """The history rows of a project (already fetched through `project_by_code`), newest
    first."""
    history: QuerySet[Any] = project.history.all()  # simple-history's models are untyped
    return history.select_related("history_user").order_by("-history_date", "-history_id")


def project_search(*, user: access.Viewer, q: str) -> QuerySet[Project]:
    """The header's search: the user's projects whose code or name contains `q`, by code."""
    return (
        access.scope(user, Project.objects.select_related("region"))
        .filter(Q(code__icontains=q) | Q(name__icontains=q))
        .order_by("code")
    )


def stage_change_queryset(*, user: access.Viewer, project: Project) -> QuerySet[StageChange]:
    """A project's stage moves, newest first, with who made them."""
    return (
        access.scope(user, StageChange.objects.filter(project=project))
        .select_related("changed_by")
        .order_by("-changed_on", "-recorded_at")
    )


# --- Plans, reports, chain, withdrawals -----------------------------------------------------


def project_year_queryset(
    *, user: access.Viewer, project: Project, for_change: bool = False
) -> QuerySet[ProjectYear]:
    revisions = PlanRevision.objects.select_related("revised_by").order_by("revised_at", "pk")
    years = access.scope(user, ProjectYear.objects.filter(project=project), for_change=for_change)
    return years.prefetch_related(Prefetch("revisions", queryset=revisions)).order_by("year")


def report_queryset(
    *, user: access.Viewer, project: Project, for_change: bool = False
) -> QuerySet[MonthlyReport]:
    reports = access.scope(
        user, MonthlyReport.objects.filter(project=project), for_change=for_change
    )
    return reports.select_related("reported_by", "warnings_confirmed_by").order_by("year", "month")


def report_history(*, report: MonthlyReport) -> QuerySet[Any]:
    """The history rows of a report (already fetched through `report_queryset`), newest first."""
    history: QuerySet[Any] = report.history.all()  # simple-history's models are untyped
    return history.select_related("history_user").order_by("-history_date", "-history_id")


def chain_queryset(*, user: access.Viewer, project: Project) -> QuerySet[ChainAssignment]:
    """Every assignment of the project's chain, current and past, by role then newest first."""
    return (
        access.scope(user, ChainAssignment.objects.filter(project=project))
        .select_related("role", "person")
        .order_by("role__order", "role__code", "-start_date", "-pk")
    )


def withdrawal_queryset(*, user: access.Viewer, for_change: bool = False) -> QuerySet[Withdrawal]:
    return access.scope(user, Withdrawal.objects.all(), for_change=for_change).select_related(
        "project", "requested_by", "reviewer"
    )


# --- Reference lists ------------------------------------------------------------------------


def region_queryset(*, user: access.Viewer) -> QuerySet[Region]:
    return access.scope(user, Region.objects.all())


def unit_queryset(*, user: access.Viewer) -> QuerySet[Unit]:
    return access.scope(user, Unit.objects.select_related("region"))


def person_queryset(*, user: access.Viewer) -> QuerySet[Person]:
    return access.scope(user, Person.objects.select_related("unit", "region"))


def category_queryset(
    *,
    user: access.Viewer,  # noqa: ARG001  (every selector takes the user)
) -> QuerySet[Category]:
    """Categories are installation-wide reference data: every signed-in user sees them."""
    return Category.objects.all()


def chain_role_queryset(
    *,
    user: access.Viewer,  # noqa: ARG001  (every selector takes the user)
) -> QuerySet[ChainRole]:
    """Chain roles are installation-wide reference data: every signed-in user sees them."""
    return ChainRole.objects.all()


# --- The monthly reporting sheet ------------------------------------------------------------


@dataclass
class SheetRow:
    """One line of the sheet: the project, its report for the month (if any) and the context an
    official needs to fill it in (annual plan, completed before this month)."""

    project: Project
    report: MonthlyReport | None
    annual_plan: Decimal | None = None
    completed_before: Decimal = Decimal("0")
    form: Any = None  # the row's form, set by the page
    conflict: str = ""
    warnings: list[str] = field(default_factory=list)  # plausibility, set by the page

    @property
    def completed_ytd(self) -> Decimal | None:
        if self.form is not None and self.form.is_bound and self.form.is_valid():
            amount = self.form.cleaned_data.get("completed_investment")
        else:
            amount = self.report.completed_investment if self.report else None
        return None if amount is None else self.completed_before + amount


def sheet_rows(*, user: access.Viewer, district: Region, year: int, month: int) -> list[SheetRow]:
    """The projects of `district` that report for the month — under construction, planned for
    the year, or already reported — with their annual plan and what they completed before this
    month. Four queries whatever the number of projects."""
    projects = list(
        access.scope(user, Project.objects.active(), for_change=True)
        .filter(region=district)
        .filter(cycle.due_q(year, month))
        .order_by("code")
    )
    ids = [p.pk for p in projects]
    plans = dict(
        ProjectYear.objects.filter(project_id__in=ids, year=year).values_list(
            "project_id", "annual_plan"
        )
    )
    before = dict(
        MonthlyReport.objects.filter(project_id__in=ids, year=year, month__lt=month)
        .values("project_id")
        .annotate(total=Sum("completed_investment"))
        .values_list("project_id", "total")
    )
    reports = {
        r.project_id: r
        for r in MonthlyReport.objects.filter(
            project_id__in=ids, year=year, month=month
        ).select_related("reported_by")
    }
    return [
        SheetRow(
            project=p,
            report=reports.get(p.pk),
            annual_plan=plans.get(p.pk),
            completed_before=before.get(p.pk) or Decimal("0"),
        )
        for p in projects
    ]


# --- A project's page -----------------------------------------------------------------------


def milestone_queryset(*, user: access.Viewer, project: Project) -> QuerySet[Milestone]:
    """The project's milestones with their responsible person, by due date."""
    return (
        access.scope(user, Milestone.objects.filter(project=project))
        .select_related("responsible")
        .order_by("due_date")
    )


def stoppage_queryset(*, user: access.Viewer, project: Project) -> QuerySet[Stoppage]:
    """The project's stoppages (停工/复工), newest first; the open one (if any) comes first."""
    return access.scope(user, Stoppage.objects.filter(project=project)).order_by(
        "-stopped_on", "-pk"
    )


def task_force_queryset(*, user: access.Viewer, project: Project) -> QuerySet[TaskForce]:
    """The project's task forces (专班), active ones first, with their lead and their members
    (current and past, by the day they joined) — three queries for any number."""
    members = TaskForceMember.objects.select_related("person__unit").order_by(
        F("left_on").asc(nulls_first=True), "joined_on", "pk"
    )
    return (
        access.scope(user, TaskForce.objects.filter(project=project))
        .select_related("lead")
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="member_rows"))
        .order_by(F("dissolved_on").desc(nulls_first=True), "-established_on", "pk")
    )


def factor_queryset(*, user: access.Viewer, project: Project) -> QuerySet[FactorGuarantee]:
    """The project's factor guarantees (要素保障)."""
    return access.scope(user, FactorGuarantee.objects.filter(project=project))


def monthly_plan_queryset(*, project_year: ProjectYear) -> QuerySet[MonthlyPlan]:
    """The monthly plan of a project's year (already fetched through `project_year_queryset`),
    by month."""
    return MonthlyPlan.objects.filter(project_year=project_year).order_by("month")


# --- 前期手续 across projects -----------------------------------------------------------------

APPROVAL_KINDS = [k for k in MilestoneKind.values if k not in (MilestoneKind.CONSTRUCTION,)]


def approvals_overview(
    *, user: access.Viewer, region: str | None = None, on: dt.date
) -> tuple[list[dict[str, Any]], list[Milestone]]:
    """The 前期手续 of the user's projects (withdrawn ones left out), optionally of one district
    (a region code prefix): per district, how many projects still lack an approval, how many
    approvals are overdue, and how many projects got several permits on one day (多证连发: two
    or more approvals completed on the same date); and the open approvals themselves, by project
    and due date. Three queries whatever the size."""
    approvals = access.scope(
        user,
        Milestone.objects.filter(kind__in=APPROVAL_KINDS).exclude(project__stage=Stage.WITHDRAWN),
    )
    if region:
        approvals = approvals.filter(project__region__code__startswith=region_prefix(region))
    open_rows = list(
        approvals.filter(done_on__isnull=True)
        .select_related("project__region", "responsible")
        .order_by("project__region__code", "project__code", "due_date", "pk")
    )
    together = (
        approvals.filter(done_on__isnull=False)
        .values("project_id", "project__region_id", "done_on")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by()
    )
    several: dict[str, set[int]] = {}
    for row in together:
        several.setdefault(row["project__region_id"], set()).add(row["project_id"])
    districts: dict[str, dict[str, Any]] = {}
    for m in open_rows:
        d = districts.setdefault(
            m.project.region_id,
            {"region": m.project.region, "projects": set(), "overdue": 0, "several": 0},
        )
        d["projects"].add(m.project_id)
        d["overdue"] += m.is_overdue(on)
    names = dict(
        Region.objects.filter(code__in=several.keys() - districts.keys()).values_list(
            "code", "name"
        )
    )
    for code, ids in several.items():
        d = districts.setdefault(
            code,
            {
                "region": Region(code=code, name=names.get(code, code)),
                "projects": set(),
                "overdue": 0,
                "several": 0,
            },
        )
        d["several"] = len(ids)
    summary = [{**d, "lacking": len(d["projects"])} for _code, d in sorted(districts.items())]
    return summary, open_rows


# --- 要素保障 gaps across projects ---------------------------------------------------------


def factor_gaps(
    *, user: access.Viewer, region: str | None = None, kind: str | None = None
) -> tuple[list[dict[str, Any]], list[FactorGuarantee]]:
    """Unmet factor demand (需求 − 已保障, where positive) across the user's projects (withdrawn
    ones left out), optionally of one district and one kind: per kind the demand, secured and
    gap summed over the projects with a gap, and the projects themselves (largest gap first).
    The gap of a kind is the sum of the projects' gaps (one project's surplus never covers
    another's shortfall). Two queries."""
    gap = F("demand") - F("secured")
    found = access.scope(
        user,
        FactorGuarantee.objects.exclude(project__stage=Stage.WITHDRAWN).filter(
            demand__gt=F("secured")
        ),
    )
    if region:
        found = found.filter(project__region__code__startswith=region_prefix(region))
    if kind:
        found = found.filter(kind=kind)
    rows: QuerySet[Any] = found.annotate(
        shortfall=ExpressionWrapper(gap, output_field=DecimalField(max_digits=16, decimal_places=2))
    )
    totals = {
        t["kind"]: t
        for t in rows.order_by()
        .values("kind")
        .annotate(
            projects=Count("project", distinct=True),
            demand_sum=Sum("demand"),
            secured_sum=Sum("secured"),
            gap_sum=Sum("shortfall"),
        )
    }
    cent = Decimal("0.01")
    for t in totals.values():  # the database's sums as Decimal cents, whatever the backend
        for name in ("demand_sum", "secured_sum", "gap_sum"):
            t[name] = Decimal(str(t[name] or 0)).quantize(cent)
    summary = [
        {"kind": k, "label": k.label, "unit": k.unit, **totals[k.value]}
        for k in FactorKind
        if k.value in totals
    ]
    order = {k: n for n, k in enumerate(FactorKind.values)}
    listed = sorted(
        rows.select_related("project__region").order_by("-shortfall", "project__code"),
        key=lambda f: order[f.kind],  # stable: by kind in the summary's order, largest gap first
    )
    for f in listed:
        f.shortfall = f.gap  # the model's Decimal (the annotation ordered them)
    return summary, listed
