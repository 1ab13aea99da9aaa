"""落地转化 funnel (Laiwu reports it monthly per 责任单位): of the year's pool — the projects in
谋划/储备 at the start of Y, the denominator of 落地转化率 (`ProjectSet.POOL`) — how many reached
each step 谋划 → 储备 → 签约 → 开工 by the period's end, and the median days spent at each step,
per responsible unit (the unit stored with the period's status).

Definitions, decided here (the 口径说明 reads `measures.DEFINITIONS["funnel"]`):
- Steps: 谋划 (conceived), 储备 (reserve, and 在谈 which lies between 储备 and 签约), 签约
  (signed), 开工 (在建 or later). A pool project counts at 谋划 (the funnel's top: the pool);
  at a later step when its stage on the period's end (its last stage move by then, else its
  current stage) is that step or beyond, or it converted (`converted`: the measure's own 开工,
  which also counts an actual start) — so 开工 ÷ 谋划 is 落地转化率.
- Days at a step: for each move out of a step into a later one made from 1 January of Y to the
  period's end, the days from the project's move into that step (its stage-change record) to
  the move out; a step entered without a record (the project's first stage) is not measured.
  The median of those days per unit and step (None without any).

Set-wise: one query for the pool's status rows, one ordered query for their stage changes (the
medians in Python, which runs the same on SQLite and PostgreSQL), one for the units' names.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from core.periods import Period
from projects import access
from projects.choices import Stage
from projects.models import Project, Region, StageChange, Unit

from . import measures
from .choices import ProjectSet

STEPS: tuple[tuple[str, Any], ...] = (
    ("conceived", _("谋划")),
    ("reserve", _("储备")),
    ("signed", _("签约")),
    ("started", _("开工")),
)
STEP_OF: dict[str, int] = {
    Stage.CONCEIVED: 0,
    Stage.RESERVE: 1,
    Stage.NEGOTIATING: 1,
    Stage.SIGNED: 2,
    Stage.CONSTRUCTION: 3,
    Stage.COMPLETED: 3,
    Stage.OPERATING: 3,
}


def _median(values: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


def _walk(
    moves: Iterable[Any], *, since: dt.date
) -> tuple[dict[int, str], dict[int, list[tuple[int, int]]]]:
    """From the stage moves ordered by project and day: each project's stage on the last day
    read, and its measured stays [(step, days)] that ended on or after `since`."""
    last_stage: dict[int, str] = {}
    stays: dict[int, list[tuple[int, int]]] = defaultdict(list)
    entered: dict[int, tuple[int, dt.date]] = {}
    for move in moves:
        pid, to_stage, day = move["project_id"], move["to_stage"], move["changed_on"]
        last_stage[pid] = to_stage
        step = STEP_OF.get(to_stage)
        current = entered.get(pid)
        if current is not None and step is not None and step > current[0] and day >= since:
            stays[pid].append((current[0], (day - current[1]).days))
        if step is None:  # withdrawn: no step any more
            entered.pop(pid, None)
        elif current is None or step != current[0]:
            entered[pid] = (step, day)
    return last_stage, stays


def funnel(
    *,
    user: access.Viewer | None,
    region: Region,
    period: Period,
    projects_qs: QuerySet[Project] | None = None,
) -> dict[str, Any]:
    """The funnel of `region`'s pool for `period`, per responsible unit and in total:
    {"steps": [(key, label)], "rows": [{"key", "name", "counts": [4], "medians": [3]}],
    "total": {…}} — counts per step; medians of the days spent at 谋划, 储备 and 签约."""
    as_of = period.as_of()
    pool = (
        measures.statuses(projects_qs=projects_qs, period=period, within=region, user=user)
        .filter(**ProjectSet.POOL.conditions)
        .values("project_id", "unit_id", "converted", stage=F("project__stage"))
    )
    pool_rows = list(pool)
    ids = [row["project_id"] for row in pool_rows]
    moves = (
        StageChange.objects.filter(project_id__in=ids, changed_on__lte=as_of)
        .order_by("project_id", "changed_on", "recorded_at", "pk")
        .values("project_id", "to_stage", "changed_on")
    )
    last_stage, stays = _walk(moves.iterator(), since=period.year_start)
    counts: dict[Any, list[int]] = defaultdict(lambda: [0] * len(STEPS))
    days: dict[Any, list[list[int]]] = defaultdict(lambda: [[] for _step in STEPS[:-1]])
    for row in pool_rows:
        stage = last_stage.get(row["project_id"]) or row["stage"] or ""
        # 开工 is the measure's `converted` (so 开工 ÷ 谋划 is 落地转化率)
        reached = 3 if row["converted"] else min(STEP_OF.get(stage, 0), 2)
        for key in (row["unit_id"], "total"):
            for step in range(reached + 1):
                counts[key][step] += 1
            for step, n in stays.get(row["project_id"], []):
                days[key][step].append(n)
    names = dict(
        Unit.objects.filter(pk__in=[k for k in counts if k not in (None, "total")]).values_list(
            "pk", "name"
        )
    )

    def shaped(key: Any, name: str) -> dict[str, Any]:
        return {
            "key": "" if key is None else str(key),
            "name": name,
            "counts": counts[key],
            "medians": [_median(values) for values in days[key]],
            "rate": measures.ratio(counts[key][3], counts[key][0]),
        }

    keys = sorted((k for k in counts if k not in (None, "total")), key=lambda k: (names[k], k))
    rows = [shaped(key, names[key]) for key in keys]
    if None in counts:
        rows.append(shaped(None, str(_("未明确责任单位"))))
    return {
        "steps": [(key, label) for key, label in STEPS],
        "stays": [label for _key, label in STEPS[:-1]],
        "rows": rows,
        "total": shaped("total", str(_("合计"))),
    }
