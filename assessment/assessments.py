"""Half-year and year-end assessments (半年考核 / 年终考核) — the one home of their scores,
ranks, praise and call-in, and published versions.

A city assesses its districts twice a year, apart from the monthly bulletin (which ranks and
shows movement but praises and calls in no one, `assessment.rankings`):

- **Indicators**: `AssessmentIndicator` per kind (admin-editable weights): computed rates of
  the assessment's period (June for the half-year, December for the year-end: the stored
  statuses of that month, `measures.summary`) and scores the assessors enter per district
  (`AssessmentScore`: 招大引强, 观摩评议 …, `services.assessment_score_set`) — or, for an
  indicator scored per project (`per_project`, 观摩评议), the mean of the scores the assessors
  gave the district's projects on the observation tours (`ObservationScore`,
  `services.observation_score_set`, the page `web:observation`).
- **Points** of an indicator: a rate × 100, capped at its `cap` (1.2 → at most 120 points); an
  entered score × 100 / its full marks. Null where the rate has a zero denominator or no score
  was entered yet.
- **Score**: Σ weight × points / Σ weight over the indicators with points (two decimals, like
  the monthly score); a district with no points at all has no score and ranks last.
- **Rank**: ties share a rank (1, 2, 2, 4). **Praise / call-in**: the top
  `RankingSettings.praised_top` (default 7) are praised (通报表扬), the bottom
  `called_in_bottom` (default 3) called in (约谈), counted from the bottom with ties sharing a
  place, never both (`rankings.rank`).
- **Subjects**: the districts (县市区), or the region's own departments (市直部门, `subject=
  "department"`: its units of kind 部门, over the projects they are responsible for, on the
  computed indicators only; praise / call-in by `RankingSettings.departments_praised_top` /
  `departments_called_in_bottom`, Handan's "5 advanced city departments"), each published and
  versioned on its own.
- **Publishing** freezes the live assessment as an `AssessmentSnapshot` (immutable; version 1,
  then each correction a new version with a reason); it is refused while a score is missing.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.periods import Period
from projects.choices import UnitKind
from projects.models import Region, Unit
from projects.models.regions import region_prefix

from . import measures, rankings
from .choices import AssessmentKind, AssessmentSubject
from .models import (
    AssessmentIndicator,
    AssessmentScore,
    AssessmentSnapshot,
    ObservationScore,
    RankingSettings,
)
from .selectors import last_computed_at

POINTS_QUANTUM = Decimal("0.01")
# The figures an assessment row carries besides its points (the lists behind them as usual).
ROW_FIGURES = (
    "projects",
    "annual_plan",
    "completed_ytd",
    "investment_rate",
    "start_rate",
    "finish_rate",
    "statistics_rate",
    "resolution_rate",
)


def check_kind(kind: str) -> None:
    if kind not in AssessmentKind.values:
        raise ValueError(
            _("考核类型应为 %(choices)s 之一：%(k)s")
            % {"choices": ", ".join(AssessmentKind.values), "k": kind}
        )


def period_of(kind: str, year: int) -> Period:
    """The period whose statuses an assessment reads: June or December of its year."""
    return Period(year, AssessmentKind(kind).month)


def indicators(kind: str) -> list[AssessmentIndicator]:
    """The active indicators of a kind with a weight, in their order (one query)."""
    return list(
        AssessmentIndicator.objects.filter(kind=kind, active=True, weight__gt=0).order_by(
            "order", "code"
        )
    )


def indicators_json(items: list[AssessmentIndicator]) -> list[dict]:
    return [
        {
            "code": item.code,
            "name": item.name,
            "source": item.source,
            "weight": float(item.weight),
            "cap": None if item.cap is None else float(item.cap),
            "full_marks": float(item.full_marks),
        }
        for item in items
    ]


def points(item: AssessmentIndicator, row: dict, entered: dict) -> Decimal | None:
    """The points of one indicator for one summary row; `entered`: (indicator id, region code)
    → the entered score."""
    if item.entered:
        value = entered.get((item.pk, row["key"]))
        if value is None:
            return None
        return (value * 100 / item.full_marks).quantize(POINTS_QUANTUM)
    rate = row.get(item.source)
    if rate is None:
        return None
    if item.cap is not None:
        rate = min(rate, item.cap)
    return (rate * 100).quantize(POINTS_QUANTUM)


def composite(values: list[tuple[AssessmentIndicator, Decimal | None]]) -> Decimal | None:
    """Σ weight × points / Σ weight over the indicators with points; None if none has."""
    weighted = weights = Decimal(0)
    for item, value in values:
        if value is None:
            continue
        weighted += item.weight * value
        weights += item.weight
    if not weights:
        return None
    return (weighted / weights).quantize(rankings.SCORE_QUANTUM)


def entered_scores(items: list[AssessmentIndicator], year: int, parent: Region) -> dict:
    """(indicator id, region code) → entered score, for the children of `parent`: the score
    entered for the region, or — for a `per_project` indicator (观摩评议) — the mean of the
    scores its projects were given on the observation tours (`ObservationScore`, two
    decimals). One query per source used."""
    ids = [item.pk for item in items if item.entered and not item.per_project]
    scores: dict = {}
    if ids:
        scores = {
            (indicator_id, region_id): score
            for indicator_id, region_id, score in AssessmentScore.objects.filter(
                indicator_id__in=ids, year=year, region__parent=parent
            ).values_list("indicator_id", "region_id", "score")
        }
    per_project = [item.pk for item in items if item.per_project]
    if per_project:
        scores.update(observation_means(per_project, year, parent))
    return scores


def observation_means(indicator_ids: list[int], year: int, parent: Region) -> dict:
    """(indicator id, child region code) → the mean of the observation scores of the child's
    projects (the child whose code prefix the project's district code carries), one query."""
    children = [(region_prefix(child.code), child.code) for child in measures.children_of(parent)]
    given: dict[tuple[int, str], list[Decimal]] = {}
    rows = ObservationScore.objects.filter(
        indicator_id__in=indicator_ids, year=year, project__region__code__startswith=parent.prefix
    ).values_list("indicator_id", "project__region_id", "score")
    for indicator_id, region_code, score in rows:
        child = next((code for prefix, code in children if region_code.startswith(prefix)), None)
        if child is not None:
            given.setdefault((indicator_id, child), []).append(score)
    return {
        key: (sum(values, Decimal(0)) / len(values)).quantize(POINTS_QUANTUM)
        for key, values in given.items()
    }


def check_subject(subject: str) -> None:
    if subject not in AssessmentSubject.values:
        raise ValueError(
            _("考核对象应为 %(choices)s 之一：%(s)s")
            % {"choices": ", ".join(AssessmentSubject.values), "s": subject}
        )


def department_rows(parent: Region, period: Period) -> list[dict]:
    """The summary rows of `parent`'s own departments (units of kind 部门 of the region itself,
    市直部门) over the projects they are responsible for: a row for every active department,
    also one without projects (two queries)."""
    by_unit = {
        row["key"]: row
        for row in measures.summary(
            projects_qs=None,
            year=period.year,
            month=period.month,
            group_by="unit",
            parent=parent,
        )
    }
    departments = Unit.objects.filter(
        region=parent, kind=UnitKind.DEPARTMENT, active=True
    ).order_by("name", "pk")
    empty = measures.rows_total([], name="")
    return [
        by_unit.get(str(unit.pk)) or {**empty, "key": str(unit.pk), "name": unit.name}
        for unit in departments
    ]


def live(
    *, kind: str, parent: Region, year: int, subject: str = AssessmentSubject.DISTRICT
) -> dict:
    """The assessment computed now: the period's stored statuses and the entered scores. The
    subjects are `parent`'s districts, or its departments (`subject="department"`: ranked on
    the computed indicators — the assessors' scores are entered per district — praised and
    called in by `RankingSettings.departments_praised_top / _called_in_bottom`)."""
    check_kind(kind)
    check_subject(subject)
    period = period_of(kind, year)
    items = indicators(kind)
    settings = RankingSettings.current()
    departments = subject == AssessmentSubject.DEPARTMENT
    if departments:
        items = [item for item in items if not item.entered]
        rows = department_rows(parent, period)
        praised_top = settings.departments_praised_top
        called_in_bottom = settings.departments_called_in_bottom
        entered: dict = {}
    else:
        rows = measures.summary(
            projects_qs=None,
            year=period.year,
            month=period.month,
            group_by="region",
            parent=parent,
        )
        praised_top, called_in_bottom = settings.praised_top, settings.called_in_bottom
        entered = entered_scores(items, year, parent)
    scored = []
    missing = []
    for row in rows:
        values = [(item, points(item, row, entered)) for item in items]
        missing += [
            {"key": row["key"], "name": row["name"], "indicator": item.code}
            for item, value in values
            if item.entered and value is None
        ]
        scored.append(
            (
                composite(values),
                {
                    **row,
                    "points": {item.code: _num(value) for item, value in values},
                    "entered": {
                        item.code: _num(entered.get((item.pk, row["key"])))
                        for item in items
                        if item.entered
                    },
                },
            )
        )
    ranked = rankings.rank(scored, praised_top=praised_top, called_in_bottom=called_in_bottom)
    computed_at = last_computed_at(period)
    return {
        "kind": kind,
        "subject": subject,
        "year": year,
        "period": str(period),
        "parent": {"code": parent.code, "name": parent.name},
        "version": None,
        "published_at": None,
        "published_by": None,
        "reason": "",
        "computed_at": computed_at.isoformat() if computed_at else None,
        "indicators": indicators_json(items),
        "praised_top": praised_top,
        "called_in_bottom": called_in_bottom,
        "missing": missing,
        "rows": [_row_json(row) for row in ranked],
    }


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _row_json(row: dict) -> dict:
    figures = measures.row_json({k: v for k, v in row.items() if k in measures.ROW_FIELDS})
    return {
        "rank": row["rank"],
        "key": row["key"],
        "name": row["name"],
        "score": _num(row["score"]),
        "praised": row["praised"],
        "called_in": row["called_in"],
        "points": row["points"],
        "entered": row["entered"],
        **{field: figures.get(field) for field in ROW_FIGURES},
    }


def snapshot_body(snapshot: AssessmentSnapshot) -> dict:
    return {
        "kind": snapshot.kind,
        "subject": snapshot.subject,
        "year": snapshot.year,
        "period": str(period_of(snapshot.kind, snapshot.year)),
        "parent": {"code": snapshot.parent_id, "name": snapshot.parent.name},
        "version": snapshot.version,
        "published_at": snapshot.published_at.isoformat(),
        "published_by": snapshot.published_by.username if snapshot.published_by else None,
        "reason": snapshot.reason,
        "computed_at": None,
        "indicators": snapshot.indicators,
        "praised_top": snapshot.praised_top,
        "called_in_bottom": snapshot.called_in_bottom,
        "missing": [],
        "rows": snapshot.rows,
    }


def versions(
    *, kind: str, parent: Region, year: int, subject: str = AssessmentSubject.DISTRICT
) -> list[AssessmentSnapshot]:
    """Every published version of an assessment, the newest first (one query)."""
    check_kind(kind)
    return list(
        AssessmentSnapshot.objects.filter(kind=kind, subject=subject, parent=parent, year=year)
        .select_related("parent", "published_by")
        .order_by("-version")
    )


def published(
    *,
    kind: str,
    parent: Region,
    year: int,
    version: int | None = None,
    subject: str = AssessmentSubject.DISTRICT,
) -> AssessmentSnapshot | None:
    """The latest published version (or the given one), or None."""
    qs = AssessmentSnapshot.objects.filter(
        kind=kind, subject=subject, parent=parent, year=year
    ).select_related("parent", "published_by")
    if version is not None:
        qs = qs.filter(version=version)
    return qs.order_by("-version").first()


def assessment(
    *,
    kind: str,
    parent: Region,
    year: int,
    version: int | None = None,
    subject: str = AssessmentSubject.DISTRICT,
) -> dict:
    """The published assessment (the given `version`, else the latest), else the live one. A
    version never published raises AssessmentSnapshot.DoesNotExist."""
    check_kind(kind)
    check_subject(subject)
    snapshot = published(kind=kind, parent=parent, year=year, version=version, subject=subject)
    if snapshot is not None:
        return snapshot_body(snapshot)
    if version is not None:
        raise AssessmentSnapshot.DoesNotExist(
            _("%(y)s 年%(k)s没有第 %(v)s 版。")
            % {"y": year, "k": AssessmentKind(kind).label, "v": version}
        )
    return live(kind=kind, parent=parent, year=year, subject=subject)


@transaction.atomic
def publish(
    *,
    kind: str,
    parent: Region,
    year: int,
    user=None,
    reason: str = "",
    subject: str = AssessmentSubject.DISTRICT,
) -> AssessmentSnapshot:
    """Freezes the live assessment as its next version: the first needs no reason, a
    correction does; refused while an entered score is missing or the period was never
    computed. Nothing already published changes."""
    check_kind(kind)
    latest = (
        AssessmentSnapshot.objects.select_for_update()
        .filter(kind=kind, subject=subject, parent=parent, year=year)
        .order_by("-version")
        .first()
    )
    reason = (reason or "").strip()
    label = AssessmentKind(kind).label
    if latest is not None and not reason:
        raise ValidationError(
            {
                "reason": _("%(y)s 年%(k)s已发布第 %(v)s 版；更正需说明原因并发布新版本。")
                % {"y": year, "k": label, "v": latest.version}
            }
        )
    body = live(kind=kind, parent=parent, year=year, subject=subject)
    if body["computed_at"] is None:
        raise ValidationError(
            {"year": _("%(p)s 尚未计算，不能发布考核结果。") % {"p": body["period"]}}
        )
    if body["missing"]:
        first = body["missing"][0]
        raise ValidationError(
            {
                "scores": _("尚有 %(n)s 项评分未录入（如 %(name)s），录入后方可发布。")
                % {"n": len(body["missing"]), "name": first["name"]}
            }
        )
    return AssessmentSnapshot.publish_next(
        latest=latest,
        body=body,
        user=user,
        reason=reason,
        kind=kind,
        subject=subject,
        parent=parent,
        year=year,
    )
