"""Keyset pagination (issue #15): a deep page of a long list found from the sort key of the row
before it, not by counting rows off (`OFFSET 50000` reads and drops 50,000 rows; a keyset page
reads its 50 from the index of the sort key, whatever its depth).

A list declares its orderings as `Key` tuples ending with a unique column (the id), so every row
has one place. Nulls sort last in both directions — the same on PostgreSQL and SQLite — and the
condition "after this row" (`after_q`) leads with a range on the first key (`>=` / `<=`), which
the key's index answers. The cursor is the last (or first) row's key values, signed, as text
(`encode` / `decode`): a cursor that was tampered with, or belongs to another ordering, is
ignored (the first page is shown), never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Round
from django.db.models.lookups import Exact, GreaterThan, LessThan

SALT = "core.keyset"


@dataclass(frozen=True)
class Key:
    """One sort key: a field or annotation of the queryset, its direction, whether it may be
    null (a null sorts after every value)."""

    field: str
    descending: bool = False
    nullable: bool = False
    # A decimal's places: SQLite keeps a decimal as a REAL (0.41200000000000003), while the row
    # read back, hence the cursor, holds it rounded (0.412000) — the row would sort after its
    # own cursor and 下一页 repeat the page. On SQLite such a key is sorted and compared rounded
    # to its places; PostgreSQL's numeric is exact and keeps the plain column (its index).
    places: int | None = None

    @property
    def rounded(self) -> bool:
        return self.places is not None and connection.vendor == "sqlite"

    def expression(self) -> Any:
        return Round(F(self.field), self.places or 0) if self.rounded else F(self.field)

    def compare(self, lookup: str, value: Any) -> Q:
        """`field <lookup> value` ("gt", "lt" or "exact"), rounded where `rounded`."""
        if not self.rounded:
            return Q(**{f"{self.field}__{lookup}": value})
        lookups = {"gt": GreaterThan, "lt": LessThan, "exact": Exact}
        # a float on both sides: SQLite compares a REAL expression below any text parameter
        return Q(lookups[lookup](self.expression(), Value(float(value), FloatField())))

    def order(self, *, nulls_last: bool = True) -> Any:
        expression = self.expression()
        # no NULLS clause on a column that has none: `DESC` alone is what its index serves
        nulls = (
            {}
            if not self.nullable
            else {"nulls_last": True}
            if nulls_last
            else {"nulls_first": True}
        )
        return expression.desc(**nulls) if self.descending else expression.asc(**nulls)

    def reversed(self) -> Key:
        return Key(self.field, not self.descending, self.nullable, self.places)


def order_by(
    queryset: QuerySet[Any], keys: Sequence[Key], *, nulls_last: bool = True
) -> QuerySet[Any]:
    return queryset.order_by(*(key.order(nulls_last=nulls_last) for key in keys))


def _after(keys: Sequence[Key], values: Sequence[Any], *, nulls_last: bool) -> Q:
    """Rows strictly after the row with `values` in the order of `keys`."""
    if not keys:
        return Q(pk__in=[])  # strictly after: the row itself is not
    key, value, rest = keys[0], values[0], keys[1:]
    later = _after(rest, values[1:], nulls_last=nulls_last)
    if value is None:
        if nulls_last:  # a null sorts last: after it, only later nulls
            return Q(**{f"{key.field}__isnull": True}) & later
        return Q(**{f"{key.field}__isnull": False}) | (Q(**{f"{key.field}__isnull": True}) & later)
    beyond = "lt" if key.descending else "gt"
    condition = key.compare(beyond, value) | (key.compare("exact", value) & later)
    if key.nullable and nulls_last:
        condition |= Q(**{f"{key.field}__isnull": True})
    return condition


def after_q(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """The rows after the row whose key values are `values`, in the order of `keys` (nulls
    last); led by a range on the first key where it is not null, for its index."""
    condition = _after(keys, values, nulls_last=True)
    first, value = keys[0], values[0]
    if value is not None and not first.nullable and not first.rounded:
        bound = "lte" if first.descending else "gte"
        condition = Q(**{f"{first.field}__{bound}": value}) & condition
    return condition


def before_q(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """The rows before that row: after it in the reversed order, where nulls come first."""
    reversed_keys = [key.reversed() for key in keys]
    condition = _after(reversed_keys, values, nulls_last=False)
    first, value = reversed_keys[0], values[0]
    if value is not None and not first.nullable and not first.rounded:
        bound = "lte" if first.descending else "gte"
        condition = Q(**{f"{first.field}__{bound}": value}) & condition
    return condition


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"D": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "d" in value:
            return Decimal(value["d"])
        if "t" in value:
            return dt.datetime.fromisoformat(value["t"])
        if "D" in value:
            return dt.date.fromisoformat(value["D"])
    return value


def values_of(row: Any, keys: Sequence[Key]) -> list[Any]:
    """A row's key values (`field` may be an annotation, or `pk`)."""
    return [getattr(row, key.field.replace("__", "_")) for key in keys]


