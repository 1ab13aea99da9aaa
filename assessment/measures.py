"""Measures (DOMAIN.md "Measures") — the one home of every figure.

Two layers, both set-wise in the database (no Python loop over projects):

1. **Per project and period** — `figures_sql()` is the SELECT that computes, for every project of a
   period's portfolio, the figures of DOMAIN.md as of the end of the period: completed_ytd,
   annual and original plan, the monthly-plan time progress, new start / started, planned
   finish / finished, 纳统, 四新, the planning pool and its conversion, the leader holding the
   chain's leader role at the period's end, overdue milestones, months since the last report
   and the year's issues. It aggregates each source table once (GROUP BY / window functions in
   derived tables, written with the ORM so the same code runs on SQLite and PostgreSQL) and
   joins them to the projects. `projects.recompute` stores the result as `ProjectStatus` rows
   together with the colours of `projects.colours`.

2. **Per group** — `summary()` sums and counts the stored `ProjectStatus` rows of a set of
   projects, grouped by region (children of a region), level, category, leader or unit, with
   conditional aggregation in one query. Group rates are ratios of those sums (never the mean
   of the projects' rates), computed by `ratio()` with exact decimals; a zero denominator gives
   None (null), never 0 or an error.

Definitions that the articles leave open, decided here:
- "As of" is the period's last day (or today, for the month still running). Dates decide —
  actual start and completion, 纳统 date, milestone completion, stage moves, chain spans, when an
  issue was raised and resolved — so a period's figures do not change when later data arrives.
  A project recorded as 在建 (or later) with no start date counts as started; one recorded as
  竣工/投产 with no completion date counts as completed; 纳统 with no date counts as 纳统.
- A period's portfolio: projects with a plan row for the year, under construction at the
  period's end, or in the planning pool (谋划/储备) at the start of the year; projects
  withdrawn (退库) by the period's end are left out.
- Statistics-inclusion rate (纳统率) = projects in statistics / projects started (only a
  started project can be 纳统; the articles' 34 of 44 are 44 started projects).
- Issue resolution rate (办结率) = issues raised from 1 January of Y to the period's end that
  are resolved (resolved, feedback given or closed) by the period's end / those issues.
  On-time rate (按期办结率) = those resolved no later than their deadline's day (or without a
  deadline) / the same issues.
- Time progress (时间进度) of a group = Σ expected_ytd / Σ annual plan, where expected_ytd is
  the monthly plan's months 1..m for projects that have one and annual plan × m/12 otherwise;
  a group with no annual plan has time progress m/12.
- 四新 share = completed_ytd of projects tagged 四新经济 (category code `four_new`, or the
  MEASURES_FOUR_NEW_CATEGORY setting) / completed_ytd of all.
- Conversion rate (落地转化率) = projects in 谋划/储备 at the start of Y (their last stage move
  before 1 January; projects without any stage history count by their current stage) that
  moved into 在建 between 1 January and the period's end (a StageChange into 在建, or an actual
  start in that span) / projects in 谋划/储备 at the start of Y.
- Leader (包联领导) of a project for a period: the person holding a chain role flagged
  `is_leader` on the period's last day (the first such role by order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sized
from decimal import Decimal
from typing import Any, TypeAlias, cast

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, Substr
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.models import MONEY
from core.periods import Period
from projects import access
from projects.choices import Level, RegionLevel, Stage
from projects.models import (
    Category,
    ChainAssignment,
    Milestone,
    MonthlyPlan,
    MonthlyReport,
    MonthStatus,
    Person,
    Project,
    ProjectQuerySet,
    Region,
    ReportingMonth,
    StageChange,
    Unit,
)
from supervision import issue_sets
from supervision.models import Issue

from .choices import ProjectSet
from .models import ProjectStatus

# A summary row or a group's sums: measure name → value (Decimal, int or None).
Row: TypeAlias = dict[str, Any]
# SQL with its parameters.
Sql: TypeAlias = tuple[str, tuple[Any, ...]]

ZERO = Decimal("0")
MONEY_QUANTUM = Decimal("0.01")
FOUR_NEW_CATEGORY = getattr(settings, "MEASURES_FOUR_NEW_CATEGORY", "four_new")
GROUPINGS = ("region", "level", "category", "leader", "unit")
# A per-project rate stored in ProjectStatus (numeric(12, 6)) is capped here so that absurd data
# (a plan of a few yuan) cannot overflow the column and stop a whole period's computation.
RATE_CEILING = Decimal("999999")


# --- Rates ------------------------------------------------------------------------------------


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    """numerator / denominator as an exact Decimal; None when the denominator is zero, or
    either is null (a sum that is not known)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


