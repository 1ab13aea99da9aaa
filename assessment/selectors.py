"""Reads of the assessment: which period is current and when it was computed, projects with
their status of a period (for lists, filters and sorting) and a project's statuses. Scoping is
the caller's (`projects.access.scope`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

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

from core.periods import Period
from projects import access
from projects.models import Project, Region
from supervision.choices import InspectionKind
from supervision.models import Inspection

from .measures import Ratio
from .models import ObservationScore, PeriodComputation, ProjectStatus

# --- Periods --------------------------------------------------------------------------------


def latest_computed_period() -> Period | None:
    """The most recent period whose computation finished (one indexed row of
    PeriodComputation), or None before the first recompute."""
    row = (
        PeriodComputation.objects.filter(finished_at__isnull=False)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    return Period(*row) if row else None


def default_period(today: dt.date | None = None) -> Period:
    """The period a page shows when none is asked for: the latest computed, else the
    reporting period (last month)."""
    return latest_computed_period() or Period.latest_complete(today)


def resolve_period(text: str | None) -> Period | None:
    """`?period=` as given, else the latest period computed. Bad text → ValidationError on
    `period`."""
    try:
        period = Period.parse_optional(text)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    return period or latest_computed_period()


def last_computed_at(period: Period) -> dt.datetime | None:
    """When the last recompute of `period` finished (its PeriodComputation row), or None if it
    never did. One query."""
    return (
        PeriodComputation.objects.filter(year=period.year, month=period.month)
        .values_list("finished_at", flat=True)
        .first()
    )


# --- Projects with their status ---------------------------------------------------------

_RATE = DecimalField(max_digits=12, decimal_places=6)
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def portfolio_ids(year: int, month: int) -> QuerySet[ProjectStatus, Any]:
    """The ids of a period's portfolio: the projects with a status row for it (given to the
    issue board's 办结率 sets, `supervision.issue_sets`)."""
    return ProjectStatus.objects.filter(year=year, month=month).values("project_id")


def with_status(queryset: QuerySet[Project], period: Period | None) -> QuerySet[Project]:
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
            status_forecast_rate=Value(None, output_field=_RATE),
        )
    statuses = ProjectStatus.objects.filter(year=period.year, month=period.month)
    return (
        queryset.annotate(
            period_status_row=FilteredRelation(
                "statuses",
                condition=Q(statuses__year=period.year, statuses__month=period.month),
            ),
            period_forecast_row=FilteredRelation(
                "forecasts",
                condition=Q(forecasts__year=period.year, forecasts__month=period.month),
            ),
        )
        .annotate(
            status_colour=F("period_status_row__colour"),
            status_investment_rate=F("period_status_row__investment_rate"),
            status_investment_rate_original=F("period_status_row__investment_rate_original"),
            status_time_progress=F("period_status_row__time_progress"),
            status_completed_ytd=F("period_status_row__completed_ytd"),
            # the stored year-end forecast ÷ the plan (assessment.forecast), null without one
            status_forecast_rate=Ratio(
                F("period_forecast_row__forecast_completed"),
                F("period_forecast_row__annual_plan"),
            ),
        )
        .prefetch_related(Prefetch("statuses", queryset=statuses, to_attr="period_statuses"))
    )


def status_joined(queryset: QuerySet[Any]) -> bool:
    """Whether `with_status` joined a period's status rows to `queryset` (it does for any
    period; not when no period was ever computed)."""
    return "period_status_row" in queryset.query._filtered_relations  # type: ignore[attr-defined]  # not in the stubs


def status_history(*, project: Project, limit: int = 24) -> QuerySet[ProjectStatus]:
    """A project's statuses, newest period first, at most `limit`. The project is one already
    fetched in the user's scope (`projects.selectors.project_by_code`): all its periods come
    with it, also those it spent in another district."""
    return ProjectStatus.objects.filter(project=project).order_by("-year", "-month")[:limit]


def observation_tour(
    *, user: access.Viewer, parent: Region, start: dt.date, end: dt.date, indicator_ids: list[int]
) -> list[dict[str, Any]]:
    """The projects of an observation tour (观摩) of `parent`'s districts that `user` may see:
    those with an observation inspection from `start` to `end`, and those already scored on
    the indicators of `indicator_ids` for the year — each with its latest observation
    inspection of the span and its scores. Three queries, whatever the number of projects."""
    year = start.year
    under = Q(project__region__code__startswith=parent.prefix)
    inspections = (
        access.scope(user, Inspection.objects.filter(under, kind=InspectionKind.OBSERVATION))
        .filter(date__gte=start, date__lte=end)
        .order_by("project_id", "-date", "-pk")
        .only("pk", "project_id", "date", "kind")
    )
    latest: dict[int, Inspection] = {}
    for inspection in inspections:
        latest.setdefault(inspection.project_id, inspection)
    scores: dict[int, dict[int, ObservationScore]] = {}
    for score in access.scope(
        user, ObservationScore.objects.filter(under, year=year, indicator_id__in=indicator_ids)
    ):
        scores.setdefault(score.project_id, {})[score.indicator_id] = score
    ids = set(latest) | set(scores)
    projects = (
        access.scope(user, Project.objects.filter(pk__in=ids))
        .select_related("region")
        .order_by("region__code", "code")
    )
    return [
        {
            "project": project,
            "inspection": latest.get(project.pk),
            "scores": scores.get(project.pk, {}),
        }
        for project in projects
    ]
