"""The Django cache as every process of the installation shares it (issue #15, item 3).

A value kept in the cache can stand in for a database read on every request only if a change
reaches every process at once — a deactivated user, a deleted token, a new recompute. That holds
for a cache the processes share (Redis, as `docker-compose.yml` sets `CACHE_URL`; Memcached, a
database or file cache) and not for the per-process memory cache, the embedded default, where a
change made by one gunicorn worker, a Celery worker or a management command never reaches the
others. So `is_shared()` decides whether such shortcuts are taken at all; without a shared cache
the readers keep reading the database.

The changes are carried by generation numbers (`generation` / `bump`): a reader puts the
generation in the key it reads and writes, a writer bumps it when its transaction commits, so a
value read from the database just before a change is written under the old generation, where no
one looks any more (no race between "read, then store" and "change, then delete"). A generation
starts from the clock, so one evicted from the cache never comes back with a value it had
before.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished, request_started
from django.db import transaction


def is_shared() -> bool:
    """True when every process reads and writes the same cache (anything but the per-process
    memory cache and the dummy cache)."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def _start() -> int:
    return time.time_ns() // 1000  # microseconds: a fresh start is above any earlier value


# Generations read once per request: the keys registered (`register`) are fetched together at
# the request's first `generation()`, one round trip for all; the copy lives until the request
# ends or this process bumps one (an eager recompute inside the request). Outside a request
# (a worker, a command) every read goes to the cache.
_REGISTERED: list[str] = []
_state = threading.local()


def register(key: str) -> None:
    """`key` is read with the others at a request's first `generation()`."""
    if key not in _REGISTERED:
        _REGISTERED.append(key)


def _request_started(**kwargs: Any) -> None:
    _state.in_request = True
    _state.generations = None


def _request_finished(**kwargs: Any) -> None:
    _state.in_request = False
    _state.generations = None


request_started.connect(_request_started, dispatch_uid="core.cache.request_started")
request_finished.connect(_request_finished, dispatch_uid="core.cache.request_finished")


def generations(keys: Iterable[str]) -> dict[str, int]:
    """The current generation of each key, one cache round trip; a missing one is started (from
    the clock) and stored."""
    keys = list(keys)
    found: dict[str, int] = cache.get_many(keys)
    for key in keys:
        if key not in found:
            value = _start()
            # `add`: two processes starting the same generation at once agree on the first
            found[key] = value if cache.add(key, value, None) else cache.get(key, value)
    return found


def generation(key: str) -> int:
    if not getattr(_state, "in_request", False):
        return generations([key])[key]
    memo = getattr(_state, "generations", None)
    if memo is None or key not in memo:
        memo = {**(memo or {}), **generations({*_REGISTERED, key})}
        _state.generations = memo
    return int(memo[key])


class Memo:
    """Values kept in this process under keys that carry their generation (so a value found
    is still the right one while its generation is current): the newest `size` only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.size:
                self.values.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


def bump_now(key: str) -> None:
    _state.generations = None  # this request reads the new one
    try:
        cache.incr(key)
    except ValueError:  # not there (never read, or evicted): any fresh start is a new value
        cache.set(key, _start(), None)


def bump(key: str) -> None:
    """Moves the generation `key` on when the current transaction commits (at once outside
    one): what was stored under the old one is never read again."""
    transaction.on_commit(lambda: bump_now(key))