class Ratio(Func):
    """SQL: numerator / denominator as a decimal, NULL where the denominator is NULL or ≤ 0,
    capped at RATE_CEILING. SQLite divides integers as integers, so it divides as REAL there;
    PostgreSQL divides numerics exactly."""

    output_field = DecimalField(max_digits=20, decimal_places=8)

    def as_sql(  # type: ignore[override]  # takes none of Func's template arguments
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (num_sql, num_params), (den_sql, den_params) = (
            compiler.compile(expr) for expr in self.get_source_expressions()
        )
        real = f"CAST({num_sql} AS REAL)" if connection.vendor == "sqlite" else num_sql
        sql = (
            f"CASE WHEN {den_sql} > 0 THEN CASE WHEN {num_sql} >= {den_sql} * {RATE_CEILING} "
            f"THEN {RATE_CEILING} ELSE {real} / {den_sql} END END"
        )
        return sql, (*den_params, *num_params, *den_params, *num_params, *den_params)


# --- Layer 1: per project ---------------------------------------------------------------------


def project_rates(period: Period) -> dict[str, Ratio | Case]:
    """SQL expressions of one project's rates over its ProjectStatus figures."""
    rate_field = DecimalField(max_digits=20, decimal_places=8)
    return {
        "investment_rate": Ratio(F("completed_ytd"), F("annual_plan")),
        "investment_rate_original": Ratio(F("completed_ytd"), F("original_plan")),
        "time_progress": Case(
            When(
                planned_ytd__isnull=False,
                annual_plan__gt=0,
                then=Ratio(F("planned_ytd"), F("annual_plan")),
            ),
            default=Value(period.time_progress, output_field=rate_field),
            output_field=rate_field,
        ),
    }


# The columns of `figures_sql()`, named like the ProjectStatus fields they fill.
FIGURE_COLUMNS = (
    "project_id",
    "year",
    "month",
    "region_id",
    "level",
    "unit_id",
    "leader_id",
    "annual_plan",
    "original_plan",
    "planned_ytd",
    "completed_ytd",
    "best_month",
    "new_start",
    "started",
    "planned_finish",
    "finished",
    "under_construction",
    "in_statistics",
    "four_new",
    "pool_at_start",
    "converted",
    "planned_start",
    "actual_start",
    "months_without_report",
    "milestones_overdue",
    "milestone_overdue_days",
    "milestone_overdue_name",
    "issues",
    "issues_resolved",
    "issues_on_time",
)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _compiled(qs: QuerySet[Any]) -> Sql:
    sql, params = qs.order_by().query.sql_with_params()
    return sql, tuple(params)


def read_reports_q() -> Q:
    """Which saved reports the measures read (`REPORTING_MEASURES_READ`): `all` — every saved
    report, at once (the default: installations that do not use the review keep today's
    figures); `submitted` — only the months a district has submitted or the city accepted;
    `accepted` — only accepted months. A district's month is `projects.ReportingMonth`."""
    mode = settings.REPORTING_MEASURES_READ
    if mode == "all":
        return Q()
    statuses = [MonthStatus.ACCEPTED]
    if mode == "submitted":
        statuses.append(MonthStatus.SUBMITTED)
    return Q(
        Exists(
            ReportingMonth.objects.filter(
                region_id=OuterRef("project__region_id"),
                year=OuterRef("year"),
                month=OuterRef("month"),
                status__in=statuses,
            )
        )
    )


def _derived_tables(
    period: Period,
    as_of: dt.date,
    selection: QuerySet[Any] | None,
    report_window: int,
    id_range: tuple[int, int] | None = None,
) -> list[tuple[str, QuerySet[Any]]]:
    """One aggregate per source table, each keyed by `pid` (the project id)."""

    def limited(qs: QuerySet[Any], path: str = "project_id") -> QuerySet[Any]:
        if id_range is not None:
            qs = qs.filter(**{f"{path}__gte": id_range[0], f"{path}__lt": id_range[1]})
        return qs if selection is None else qs.filter(**{f"{path}__in": selection})

    y, m = period.year, period.month
    money = DecimalField(**MONEY)
    # Reports: completed_ytd (months 1..m of Y) and the last month reported since the lookback.
    since = period.lookback_start(report_window)
    in_span = Q(year=y, month__lte=m)
    if since.year < y:
        in_span |= Q(year=since.year, month__gte=since.month)
    reports = (
        limited(MonthlyReport.objects.filter(in_span, read_reports_q()))
        .values(pid=F("project_id"))
        .annotate(
            completed_ytd=Sum(
                Case(When(year=y, then=F("completed_investment")), default=Value(ZERO)),
                output_field=money,
            ),
            last_index=Max(F("year") * 12 + F("month")),
            best_month=Max(
                Case(When(year=y, then=F("completed_investment")), default=Value(ZERO)),
                output_field=money,
            ),
        )
    )
    # Monthly plan (分月计划): months 1..m; no row when the project has no monthly plan for Y.
    monthly_plans = (
        limited(MonthlyPlan.objects.filter(project_year__year=y), "project_year__project_id")
        .values(pid=F("project_year__project_id"))
        .annotate(
            planned_ytd=Sum(
                Case(When(month__lte=m, then=F("amount")), default=Value(ZERO)),
                output_field=money,
            )
        )
    )
    # Issues raised from 1 January of Y to the end of the period, and how many were resolved
    # (and resolved on time) by then.
    # The conditions are `supervision.issue_sets`' (the issue board filters with the same).
    end_ts = issue_sets.period_end(period, as_of)
    resolved = issue_sets.resolved_q(end_ts)
    on_time = issue_sets.on_time_q(end_ts)
    issues = (
        limited(Issue.objects.filter(issue_sets.raised_q(period, end_ts)))
        .values(pid=F("project_id"))
        .annotate(
            issues=Count("id"),
            issues_resolved=Count("id", filter=resolved),
            issues_on_time=Count("id", filter=on_time),
        )
    )
    # Stage history: whether a project has any, moved into 在建 during Y up to the period's
    # end, and whether its withdrawal (退库) came after the period's end.
    stage_moves = (
        limited(StageChange.objects.all())
        .values(pid=F("project_id"))
        .annotate(
            moves=Count("id"),
            moved_in=Max(
                Case(
                    When(
                        to_stage=Stage.CONSTRUCTION,
                        changed_on__gte=period.year_start,
                        changed_on__lte=as_of,
                        then=Value(1),
                    ),
                    default=Value(0),
                )
            ),
            withdrawn_later=Max(
                Case(
                    When(to_stage=Stage.WITHDRAWN, changed_on__gt=as_of, then=Value(1)),
                    default=Value(0),
                )
            ),
        )
    )
    # The stage a project was in when Y began: its last move before 1 January.
    stage_before = (
        limited(StageChange.objects.filter(changed_on__lt=period.year_start))
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=[F("changed_on").desc(), F("recorded_at").desc(), F("id").desc()],
            )
        )
        .filter(rn=1)
        .values(pid=F("project_id"), stage_before=F("to_stage"))
    )
    # The leader (包联领导) on the period's last day.
    leaders = (
        limited(
            ChainAssignment.objects.filter(
                role__is_leader=True, role__active=True, start_date__lte=as_of
            ).filter(Q(end_date__isnull=True) | Q(end_date__gt=as_of))
        )
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=[F("role__order").asc(), F("start_date").desc(), F("id").desc()],
            )
        )
        .filter(rn=1)
        .values(pid=F("project_id"), leader_id=F("person_id"))
    )
    # Milestones past due and not done on the period's last day: how many, the earliest.
    milestones = (
        limited(
            Milestone.objects.filter(due_date__lt=as_of).filter(
                Q(done_on__isnull=True) | Q(done_on__gt=as_of)
            )
        )
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=[F("due_date").asc(), F("id").asc()],
            ),
            n_overdue=Window(Count("id"), partition_by=[F("project_id")]),
        )
        .filter(rn=1)
        .values(pid=F("project_id"), overdue=F("n_overdue"), since=F("due_date"), title=F("name"))
    )
    four_new = (
        limited(Project.categories.through.objects.filter(category__code=FOUR_NEW_CATEGORY))
        .values(pid=F("project_id"))
        .annotate(n=Count("id"))
    )
    return [
        ("r", reports),
        ("mp", monthly_plans),
        ("i", issues),
        ("sc", stage_moves),
        ("sb", stage_before),
        ("ch", leaders),
        ("ms", milestones),
        ("fn", four_new),
    ]


