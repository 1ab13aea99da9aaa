"""The assessment's writes that people make: publishing a ranking from a page or the API;
entering an assessment's scores and publishing a half-year or year-end assessment.

(The recompute writes the statuses itself, `assessment.recompute`; the monthly publication
without a person is `rankings.publish_due`.)"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.periods import Period
from projects import access
from projects.models import Project, Region
from supervision.models import Inspection

from . import assessments, rankings, recompute
from .api import cache as api_cache
from .choices import AssessmentSubject
from .models import (
    AssessmentIndicator,
    AssessmentScore,
    AssessmentSnapshot,
    ObservationScore,
    RankingSnapshot,
)
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


@transaction.atomic
def assessment_score_set(
    *,
    actor,
    indicator: AssessmentIndicator,
    year: int,
    region: Region,
    score: Decimal,
    note: str = "",
) -> AssessmentScore:
    """Enters (or changes) the score the assessors gave `region` on an `entered` indicator of
    `year`'s assessment; reviewers and administrators of the region's parent only. The change
    is kept in the score's history; a published version keeps the scores it was published
    with (a changed score reaches it only through a correction)."""
    parent = region.parent
    if parent is None or not may_publish(actor, parent):
        raise PermissionDenied(_("只有上级区域的审核人或管理员可以录入考核评分。"))
    row = (
        AssessmentScore.objects.select_for_update()
        .filter(indicator=indicator, year=year, region=region)
        .first()
    ) or AssessmentScore(indicator=indicator, year=year, region=region)
    row.score = score
    row.note = (note or "").strip()
    row.entered_by = actor
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def observation_score_set(
    *,
    actor,
    indicator: AssessmentIndicator,
    year: int,
    project: Project,
    score: Decimal,
    note: str = "",
    inspection: Inspection | None = None,
) -> ObservationScore:
    """Enters (or changes) the score the assessors gave `project` on an observation tour for a
    `per_project` indicator (观摩评议) of `year`'s assessment, optionally on one observation
    inspection of it; reviewers and administrators of the parent of the project's district
    only (they assess the district). History is kept; a published version keeps the scores it
    was published with."""
    district = project.region
    parent = district.parent
    if parent is None or not may_publish(actor, parent):
        raise PermissionDenied(_("只有上级区域的审核人或管理员可以录入观摩评分。"))
    row = (
        ObservationScore.objects.select_for_update()
        .filter(indicator=indicator, year=year, project=project)
        .first()
    ) or ObservationScore(indicator=indicator, year=year, project=project)
    row.score = score
    row.note = (note or "").strip()
    row.inspection = inspection
    row.entered_by = actor
    row.full_clean()
    row.save()
    return row


def assessment_publish(
    *,
    actor,
    kind: str,
    parent: Region,
    year: int,
    reason: str = "",
    subject: str = AssessmentSubject.DISTRICT,
) -> AssessmentSnapshot:
    """Publishes `parent`'s half-year or year-end assessment of `year` as its next version (a
    correction needs a reason: `assessments.publish`), by a reviewer or administrator of it."""
    if not may_publish(actor, parent):
        raise PermissionDenied(_("只有该区域的审核人或管理员可以发布考核结果。"))
    assessments.check_kind(kind)
    period = assessments.period_of(kind, year)
    if last_computed_at(period) is None or recompute.is_dirty(period):
        recompute.run(period)
    try:
        return assessments.publish(
            kind=kind, parent=parent, year=year, user=actor, reason=reason, subject=subject
        )
    except IntegrityError:
        raise ValidationError(
            {"reason": _("该考核结果刚刚已由他人发布，请刷新页面查看最新版本。")}
        ) from None