def encode(name: str, values: Sequence[Any]) -> str:
    """A cursor: the ordering's name and a row's key values, signed."""
    return signing.dumps([name, [_plain(v) for v in values]], salt=SALT, compress=True)


def decode(name: str, cursor: str | None, size: int) -> list[Any] | None:
    """The key values of a cursor of ordering `name` with `size` keys; None if there is none,
    or it is not one of ours, or of another ordering."""
    if not cursor:
        return None
    try:
        got_name, values = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError, json.JSONDecodeError):
        return None
    if got_name != name or not isinstance(values, list) or len(values) != size:
        return None
    try:
        return [_typed(v) for v in values]
    except (ValueError, TypeError):
        return None


@dataclass
class KeysetPage:
    """One page of a keyset-paginated list: its rows, and cursors to the pages around it."""

    object_list: list[Any]
    number: int
    count: int
    per_page: int
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def paginator(self) -> KeysetPage:  # what templates written for Django's Page read
        return self

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def _fetch(
    queryset: QuerySet[Any], keys: Sequence[Key], *, start: int, stop: int, nulls_last: bool = True
) -> list[Any]:
    """The rows start..stop of `queryset` in the order of `keys`: the ids first, sorted on the
    narrow rows (no joined columns, no prefetch), then those rows in full — so the sort never
    carries a wide row of every project it passes (a late row lookup; one query more)."""
    ordered = order_by(queryset, keys, nulls_last=nulls_last)
    ids = list(ordered.values_list("pk", flat=True)[start:stop])
    rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [rows[pk] for pk in ids if pk in rows]


def offset_page(
    queryset: QuerySet[Any],
    *,
    name: str,
    keys: Sequence[Key],
    per_page: int,
    count: int,
    number: int,
) -> KeysetPage:
    """Page `number` counted off from the start (an address typed with `?page=` only): the
    rows of OFFSET/LIMIT, with cursors, so the pages around it are keyset pages."""
    pages = max(1, -(-count // per_page))
    number = min(max(1, number), pages)
    start = (number - 1) * per_page
    rows = _fetch(queryset, keys, start=start, stop=start + per_page + 1)
    return _page(
        rows[:per_page], name, keys, per_page, count, number, number > 1, len(rows) > per_page
    )


def page(
    queryset: QuerySet[Any],
    *,
    name: str,
    keys: Sequence[Key],
    per_page: int,
    count: int,
    after: str | None = None,
    before: str | None = None,
    number: int = 1,
) -> KeysetPage:
    """The page after the cursor `after` (or before `before`; neither: the first page), with
    `number` as the page's number to show (the caller carries it in the links). Two queries
    for the rows (per_page + 1 of them, to know whether there is a next page): their ids, then
    the rows."""
    after_values = decode(name, after, len(keys))
    before_values = decode(name, before, len(keys)) if after_values is None else None
    if before_values is not None:
        rows = _fetch(
            queryset.filter(before_q(keys, before_values)),
            [key.reversed() for key in keys],
            start=0,
            stop=per_page + 1,
            nulls_last=False,
        )
        if len(rows) > per_page:  # a full page with more before it
            return _page(rows[:per_page][::-1], name, keys, per_page, count, number, True, True)
        # the first page (maybe longer than what lay before the cursor)
    forwards = queryset if after_values is None else queryset.filter(after_q(keys, after_values))
    rows = _fetch(forwards, keys, start=0, stop=per_page + 1)
    has_previous = after_values is not None
    return _page(
        rows[:per_page],
        name,
        keys,
        per_page,
        count,
        number if has_previous else 1,
        has_previous,
        len(rows) > per_page,
    )


def _page(
    rows: list[Any],
    name: str,
    keys: Sequence[Key],
    per_page: int,
    count: int,
    number: int,
    has_previous: bool,
    has_next: bool,
) -> KeysetPage:
    return KeysetPage(
        object_list=rows,
        number=max(2, number) if has_previous else 1,
        count=count,
        per_page=per_page,
        next_cursor=encode(name, values_of(rows[-1], keys)) if rows and has_next else None,
        previous_cursor=(encode(name, values_of(rows[0], keys)) if rows and has_previous else None),
    )
