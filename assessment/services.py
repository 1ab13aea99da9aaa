"""The assessment's writes that people make: publishing a ranking from a page or the API.

(The recompute writes the statuses itself, `assessment.recompute`; the monthly publication
without a person is `rankings.publish_due`.)"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.periods import Period
from projects import access
from projects.models import Region

from . import rankings, recompute
from .api import cache as api_cache
from .models import RankingSnapshot
from .selectors import last_computed_at


def may_publish(actor, parent: Region) -> bool:
    """A reviewer or administrator whose scope holds `parent` publishes its rankings (the
    city's 重点项目办 its districts', a district its leaders')."""
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.can_review
        and access.covers(actor, parent.code)
    )


def ranking_publish(
    *, actor, scope: str, parent: Region, period: Period, reason: str = ""
) -> RankingSnapshot:
    """Publishes the period's live ranking of `parent` as its next version (the first needs no
    reason, a correction does: `rankings.publish`), by `actor`, who must be allowed to."""
    if not may_publish(actor, parent):
        raise PermissionDenied(_("只有该区域的审核人或管理员可以发布排名。"))
    rankings.check_scope(scope)
    # Never freeze figures the recompute has not caught up with (its own transaction, first).
    if last_computed_at(period) is None or recompute.is_dirty(period):
        recompute.run(period)
    try:
        snapshot = rankings.publish(
            scope=scope,
            parent=parent,
            year=period.year,
            month=period.month,
            user=actor,
            reason=reason,
        )
    except IntegrityError:  # the same version published by someone else a moment ago
        raise ValidationError(
            {"reason": _("该排名刚刚已由他人发布，请刷新页面查看最新版本。")}
        ) from None
    # the API's cached rankings of the period (their keys carry the newest version anyway)
    transaction.on_commit(lambda: api_cache.invalidate(period))
    return snapshot