def _days_between(later: dt.date, column: str) -> Sql:
    """SQL for the whole days from `column` (a date) to `later`."""
    if connection.vendor == "postgresql":
        return f"(%s::date - {column})", (later,)
    return f"CAST(julianday(%s) - julianday({column}) AS INTEGER)", (later,)


def figures_sql(
    *,
    period: Period,
    as_of: dt.date,
    projects_qs: QuerySet[Project] | None = None,
    report_window: int = 2,
    id_range: tuple[int, int] | None = None,
) -> Sql:
    """The SELECT of every project's figures for `period` (columns: FIGURE_COLUMNS), for the
    projects of `projects_qs` (None: all projects), as of `as_of`. `report_window`: the months
    the reporting check looks back (`Period.lookback_start`)."""
    selection = None if projects_qs is None else projects_qs.order_by().values("pk")
    pieces: list[Sql] = []

    def add(sql: str, *params: Any) -> None:
        pieces.append((sql, params))

    started_stages = Stage.started()
    finished_stages = [Stage.COMPLETED, Stage.OPERATING]
    planning = Stage.planning()
    marks: Callable[[Sized], str] = lambda values: ", ".join(["%s"] * len(values))  # noqa: E731
    days_sql, days_params = _days_between(as_of, "ms.since")
    project_table = Project._meta.db_table
    plan_table = Project.years.rel.related_model._meta.db_table

    add("SELECT b.project_id, b.year, b.month, b.region_id, b.level, b.unit_id, b.leader_id,")
    add(" b.annual_plan, b.original_plan, b.planned_ytd, b.completed_ytd, b.best_month,")
    add(" b.new_start,")
    add(" b.started, b.planned_finish, b.finished, (b.started AND NOT b.finished)")
    add(" AS under_construction, b.in_statistics, b.four_new, b.pool_at_start,")
    add(" (b.pool_at_start AND b.moved_in) AS converted, b.planned_start, b.actual_start,")
    add(" b.months_without_report, b.milestones_overdue, b.milestone_overdue_days,")
    add(" b.milestone_overdue_name, b.issues, b.issues_resolved, b.issues_on_time FROM (")
    add(" SELECT p.id AS project_id, %s AS year, %s AS month,", period.year, period.month)
    add(" p.region_id AS region_id, p.level AS level, p.responsible_unit_id AS unit_id,")
    add(" ch.leader_id AS leader_id, py.annual_plan AS annual_plan,")
    add(" py.original_plan AS original_plan, mp.planned_ytd AS planned_ytd,")
    add(" COALESCE(r.completed_ytd, 0) AS completed_ytd,")
    add(" COALESCE(r.best_month, 0) AS best_month,")
    add(" COALESCE(py.new_start, %s) AS new_start,", False)
    add(
        f" COALESCE(p.actual_start <= %s, p.stage IN ({marks(started_stages)})) AS started,",
        as_of,
        *started_stages,
    )
    add(
        f" COALESCE(p.actual_completion <= %s, p.stage IN ({marks(finished_stages)})) AS finished,",
        as_of,
        *finished_stages,
    )
    add(" COALESCE(py.planned_completion, %s) AS planned_finish,", False)
    add(
        " (p.in_statistics AND COALESCE(p.statistics_date <= %s, %s)) AS in_statistics,",
        as_of,
        True,
    )
    add(" (fn.pid IS NOT NULL) AS four_new,")
    add(
        f" CASE WHEN sb.stage_before IS NOT NULL THEN sb.stage_before IN ({marks(planning)})"
        f" WHEN sc.pid IS NULL THEN p.stage IN ({marks(planning)}) ELSE %s END"
        " AS pool_at_start,",
        *planning,
        *planning,
        False,
    )
    add(
        " (COALESCE(sc.moved_in, 0) = 1 OR COALESCE(p.actual_start BETWEEN %s AND %s, %s))"
        " AS moved_in,",
        period.year_start,
        as_of,
        False,
    )
    add(" p.planned_start AS planned_start, p.actual_start AS actual_start,")
    add(" %s - r.last_index AS months_without_report,", period.index)
    add(" COALESCE(ms.overdue, 0) AS milestones_overdue,")
    add(f" {days_sql} AS milestone_overdue_days,", *days_params)
    add(" COALESCE(ms.title, '') AS milestone_overdue_name,")
    add(" COALESCE(i.issues, 0) AS issues, COALESCE(i.issues_resolved, 0) AS issues_resolved,")
    add(" COALESCE(i.issues_on_time, 0) AS issues_on_time,")
    add(" (py.id IS NOT NULL) AS has_plan,")
    add(" (p.stage = %s AND COALESCE(sc.withdrawn_later, 0) = 0) AS withdrawn", Stage.WITHDRAWN)
    add(f" FROM {project_table} p")
    add(
        f" LEFT JOIN {plan_table} py ON (py.project_id = p.id AND py.year = %s)",
        period.year,
    )
    for alias, qs in _derived_tables(period, as_of, selection, report_window, id_range):
        sql, params = _compiled(qs)
        add(f" LEFT JOIN ({sql}) {alias} ON ({alias}.pid = p.id)", *params)
    where = []
    if selection is not None:
        sql, params = _compiled(selection)
        where.append((f"p.id IN ({sql})", params))
    if id_range is not None:
        where.append(("p.id >= %s AND p.id < %s", id_range))
    if where:
        add(" WHERE " + " AND ".join(sql for sql, _ in where), *(p for _, ps in where for p in ps))
    add(" ) b WHERE NOT b.withdrawn AND (b.has_plan OR (b.started AND NOT b.finished)")
    add(" OR b.pool_at_start)")
    return "".join(sql for sql, _params in pieces), tuple(p for _sql, ps in pieces for p in ps)


