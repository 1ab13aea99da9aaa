"""Rankings (排名通报) — the one home of scores, ranks, movement, flags and published snapshots.

"每月排名通报各县(市、区)重点项目建设工作完成情况及市级领导分包项目进展情况": a ranking is
computed for the children of a region (scope "district"), for the leaders carrying the
region's projects ("leader", 市级领导分包项目进展情况) or for the responsible units ("unit"),
from the period's stored statuses (`projects.measures.summary`).

- **Score**: the indicators and weights of `RankingIndicator` (admin-editable; by default
  investment rate 40, start rate 20, finish rate 20, issue resolution rate 20):
  score = Σ weight × min(rate, cap) / Σ weight × 100, points with two decimals. A rate that is
  null (zero denominator: no new-start project, no issue …) is left out and the remaining
  weights count in its place, so a district is neither rewarded nor punished for having
  nothing to measure; a row with no rate at all has no score (null) and ranks after all others.
- **Rank**: by score, ties share a rank (1, 2, 2, 4); equal scores are listed by key.
- **Movement**: rank in the previous period (its latest published version, else its live
  ranking) − rank now; positive = moved up; null where either is missing. January compares
  with December of the previous year.
- **Flags**: only the half-year and year-end assessments (`assessment.assessments`) praise and
  call in — `praised` for ranks ≤ N (RankingSettings.praised_top, default 7, 通报表扬),
  `called_in` for the bottom M (called_in_bottom, default 3, 约谈) counted from the bottom with
  ties sharing a place, never both; rows without a score get neither. A monthly bulletin ranks
  and shows movement and flags no one (its `praised` / `called_in` are false, its
  `praised_top` / `called_in_bottom` 0).
- **Publishing** freezes a ranking as a `RankingSnapshot` (immutable; version 1, then each
  correction a new version with a reason). `ranking()` returns the latest published version
  (or the one asked for), else the live computation with version null.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period
from projects import access
from projects.choices import RegionLevel
from projects.models import Region

from . import measures, recompute
from .choices import RankingScope
from .models import RankingIndicator, RankingSettings, RankingSnapshot
from .selectors import last_computed_at

GROUPING: dict[str, str] = {
    RankingScope.DISTRICT: "region",
    RankingScope.LEADER: "leader",
    RankingScope.UNIT: "unit",
}
SCORE_QUANTUM = Decimal("0.01")


def indicators() -> list[RankingIndicator]:
    return list(RankingIndicator.objects.filter(active=True, weight__gt=0).order_by("order"))


def indicators_json(items: list[RankingIndicator]) -> list[dict]:
    return [
        {
            "measure": item.measure,
            "name": item.get_measure_display(),
            "weight": float(item.weight),
            "cap": None if item.cap is None else float(item.cap),
        }
        for item in items
    ]


def score(row: dict, items: list[RankingIndicator]) -> Decimal | None:
    """The composite score of one summary row (rates as Decimal or None)."""
    weighted = weights = Decimal(0)
    for item in items:
        rate = row.get(item.measure)
        if rate is None:
            continue
        if item.cap is not None:
            rate = min(rate, item.cap)
        weighted += item.weight * rate
        weights += item.weight
    if not weights:
        return None
    return (weighted / weights * 100).quantize(SCORE_QUANTUM)


def rank(
    scored: list[tuple[Decimal | None, dict]], *, praised_top: int = 0, called_in_bottom: int = 0
) -> list[dict]:
    """Ranks rows by score (ties share a rank), flags the top `praised_top` praised and the
    bottom `called_in_bottom` called in (both 0 for a monthly bulletin: no flags); returns the
    rows in rank order with `rank`, `score`, `praised`, `called_in` set."""
    scores = [s for s, _row in scored if s is not None]
    ordered = sorted(
        scored, key=lambda item: (item[0] is None, -(item[0] or 0), str(item[1]["key"]))
    )
    out = []
    for value, row in ordered:
        if value is None:
            position, from_bottom = len(scores) + 1, None
        else:
            position = 1 + sum(1 for s in scores if s > value)
            from_bottom = 1 + sum(1 for s in scores if s < value)
        praised = value is not None and position <= praised_top
        called_in = from_bottom is not None and not praised and from_bottom <= called_in_bottom
        out.append(
            {**row, "rank": position, "score": value, "praised": praised, "called_in": called_in}
        )
    return out


def _group_rows(scope: str, parent: Region, period: Period) -> list[dict]:
    return measures.summary(
        projects_qs=None,  # `parent`'s rows: the districts stored with the statuses
        year=period.year,
        month=period.month,
        group_by=GROUPING[scope],
        parent=parent,
    )


def rows_last_year(*, scope: str, parent: Region, period: Period) -> list[dict]:
    """The live rows of the same month of last year (the "四新" share's 同比): empty when that
    period was never computed."""
    check_scope(scope)
    return _group_rows(scope, parent, period.same_month_last_year())


def _ranks(scope: str, parent: Region, period: Period, items: list) -> dict | None:
    """key → rank of `period`: its latest published version, else live; None if the period
    was never computed."""
    snapshot = published(scope=scope, parent=parent, period=period)
    if snapshot is not None:
        return {row["key"]: row["rank"] for row in snapshot.rows}
    if last_computed_at(period) is None:
        return None
    rows = _group_rows(scope, parent, period)
    ranked = rank([(score(row, items), row) for row in rows])
    return {row["key"]: row["rank"] for row in ranked}


def _row_json(row: dict, movement: int | None) -> dict:
    figures = measures.row_json({k: v for k, v in row.items() if k in measures.ROW_FIELDS})
    return {
        "rank": row["rank"],
        "key": figures.pop("key"),
        "name": figures.pop("name"),
        "score": None if row["score"] is None else float(row["score"]),
        "movement": movement,
        "praised": row["praised"],
        "called_in": row["called_in"],
        **figures,
    }


def live_ranking(*, scope: str, parent: Region, period: Period) -> dict:
    """The ranking computed now from the period's stored statuses (not published)."""
    check_scope(scope)
    items = indicators()
    rows = _group_rows(scope, parent, period)
    ranked = rank([(score(row, items), row) for row in rows])  # monthly: no flags
    previous = _ranks(scope, parent, period.previous(), items)
    computed_at = last_computed_at(period)
    return {
        "period": str(period),
        "scope": scope,
        "parent": {"code": parent.code, "name": parent.name},
        "version": None,
        "published_at": None,
        "published_by": None,
        "reason": "",
        "computed_at": computed_at.isoformat() if computed_at else None,
        "indicators": indicators_json(items),
        "praised_top": 0,
        "called_in_bottom": 0,
        "rows": [
            _row_json(
                row,
                None
                if previous is None or row["key"] not in previous
                else previous[row["key"]] - row["rank"],
            )
            for row in ranked
        ],
    }


def snapshot_body(snapshot: RankingSnapshot) -> dict:
    return {
        "period": snapshot.period,
        "scope": snapshot.scope,
        "parent": {"code": snapshot.parent_id, "name": snapshot.parent.name},
        "version": snapshot.version,
        "published_at": snapshot.published_at.isoformat(),
        "published_by": snapshot.published_by.username if snapshot.published_by else None,
        "reason": snapshot.reason,
        "computed_at": None,
        "indicators": snapshot.indicators,
        "praised_top": snapshot.praised_top,
        "called_in_bottom": snapshot.called_in_bottom,
        "rows": snapshot.rows,
    }


def check_scope(scope: str) -> None:
    if scope not in RankingScope.values:
        raise ValueError(
            _("排名范围应为 %(choices)s 之一：%(s)s")
            % {"choices": ", ".join(RankingScope.values), "s": scope}
        )


def published(
    *, scope: str, parent: Region, period: Period, version: int | None = None
) -> RankingSnapshot | None:
    """The latest published version (or the given one) of a ranking, or None."""
    qs = RankingSnapshot.objects.filter(
        scope=scope, parent=parent, year=period.year, month=period.month
    ).select_related("parent", "published_by")
    if version is not None:
        qs = qs.filter(version=version)
    return qs.order_by("-version").first()


def ranking(
    *, scope: str, parent: Region, year: int, month: int, version: int | None = None
) -> dict:
    """The API body of a ranking: `{"period", "version", "published_at", "rows": [{"rank",
    "key", "name", "score", "movement", "praised", "called_in", …every summary measure…}]}`
    (plus scope, parent, reason, indicators) — the published snapshot when there is one (the
    given `version`, else the latest), else the live computation with version None. A
    `version` that was never published raises RankingSnapshot.DoesNotExist."""
    check_scope(scope)
    period = Period(year, month)
    snapshot = published(scope=scope, parent=parent, period=period, version=version)
    if snapshot is not None:
        return snapshot_body(snapshot)
    if version is not None:
        raise RankingSnapshot.DoesNotExist(
            _("%(p)s 的排名没有第 %(v)s 版。") % {"p": period, "v": version}
        )
    return live_ranking(scope=scope, parent=parent, period=period)


@transaction.atomic
def publish(
    *, scope: str, parent: Region, year: int, month: int, user=None, reason: str = ""
) -> RankingSnapshot:
    """Freezes the period's live ranking as a new snapshot version. The first publication
    needs no reason; a correction (a later version) does. Nothing already published changes."""
    check_scope(scope)
    period = Period(year, month)
    latest = (
        RankingSnapshot.objects.select_for_update()
        .filter(scope=scope, parent=parent, year=period.year, month=period.month)
        .order_by("-version")
        .first()
    )
    reason = (reason or "").strip()
    if latest is not None and not reason:
        raise ValidationError(
            {
                "reason": _("%(p)s 的排名已发布第 %(v)s 版；更正需说明原因并发布新版本。")
                % {"p": period, "v": latest.version}
            }
        )
    body = live_ranking(scope=scope, parent=parent, period=period)
    return RankingSnapshot.publish_next(
        latest=latest,
        body=body,
        user=user,
        reason=reason,
        scope=scope,
        parent=parent,
        year=period.year,
        month=period.month,
    )


def default_targets() -> list[tuple[str, Region]]:
    """What is published each month: for every city, its districts, leaders and units (for an
    installation without cities: every top region)."""
    parents = list(
        Region.objects.filter(level=RegionLevel.CITY, children__isnull=False)
        .distinct()
        .order_by("code")
    ) or list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return [(scope, parent) for parent in parents for scope in RankingScope.values]


def publish_due(*, today: dt.date | None = None) -> list[RankingSnapshot]:
    """On or after the configured day of the month, publishes last month's rankings that are
    not published yet (recomputing the period first if it changed or was never computed).
    Idempotent: what is published is left alone."""
    today = today or timezone.localdate()
    if today.day < RankingSettings.current().publish_day:
        return []
    period = Period.latest_complete(today)
    due = [
        (scope, parent)
        for scope, parent in default_targets()
        if published(scope=scope, parent=parent, period=period) is None
    ]
    if not due:
        return []
    if last_computed_at(period) is None or recompute.is_dirty(period):
        recompute.run(period, today=today)
    snapshots = []
    for scope, parent in due:
        try:
            snapshots.append(
                publish(scope=scope, parent=parent, year=period.year, month=period.month)
            )
        except IntegrityError:
            continue  # published meanwhile by another run: nothing to do
        except ValidationError as exc:
            if "reason" not in exc.message_dict:  # not "already published": a real error
                raise
    return snapshots


def versions(*, scope: str, parent: Region, period: Period) -> list[RankingSnapshot]:
    """Every published version of a ranking, the newest first (one query)."""
    check_scope(scope)
    return list(
        RankingSnapshot.objects.filter(
            scope=scope, parent=parent, year=period.year, month=period.month
        )
        .select_related("published_by")
        .order_by("-version")
    )


# What a difference between two versions compares, in the bulletin's order: the rank and score,
# the flags, then every summary figure a row carries.
DIFF_FIELDS: tuple[str, ...] = (
    "rank",
    "score",
    "praised",
    "called_in",
    *(field for field in measures.ROW_FIELDS if field not in ("key", "name")),
)


def difference(old: dict, new: dict) -> dict:
    """What changed from ranking body `old` to `new` (two versions, or a version and the live
    computation): per row present in either, its rank in each and the figures that differ
    (`[{"field", "old", "new"}]`); rows only in one of them are `added` / `removed`.
    `{"from", "to", "rows": [...changed rows, in the new ranking's order...], "unchanged": n}`."""
    old_rows = {row["key"]: row for row in old["rows"]}
    new_rows = {row["key"]: row for row in new["rows"]}
    changed = []
    unchanged = 0
    keys = [row["key"] for row in new["rows"]] + [k for k in old_rows if k not in new_rows]
    for key in keys:
        before, after = old_rows.get(key), new_rows.get(key)
        if before is None or after is None:
            row = after or before
            assert row is not None
            changed.append(
                {
                    "key": key,
                    "name": row["name"],
                    "old_rank": before["rank"] if before else None,
                    "new_rank": after["rank"] if after else None,
                    "state": "added" if before is None else "removed",
                    "fields": [],
                }
            )
            continue
        fields = [
            {"field": field, "old": before.get(field), "new": after.get(field)}
            for field in DIFF_FIELDS
            if before.get(field) != after.get(field)
        ]
        if not fields:
            unchanged += 1
            continue
        changed.append(
            {
                "key": key,
                "name": after["name"],
                "old_rank": before["rank"],
                "new_rank": after["rank"],
                "state": "changed",
                "fields": fields,
            }
        )
    return {
        "from": old.get("version"),
        "to": new.get("version"),
        "rows": changed,
        "unchanged": unchanged,
    }


def reader_access(user, parent: Region) -> str | None:
    """How `user` may read the rankings of `parent`: "all" (live and published) within their
    scope; "published" for a region above their own (a district reads its city's published
    bulletin and where it stands, never the live figures); None otherwise."""
    if access.covers(user, parent.code):
        return "all"
    region = getattr(user, "region", None)
    if region is not None and region.code != parent.code and region.code.startswith(parent.prefix):
        return "published"
    return None
