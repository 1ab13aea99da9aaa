"""The database as the web process uses it: short waits, and "busy" when they run out.

An import or a recompute holds row locks for the length of its transaction (tens of seconds
for a large ledger). Without a limit, an edit of a locked row waits for all of it and the user
sees a page that hangs; with one, the wait stops after `DATABASE_LOCK_TIMEOUT_MS` and the user
is told the data is busy and to retry (a 503 with `Retry-After`: the page `busy.html`, or the
API's `{"detail": …}`), and a runaway statement stops after `DATABASE_STATEMENT_TIMEOUT_MS`.

Only the web process sets these limits: `portfolio/wsgi.py` and `portfolio/asgi.py` call
`enable_web_timeouts()`, so every connection they open is set up so (PostgreSQL: the session's
`lock_timeout` and `statement_timeout`, and JIT compilation off; SQLite: its busy timeout).
Celery workers and the management commands (imports, recompute, seed_demo) never import those
modules and keep the server's own defaults — their long transactions are the point of the
limit, not its victims.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# SQLSTATEs that mean "try again shortly": lock_not_available (lock_timeout), query_canceled
# (statement_timeout), deadlock_detected and serialization_failure (PostgreSQL rolled the
# transaction back; a retry normally succeeds).
BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001"})
# SQLite's words for a lock it waited for in vain.
BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked")
# Seconds a client is asked to wait before retrying (the Retry-After header).
RETRY_AFTER_SECONDS = 5

_DISPATCH_UID = "core.db.web_timeouts"


def is_database_busy(exc: BaseException) -> bool:
    """True for a database error that a retry in a few seconds should overcome: a lock or
    statement timeout, a deadlock, SQLite's "database is locked"."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in BUSY_SQLSTATES:
        return True
    return any(text in str(exc).lower() for text in BUSY_SQLITE_MESSAGES)


def apply_web_timeouts(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:  # noqa: ARG001 - a signal receiver's signature
    """`connection_created` receiver: the web process's limits on a new connection (0: the
    server's default, no limit)."""
    lock_ms = int(settings.DATABASE_LOCK_TIMEOUT_MS)
    statement_ms = int(settings.DATABASE_STATEMENT_TIMEOUT_MS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # and no JIT compilation: a page's statements are short, and compiling one costs
            # more than it saves (230 ms of the overview's 1.1 s completeness count at 100,000
            # projects); the recompute and the imports, in workers, keep the server's setting
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false),"
                " set_config('statement_timeout', %s, false), set_config('jit', 'off', false)",
                [f"{lock_ms}ms", f"{statement_ms}ms"],
            )
        elif connection.vendor == "sqlite" and lock_ms:
            cursor.execute(f"PRAGMA busy_timeout = {lock_ms:d}")


def enable_web_timeouts() -> None:
    """Every database connection this process opens from now on gets the web limits."""
    connection_created.connect(apply_web_timeouts, dispatch_uid=_DISPATCH_UID)


def disable_web_timeouts() -> None:
    """Undoes `enable_web_timeouts` for connections opened from now on (tests)."""
    connection_created.disconnect(dispatch_uid=_DISPATCH_UID)