# --- Layer 2: per group -----------------------------------------------------------------------

MONEY_MEASURES = ("annual_plan", "original_plan", "completed_ytd", "four_new_completed")
RATE_MEASURES = (
    "investment_rate",
    "investment_rate_original",
    "time_progress",
    "start_rate",
    "finish_rate",
    "statistics_rate",
    "resolution_rate",
    "on_time_rate",
    "four_new_share",
    "conversion_rate",
)
# The order of a summary row's fields (INTERFACES.md §4 first, then the extensions).
ROW_FIELDS = (
    "key",
    "name",
    "projects",
    "annual_plan",
    "completed_ytd",
    "investment_rate",
    "time_progress",
    "new_start_planned",
    "new_start_started",
    "start_rate",
    "finish_planned",
    "finished",
    "finish_rate",
    "in_statistics",
    "statistics_rate",
    "issues",
    "issues_resolved",
    "resolution_rate",
    "green",
    "white",
    "yellow",
    "red",
    # extensions
    "original_plan",
    "investment_rate_original",
    "under_construction",
    "started",
    "issues_on_time",
    "on_time_rate",
    "four_new_completed",
    "four_new_share",
    "pool_at_start",
    "converted",
    "conversion_rate",
)


def _aggregates() -> dict[str, Count | Coalesce]:
    """The sums and counts of a group, in one SELECT (conditional aggregation). Named with an
    `agg_` prefix: an aggregate named like a field would shadow the field in later ones."""

    def count(**conditions: Any) -> Count:
        return Count("id", filter=Q(**conditions))

    def money_sum(field: str, **conditions: Any) -> Coalesce:
        return Coalesce(
            Sum(field, filter=Q(**conditions) if conditions else None),
            Value(ZERO),
            output_field=DecimalField(**MONEY),
        )

    aggregates: dict[str, Count | Coalesce] = {
        "projects": Count("id"),
        "annual_plan": money_sum("annual_plan"),
        "original_plan": money_sum("original_plan"),
        "completed_ytd": money_sum("completed_ytd"),
        "planned_ytd": money_sum("planned_ytd"),
        "plan_by_time": money_sum("annual_plan", planned_ytd__isnull=True),
        # the counted sets are ProjectSet's: the lists behind the figures filter with the same
        **{
            name: count(**ProjectSet(name).conditions)
            for name in (
                "new_start_planned",
                "new_start_started",
                "finish_planned",
                "finished",
                "under_construction",
                "started",
                "in_statistics",
            )
        },
        "issues": Coalesce(Sum("issues"), Value(0)),
        "issues_resolved": Coalesce(Sum("issues_resolved"), Value(0)),
        "issues_on_time": Coalesce(Sum("issues_on_time"), Value(0)),
        "four_new_completed": money_sum("completed_ytd", **ProjectSet.FOUR_NEW.conditions),
        "pool_at_start": count(**ProjectSet.POOL.conditions),
        "converted": count(**ProjectSet.CONVERTED.conditions),
        **{colour: count(colour=colour) for colour in ("green", "white", "yellow", "red")},
    }
    return {f"agg_{name}": aggregate for name, aggregate in aggregates.items()}


