"""Recompute a period: every project's figures (`assessment.measures`) and colour
(`assessment.colours`), stored as ProjectStatus rows — the code the Celery jobs
(`assessment.tasks`), `manage.py recompute` and the rankings' publication run.

The modules, each importing only those before it (no cycle):

- `statement` — the SQL: one period's DELETE and INSERT … SELECT of its ProjectStatus rows
  (figures, then the colour layers), set-wise, run on one connection;
- `parallel` — the PostgreSQL engine for a run of all regions: the same INSERT … SELECT in
  ranges of project ids on worker connections sharing one exported snapshot, into a staging
  table (`Stage`) copied into ProjectStatus;
- `queue` — the debounce state in `RecomputeRequest`: which periods changed, whether a run is
  queued, claimed with conditional updates;
- `runs` — a run: the advisory lock and lock row, the one transaction, the period's
  bookkeeping (`recompute_period`, `RecomputeResult`) and the debounced runs (`run_if_dirty`,
  `run`); a run clears `queue`'s mark inside its own transaction.

This package's names are the public API (`from assessment import recompute;
recompute.mark_changed(...)`); the engines' internals are reached through their modules.
"""

from .queue import (
    claim_queue,
    computed_periods,
    dirty_periods,
    is_dirty,
    last_started,
    mark_changed,
    release_queue,
    release_stale_queues,
)
from .runs import (
    RecomputeResult,
    period_written_hook,
    recompute_period,
    recompute_projects,
    run,
    run_if_dirty,
)

__all__ = [
    "RecomputeResult",
    "claim_queue",
    "computed_periods",
    "dirty_periods",
    "is_dirty",
    "last_started",
    "mark_changed",
    "period_written_hook",
    "recompute_period",
    "recompute_projects",
    "release_queue",
    "release_stale_queues",
    "run",
    "run_if_dirty",
]
