"""The sets of issues 办结率 and 按期办结率 count — the one home of their definition.

`assessment.measures` counts a period's issues per project with these conditions, and the issue
board filters with the same ones (`?period=&set=`, `supervision.filters.IssueFilterSet`), so a
figure and the board it opens count the same issues:

- raised (the denominator): issues raised from 1 January of the period's year to the period's
  end, of the projects of the period's portfolio;
- resolved (办结率's numerator): those resolved (resolved, feedback given or closed) by the
  period's end;
- on_time (按期办结率's numerator): those resolved no later than their deadline's day (or
  without a deadline).

Which projects make a period's portfolio is the assessment's rule, which lies above this app:
the assessment registers it here when it is ready (`set_portfolio`, as `projects.windows` is
given the reporting window), so this module imports no higher app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.periods import Period

from .choices import IssueStatus


class IssueSet(models.TextChoices):
    RAISED = "raised", _("本年收集的问题")
    RESOLVED = "resolved", _("期末前已办结")
    ON_TIME = "on_time", _("期末前按期办结")

    @property
    def denominator(self) -> IssueSet | None:
        return None if self is IssueSet.RAISED else IssueSet.RAISED


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def period_end(period: Period, as_of: dt.date | None = None) -> dt.datetime:
    """The first moment after the day the period's figures are taken on (`Period.as_of`: its
    last day, or today for the month still running): raised and resolved before it."""
    return day_start((as_of or period.as_of()) + dt.timedelta(days=1))


def raised_q(period: Period, end: dt.datetime) -> Q:
    return Q(raised_at__gte=day_start(period.year_start), raised_at__lt=end)


def resolved_q(end: dt.datetime) -> Q:
    """Resolved by `end` (a resolved issue without its time counts as resolved)."""
    return Q(status__in=IssueStatus.done()) & (Q(resolved_at__isnull=True) | Q(resolved_at__lt=end))


def on_time_q(end: dt.datetime) -> Q:
    return resolved_q(end) & (
        Q(deadline__isnull=True)
        | (Q(resolved_at__isnull=False) & Q(resolved_at__date__lte=F("deadline")))
    )


# The projects of a period's portfolio: (year, month) → a queryset of project ids.
Portfolio = Callable[[int, int], QuerySet[Any]]
_portfolio: list[Portfolio] = []


def set_portfolio(function: Portfolio) -> None:
    """Registers the function giving the ids of a period's portfolio (the assessment's)."""
    _portfolio[:] = [function]


def portfolio_ids(period: Period) -> QuerySet[Any]:
    if not _portfolio:
        raise RuntimeError("no portfolio registered (assessment app not installed)")
    return _portfolio[0](period.year, period.month)


def filter_issues(queryset: QuerySet[Any], *, period: Period, issue_set: str) -> QuerySet[Any]:
    """The issues of `queryset` in `issue_set` for `period`."""
    end = period_end(period)
    queryset = queryset.filter(raised_q(period, end), project_id__in=portfolio_ids(period))
    if issue_set == IssueSet.RESOLVED:
        return queryset.filter(resolved_q(end))
    if issue_set == IssueSet.ON_TIME:
        return queryset.filter(on_time_q(end))
    return queryset


def counts(queryset: QuerySet[Any], *, period: Period) -> dict[str, int]:
    """How many issues of `queryset` each set holds for `period` (one query)."""
    end = period_end(period)
    return filter_issues(queryset, period=period, issue_set=IssueSet.RAISED).aggregate(
        raised=Count("id"),
        resolved=Count("id", filter=resolved_q(end)),
        on_time=Count("id", filter=on_time_q(end)),
    )