def _unprefixed(row: Row) -> Row:
    return {name.removeprefix("agg_"): value for name, value in row.items()}


def _ratios(row: Row) -> Row:
    """A group's rates from its sums (all but time progress): ratios of sums, None on a zero
    denominator."""
    return {
        "investment_rate": ratio(row["completed_ytd"], row["annual_plan"]),
        "investment_rate_original": ratio(row["completed_ytd"], row["original_plan"]),
        "start_rate": ratio(row["new_start_started"], row["new_start_planned"]),
        "finish_rate": ratio(row["finished"], row["finish_planned"]),
        "statistics_rate": ratio(row["in_statistics"], row["started"]),
        "resolution_rate": ratio(row["issues_resolved"], row["issues"]),
        "on_time_rate": ratio(row["issues_on_time"], row["issues"]),
        "four_new_share": ratio(row["four_new_completed"], row["completed_ytd"]),
        "conversion_rate": ratio(row["converted"], row["pool_at_start"]),
    }


def _with_rates(row: Row, period: Period) -> Row:
    """Adds the group rates to a row of sums: ratios of sums, None on a zero denominator."""
    plan = row["annual_plan"]
    expected = row.pop("planned_ytd") + row.pop("plan_by_time") * period.time_progress
    row["time_progress"] = ratio(expected, plan) if plan else period.time_progress
    row.update(_ratios(row))
    for name in MONEY_MEASURES:
        row[name] = Decimal(row[name]).quantize(MONEY_QUANTUM)
    return {name: row.get(name) for name in ROW_FIELDS}


def _empty_sums() -> Row:
    sums: Row = {name: 0 for name in _unprefixed(_aggregates())}
    for name in (*MONEY_MEASURES, "planned_ytd", "plan_by_time"):
        sums[name] = ZERO
    return sums


def children_of(region: Region) -> list[Region]:
    return list(region.children.order_by("order", "code"))


def _group_key(
    group_by: str, parent: Region | None, children: list[Region]
) -> tuple[F | Substr, dict[Any, tuple[str, str]] | None]:
    """The SQL expression each ProjectStatus row is grouped by, and key → (code, name)."""
    if group_by == "level":
        return F("level"), {value: (value, str(label)) for value, label in Level.choices}
    if group_by == "region":
        if parent is None:
            raise ValueError(_("按区域分组需要指定上级区域。"))
        keys = {child.prefix: (child.code, child.name) for child in children}
        if parent.level == RegionLevel.COUNTY:  # a district's towns: by the project's town
            return F("project__town_id"), keys
        lengths = {len(prefix) for prefix in keys} or {6}
        if len(lengths) > 1:
            raise ValueError(_("下级区域代码层级不一致：%(c)s") % {"c": parent.code})
        return Substr("region_id", 1, lengths.pop()), keys
    if group_by == "category":
        return F("project__categories__code"), None
    if group_by == "leader":
        return F("leader_id"), None
    if group_by == "unit":
        return F("unit_id"), None
    raise ValueError(
        _("分组方式应为 %(choices)s 之一：%(g)s") % {"choices": ", ".join(GROUPINGS), "g": group_by}
    )


