"""Cached answers of GET /api/v1/summary/ and /api/v1/rankings/ (issue #15, item 3).

An answer depends on the period's computation (its statuses), the published versions of the
period, the caller's scope (superuser, region, the town a town official is limited to) and the
query string — and on nothing else a request brings. So it is cached under a key made of those
(`answer_key`), and the key is also the answer's ETag: a client sending it back in
`If-None-Match` gets a 304 without the answer being built or read from the cache.

Invalidation is by the key itself, so it holds across processes even with a per-process cache:
the key carries `PeriodComputation.finished_at` (moved by every whole or incremental
recompute) and the id of the newest `RankingSnapshot` (moved by every publication) of the
period and of the periods its answers compare with (`related_periods`), read in one indexed
query (`period_token`). On top, a generation number in the
cache is bumped on commit by the recompute's hook and by publishing (`invalidate`), and by a
change of the colour rules or the ranking's indicators (which change answers without a
recompute; with a shared cache such as Redis the bump reaches every process at once). Entries
expire after `API_CACHE_SECONDS` (default 600; 0 turns the cache off, the ETag stays).

With a cache every process shares (`core.cache.is_shared`: Redis in the Docker installation) the
bump reaches every process at once, so the key is made without reading the database: one
generation (`ANSWERS`), moved by every `invalidate` — a recompute of any period, a publication, a
rule change — stands for the period tokens, and the latest computed period (the default of
`?period=`) is kept under it too (`default_period`). A cached answer then costs no query at all
(and the token's user comes from the cache as well, `projects.api.authentication`). Every write
of a period's statuses or published rankings calls `invalidate` when it commits: the recompute's
hook (whole and incremental runs), a region's run (`tasks.recompute_period`, the `recompute`
command), publishing, and saves or deletions of `PeriodComputation` and `RankingSnapshot` rows
(`AssessmentConfig.ready`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import translation
from rest_framework.response import Response

from core import cache as shared_cache
from core.periods import Period

from .. import selectors
from ..models import PeriodComputation, RankingSnapshot

GENERATION = "assessment:api:generation"
# The one generation of every answer with a shared cache (see above).
ANSWERS = "assessment:api:answers"
shared_cache.register(ANSWERS)
# Answers (and the latest period) kept in the process as well, under the same keys: a key
# carries its generation, so a value found under it is the one the shared cache holds.
_memo = shared_cache.Memo(256)


def _generation_key(period: Period | None) -> str:
    return GENERATION if period is None else f"{GENERATION}:{period}"


def invalidate(period: Period | None = None) -> None:
    """Drops the cached answers of `period` (None: of every period)."""
    key = _generation_key(period)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or expired): any new value changes the keys
        cache.set(key, 1, None)
    shared_cache.bump_now(ANSWERS)


def invalidate_on_commit(period: Period | None = None) -> None:
    """`invalidate` when the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: invalidate(period))


def default_period() -> Period:
    """The period an answer is about when `?period=` is not given
    (`assessment.selectors.default_period`); with a shared cache, kept under `ANSWERS`."""
    if not shared_cache.is_shared():
        return selectors.default_period()
    key = f"assessment:api:latest:{shared_cache.generation(ANSWERS)}"
    text = _memo.get(key)
    if text is None:
        text = cache.get(key)
    if text is None:
        latest = selectors.latest_computed_period()
        text = str(latest) if latest else ""
        cache.set(key, text, settings.API_CACHE_SECONDS or 600)
    _memo.set(key, text)
    return Period.parse(text) if text else Period.latest_complete()


def related_periods(period: Period) -> list[Period]:
    """The periods an answer of `period` reads: itself, the month before (a ranking's previous
    rank) and the same month a year before (year-on-year figures)."""
    return [period, period.previous(), period.same_month_last_year()]


def period_token(period: Period) -> list[Any]:
    """When the statuses of the periods an answer reads were last written and each one's newest
    published ranking id: one query on PeriodComputation's unique (year, month) rows."""
    newest = (
        RankingSnapshot.objects.filter(year=OuterRef("year"), month=OuterRef("month"))
        .order_by()
        .values("year")
        .annotate(newest=Max("pk"))
        .values("newest")
    )
    wanted = Q()
    for p in related_periods(period):
        wanted |= Q(year=p.year, month=p.month)
    rows = (
        PeriodComputation.objects.filter(wanted)
        .annotate(newest=Subquery(newest))
        .order_by("year", "month")
        .values_list("year", "month", "finished_at", "newest")
    )
    return [[y, m, at.isoformat() if at else None, newest_id] for y, m, at, newest_id in rows]


def scope_key(user: Any) -> list[Any]:
    """What of the caller changes an answer: superuser or not, the region and (for a town
    official) the town it is limited to — the same things `projects.access.region_filter`
    reads."""
    if getattr(user, "is_superuser", False):
        return ["*"]
    return [getattr(user, "region_id", None), bool(getattr(user, "is_active", False))]


def _version(period: Period) -> list[Any]:
    """What moves with every change of the period's answers: with a shared cache the one
    generation; otherwise the period tokens (a query) and this process's generations."""
    if shared_cache.is_shared():
        return [shared_cache.generation(ANSWERS)]
    generation_keys = [_generation_key(None), *map(_generation_key, related_periods(period))]
    generations = cache.get_many(generation_keys)
    return [period_token(period), [generations.get(key, 0) for key in generation_keys]]


def answer_key(request: Any, *, name: str, period: Period) -> str:
    parts = [
        name,
        str(period),
        _version(period),
        scope_key(request.user),
        sorted((k, sorted(v)) for k, v in request.query_params.lists()),
        translation.get_language(),
        request.accepted_renderer.format if hasattr(request, "accepted_renderer") else "",
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"assessment:api:{name}:{digest}"


def _matches(request: Any, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    if not sent:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
    return "*" in tags or etag in tags


def cached_answer(request: Any, *, name: str, period: Period, build: Callable[[], Any]) -> Response:
    """The answer `build()` makes, from the cache when it is there, with its ETag; a 304 when
    the client already holds it. Errors raised by `build` are not cached."""
    key = answer_key(request, name=name, period=period)
    etag = f'"{key.rsplit(":", 1)[-1]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}
    if _matches(request, etag):
        return Response(status=304, headers=headers)
    timeout = settings.API_CACHE_SECONDS
    data = None
    if timeout:
        data = _memo.get(key)
        if data is None:
            data = cache.get(key)
    if data is None:
        data = build()
        if timeout:
            cache.set(key, data, timeout)
    if timeout:
        _memo.set(key, data)
    return Response(data, headers=headers)
