"""停工 / 复工 as the lists and the figures count them — the one home of the rule.

A stopped project stays 在建: its stage does not change, so 开工率, 在建 counts, 纳统率 and its
four colours are computed as before (it has started; its investment progress speaks for
itself). On top of that:

- **停工中 on a day** (`stopped_q(day)`): a project not withdrawn with a stoppage that began on
  or before the day and had not ended by it (no 复工 date, or one after the day). Without a
  day: stopped now (an open stoppage). The project list's `?stopped=true` and the overview's
  停工项目数 use it, so the figure and its list agree.
- **复工率 of a span** (`resumption(...)`): the projects stopped at some time in the span (stopped
  at its start, or stopping during it) that are working again at its end ÷ those projects.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .choices import Stage
from .models import Project, Stoppage


def _open_on(day: dt.date | None) -> Q:
    if day is None:
        return Q(resumed_on__isnull=True)
    return Q(stopped_on__lte=day) & (Q(resumed_on__isnull=True) | Q(resumed_on__gt=day))


def stopped_q(day: dt.date | None = None) -> Q:
    """Projects 停工中 on `day` (None: now)."""
    stopped = Stoppage.objects.filter(_open_on(day), project_id=OuterRef("pk"))
    return Q(Exists(stopped)) & ~Q(stage=Stage.WITHDRAWN)


def stopped_during_q(start: dt.date, end: dt.date) -> Q:
    """Projects stopped at some time in [start, end]: a stoppage begun by `end` and not ended
    before `start`."""
    stopped = Stoppage.objects.filter(
        Q(resumed_on__isnull=True) | Q(resumed_on__gte=start),
        stopped_on__lte=end,
        project_id=OuterRef("pk"),
    )
    return Q(Exists(stopped)) & ~Q(stage=Stage.WITHDRAWN)


def resumption(projects: QuerySet[Project], *, start: dt.date, end: dt.date) -> dict:
    """停工项目数 at `end`, and 复工率 over [start, end] (None when nobody stopped). One query."""
    row = projects.order_by().aggregate(
        stopped=Count("pk", filter=stopped_q(end)),
        affected=Count("pk", filter=stopped_during_q(start, end)),
        resumed=Count("pk", filter=stopped_during_q(start, end) & ~stopped_q(end)),
    )
    affected = row["affected"] or 0
    return {
        "stopped": row["stopped"] or 0,
        "affected": affected,
        "resumed": row["resumed"] or 0,
        "rate": Decimal(row["resumed"]) / Decimal(affected) if affected else None,
    }