def _names(group_by: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    """key → (key, name) for groupings whose names live in another table (one query)."""
    if group_by == "category":
        categories = Category.objects.filter(Q(active=True) | Q(code__in=keys))
        return {c.code: (c.code, c.name) for c in categories.order_by("order", "name")}
    ids = [k for k in keys if k is not None]
    if group_by == "leader":
        people = Person.objects.filter(pk__in=ids).order_by("name", "pk")
        return {p.pk: (str(p.pk), p.name) for p in people}
    if group_by == "unit":
        units = Unit.objects.filter(pk__in=ids).order_by("name", "pk")
        return {u.pk: (str(u.pk), u.name) for u in units}
    return {}


def statuses(
    *,
    projects_qs: QuerySet[Project] | None,
    period: Period,
    within: Region | None = None,
    districts: Iterable[Region] | None = None,
    user: access.Viewer | None = None,
) -> QuerySet[ProjectStatus]:
    """The stored ProjectStatus rows of `period`: of the projects of `projects_qs` (None: all),
    of `within` (a region) and visible to `user` (`access.scope`; None: no limit).

    `within` is matched on the district stored with each row — the district the project was
    in during the period, read through the (region, year, month) index — or, for a town, on
    the project's town; `districts` may give that region's districts when the caller has
    them already. A region's figures for a period are those of the projects it had then."""
    qs = ProjectStatus.objects.filter(year=period.year, month=period.month)
    if within is not None:
        if within.level == RegionLevel.TOWN:
            qs = qs.filter(project__town__code__startswith=within.prefix)
        else:
            if districts is None:
                districts = Region.objects.filter(
                    code__startswith=within.prefix, level=RegionLevel.COUNTY
                )
            # a list of codes, not a subquery: the planner sees how few rows it will read
            qs = qs.filter(region__in=[district.code for district in districts])
    if projects_qs is not None:
        qs = qs.filter(project__in=projects_qs.order_by().values("pk"))
    if user is not None:
        qs = access.scope(user, qs)
    return qs.order_by()


# Groupings in which every status row falls in exactly one group: their total is the sum of
# the groups (a project counts in each of its categories, so "category" needs its own query).
PARTITIONS = ("region", "level", "leader", "unit")


def _grouped(
    *,
    projects_qs: QuerySet[Project] | None,
    period: Period,
    group_by: str,
    parent: Region | None,
    user: access.Viewer | None,
) -> tuple[dict[Any, Row], dict[Any, tuple[str, str]] | None]:
    """The grouped sums (key → sums) and key → (code, name) (None: look the names up)."""
    children = children_of(parent) if group_by == "region" and parent is not None else []
    key_expr, names = _group_key(group_by, parent, children)
    city_districts = group_by == "region" and parent and parent.level == RegionLevel.CITY
    # values() rows are plain dicts (the stubs see a TypedDict of the grouping key only)
    grouped = cast(
        "QuerySet[ProjectStatus, Row]",
        statuses(
            projects_qs=projects_qs,
            period=period,
            within=parent,
            districts=children if city_districts else None,
            user=user,
        )
        .values(group_key=key_expr)
        .annotate(**_aggregates()),
    )
    return {row.pop("group_key"): _unprefixed(row) for row in grouped}, names


def _rows(
    group_by: str, sums: dict[Any, Row], names: dict[Any, tuple[str, str]] | None, period: Period
) -> list[Row]:
    if names is None:
        names = _names(group_by, set(sums))
    rows = []
    for key, (code, name) in names.items():
        row = sums.get(key) or _empty_sums()
        rows.append(_with_rates({"key": code, "name": name, **row}, period))
    return rows


def _total_row(sums: Row, period: Period) -> Row:
    return _with_rates({"key": "total", "name": _("合计"), **sums}, period)


def summary(
    *,
    projects_qs: QuerySet[Project] | None,
    year: int,
    month: int,
    group_by: str,
    parent: Region | None = None,
    user: access.Viewer | None = None,
) -> list[Row]:
    """Summary rows (INTERFACES.md §4) of the projects of `projects_qs` (None: all) of `parent`
    that `user` may see (None: no limit) for period year-month, one per group, in the group's
    natural order. Values are Python types: money as Decimal (万元, 2 places), rates as exact
    Decimal or None, counts as int — `row_json` makes JSON.

    group_by: "region" (a row per child of `parent`, key = child code, every child listed even
    with no projects), "level" (provincial, city, district), "category" (a row per category,
    a project counting in each of its categories), "leader" or "unit" (a row per leader/unit
    that has projects; key = id as text). Queries: the aggregate, plus one for names (category,
    leader, unit) or the children (region, when not given).
    """
    period = Period(year, month)
    sums, names = _grouped(
        projects_qs=projects_qs, period=period, group_by=group_by, parent=parent, user=user
    )
    return _rows(group_by, sums, names, period)


def summary_with_total(
    *,
    projects_qs: QuerySet[Project] | None,
    year: int,
    month: int,
    group_by: str,
    parent: Region | None = None,
    user: access.Viewer | None = None,
) -> tuple[list[Row], Row]:
    """`summary()` and `total()` of the same projects: the total is summed from the groups'
    sums when the grouping partitions the rows (`PARTITIONS`: one aggregate query for both),
    else computed by its own query. Sums and counts add up exactly; the total's rates are
    ratios of those sums, like every group's."""
    period = Period(year, month)
    sums, names = _grouped(
        projects_qs=projects_qs, period=period, group_by=group_by, parent=parent, user=user
    )
    rows = _rows(group_by, sums, names, period)
    if group_by not in PARTITIONS:
        total_row = total(projects_qs=projects_qs, year=year, month=month, within=parent, user=user)
        return rows, total_row
    totals = _empty_sums()
    for group in sums.values():  # every group, also those without a row (no town, no leader)
        for name, value in group.items():
            totals[name] += value or 0
    return rows, _total_row(totals, period)


def four_new_change(share: Any, last_year: Any) -> Decimal | None:
    """The change of the "四新" share against the same period of last year as a difference of
    fractions (0.32 → 0.35 is 0.03, written "+3.0 个百分点" by the `points` filter and given
    in points by `row_json`); None when either share is not known."""
    if share is None or last_year is None:
        return None
    return Decimal(str(share)) - Decimal(str(last_year))


def with_four_new_change(rows: Iterable[Row], last_year: Iterable[Row]) -> None:
    """Adds to each row (by its key) the "四新" share of the same period last year
    (`four_new_share_last_year`) and the change (`four_new_share_change`, `four_new_change`);
    a row without last year's figures gets None for both."""
    before = {row["key"]: row.get("four_new_share") for row in last_year}
    for row in rows:
        previous = before.get(row["key"])
        row["four_new_share_last_year"] = previous
        row["four_new_share_change"] = four_new_change(row.get("four_new_share"), previous)


def total(
    *,
    projects_qs: QuerySet[Project] | None,
    year: int,
    month: int,
    within: Region | None = None,
    user: access.Viewer | None = None,
) -> Row:
    """One row of the same measures for all the projects of `projects_qs` (one query)."""
    period = Period(year, month)
    qs = statuses(projects_qs=projects_qs, period=period, within=within, user=user)
    return _total_row(_unprefixed(qs.aggregate(**_aggregates())), period)


def row_json(row: Row) -> Row:
    """A summary row as JSON values: money as decimal strings in 万元 ("1234.50"), rates as
    numbers (fractions, 6 decimals) or null, counts as numbers."""
    out: Row = {}
    for name, value in row.items():
        if name in MONEY_MEASURES and value is not None:
            out[name] = f"{Decimal(value).quantize(MONEY_QUANTUM)}"
        elif name in RATE_MEASURES or name == "four_new_share_last_year":
            out[name] = None if value is None else round(float(value), 6)
        elif name == "four_new_share_change":  # given in percentage points
            out["four_new_share_change_points"] = (
                None if value is None else round(float(value) * 100, 2)
            )
        else:
            out[name] = value
    return out


# The fields of a summary row that are sums over its projects (a total of rows adds them).
SUM_FIELDS = tuple(name for name in ROW_FIELDS if name not in ("key", "name", *RATE_MEASURES))


def rows_total(rows: Iterable[Row], *, name: str) -> Row:
    """The total of summary rows as `row_json` gives them (a live or a published ranking's):
    the sums added, the rates ratios of those sums, as every group's — so a published version's
    total is that of its frozen rows. Time progress, a weighted mean of figures the rows do not
    keep, is None; so is a sum (and the rates made of it) that a row does not hold."""
    sums: Row = {field: ZERO if field in MONEY_MEASURES else 0 for field in SUM_FIELDS}
    for row in rows:
        for field in SUM_FIELDS:
            value = row.get(field)
            if value is None or sums[field] is None:
                sums[field] = None
            else:
                sums[field] += Decimal(value) if field in MONEY_MEASURES else value
    total = {"key": "total", "name": name, **sums, "time_progress": None, **_ratios(sums)}
    return row_json({field: total[field] for field in ROW_FIELDS})


def projects_under(region: Region) -> ProjectQuerySet:
    """Every project of `region`'s subtree (by the code prefix rule)."""
    if region.level == RegionLevel.TOWN:
        return Project.objects.filter(town__code__startswith=region.prefix)
    return Project.objects.filter(region__code__startswith=region.prefix)


# --- 口径说明: the one-line definition of every figure --------------------------------------
# The 口径说明 page (`web:definitions`), the figures' hover texts and this module's docstring
# all read this table, so the wording on the pages and in the code cannot drift apart.

DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "projects",
        gettext_noop("重点项目数"),
        gettext_noop(
            "本期项目库：当年有年度计划、"
            "期末在建或年初处于谋划/储备阶段的项目；期末前已退库的不计。"
        ),
    ),
    (
        "investment_rate",
        gettext_noop("投资完成率"),
        gettext_noop(
            "1—m 月累计完成投资 ÷ 年度计划投资（现行计划）；分组为合计之比，不是项目比率的平均；"
            "计划为 0 时不计（—）。"
        ),
    ),
    (
        "investment_rate_original",
        gettext_noop("投资完成率（按年初计划）"),
        gettext_noop(
            "1—m 月累计完成投资 ÷ 年初下达的原计划投资；现行计划低于原计划的，"
            "按现行计划达标而按原计划未达标者标注“调减计划”。"
        ),
    ),
    (
        "time_progress",
        gettext_noop("时间进度"),
        gettext_noop(
            "有月度计划的项目为 1—m 月计划投资 ÷ 年度计划，"
            "其余为 m ÷ 12；分组为计划投资合计 ÷ 年度计划合计。"
        ),
    ),
    (
        "start_rate",
        gettext_noop("开工率"),
        gettext_noop("当年计划新开工项目中期末前已开工的 ÷ 当年计划新开工项目。"),
    ),
    (
        "finish_rate",
        gettext_noop("竣工率"),
        gettext_noop("当年计划竣工项目中期末前已竣工的 ÷ 当年计划竣工项目。"),
    ),
    (
        "statistics_rate",
        gettext_noop("纳统率"),
        gettext_noop("已开工项目中期末前已纳入统计的 ÷ 已开工项目。"),
    ),
    (
        "resolution_rate",
        gettext_noop("问题办结率"),
        gettext_noop(
            "当年 1 月 1 日至期末收集的问题中，"
            "期末前已办结（已办结、已反馈或已销号）的 ÷ 这些问题；"
            "与问题清单“已办结”口径相同。"
        ),
    ),
    (
        "on_time_rate",
        gettext_noop("问题按期办结率"),
        gettext_noop("同上问题中，不晚于办结时限当日办结（或未设时限）的 ÷ 这些问题。"),
    ),
    (
        "four_new_share",
        gettext_noop("“四新”投资占比"),
        gettext_noop("“四新”经济项目 1—m 月累计完成投资 ÷ 全部项目 1—m 月累计完成投资。"),
    ),
    (
        "four_new_share_change",
        gettext_noop("“四新”占比同比"),
        gettext_noop(
            "本期“四新”投资占比 − 上年同期“四新”投资占比，单位为百分点；上年同期未计算的不显示。"
        ),
    ),
    (
        "conversion_rate",
        gettext_noop("落地转化率"),
        gettext_noop(
            "年初处于谋划/储备阶段的项目中，"
            "1 月 1 日至期末转入在建的 ÷ 年初处于谋划/储备阶段的项目。"
        ),
    ),
    (
        "funnel",
        gettext_noop("落地转化漏斗"),
        gettext_noop(
            "年初处于谋划/储备阶段的项目中，期末已到达各环节（谋划 → 储备（含在谈）→ 签约 → 开工）"
            "的项目数，开工即落地转化；各环节停留天数为 1 月 1 日至期末转入下一环节的项目"
            "自进入该环节（阶段变更记录）至转出的天数的中位数，按责任单位统计。"
        ),
    ),
    (
        "stopped",
        gettext_noop("停工项目数"),
        gettext_noop(
            "期末处于停工状态（已登记停工、期末前未复工）的项目，不含已退库的。"
            "停工的项目仍计为在建：开工率、在建项目数和四色规则照常计算。"
        ),
    ),
    (
        "resumption_rate",
        gettext_noop("复工率"),
        gettext_noop(
            "当年 1 月 1 日至期末曾处于停工状态的项目（年初停工中或年内停工）中，"
            "期末已复工的 ÷ 这些项目；一个项目多次停工只计一次。"
        ),
    ),
    (
        "unrated",
        gettext_noop("未评价"),
        gettext_noop("本期项目库中既不在建、也非当年计划开工的项目，不评四色，单独列为第五类。"),
    ),
    (
        "score",
        gettext_noop("综合得分（月度排名）"),
        gettext_noop(
            "Σ 权重 × min(比率, 计分上限) ÷ Σ 权重 × 100；无分母的指标不计入，其余指标权重顶替；"
            "并列同名次。月度排名不作表扬、约谈。"
        ),
    ),
    (
        "assessment_score",
        gettext_noop("考核得分（半年、年终）"),
        gettext_noop(
            "各考核指标得分（比率 × 100 或录入评分 ÷ 满分 × 100）按权重加权平均；"
            "前 N 名通报表扬，后 M 名约谈。"
        ),
    ),
)


def definitions() -> list[dict[str, str]]:
    """The definitions in the reader's language: [{"key", "name", "text"}]."""
    return [{"key": key, "name": _(name), "text": _(text)} for key, name, text in DEFINITIONS]


def definition(key: str) -> str:
    """One figure's one-line definition (its hover text), or ""."""
    for name, _label, text in DEFINITIONS:
        if name == key:
            return _(text)
    return ""


__doc__ = (
    (__doc__ or "")
    + "\n口径说明 (DEFINITIONS):\n"
    + "\n".join(f"- {key}: {name} — {text}" for key, name, text in DEFINITIONS)
)
