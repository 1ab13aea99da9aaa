"""Reads of the supervision app: querysets that take the user, go through
`projects.access.scope`, and carry what their lists show (select_related / prefetch /
annotations) so a list costs the same number of queries for 1 row or 500.

The FilterSets in `supervision.filters` narrow these further; the API, the UI and the admin use
the same selectors.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from projects import access

from .choices import IssueStatus
from .models import (
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    Notification,
    overdue_q,
)


def issue_list(*, user: access.Viewer, today: dt.date | None = None) -> QuerySet[Issue]:
    """Issues the user may see, with `is_overdue` for `today` (default: today)."""
    today = today or timezone.localdate()
    return (
        access.scope(user, Issue.objects.all())
        .with_overdue(today)
        .select_related(
            "project", "project__region", "assigned_unit", "assignee", "raised_by", "meeting"
        )
    )


def issue_detail(*, user: access.Viewer, today: dt.date | None = None) -> QuerySet[Issue]:
    return issue_list(user=user, today=today).prefetch_related(
        Prefetch("transitions", queryset=IssueTransition.objects.select_related("actor")),
        "attachments",
    )


def inspection_list(*, user: access.Viewer) -> QuerySet[Inspection]:
    return (
        access.scope(user, Inspection.objects.all())
        .select_related("project", "project__region", "created_by")
        .prefetch_related(
            "inspectors",
            Prefetch("findings", queryset=InspectionFinding.objects.order_by("pk")),
            "photos",
        )
    )


def finding_list(*, user: access.Viewer) -> QuerySet[InspectionFinding]:
    """Findings of the inspections the user may see."""
    return access.scope(user, InspectionFinding.objects.select_related("inspection__project"))


def finding_photos(*, user: access.Viewer, issue: Issue) -> QuerySet[InspectionPhoto]:
    """The photos of the inspection whose finding raised `issue` (none for other issues)."""
    return (
        photo_list(user=user)
        .filter(inspection__findings__issue=issue)
        .select_related("inspection")
        .order_by("pk")
    )


def attachment_list(*, user: access.Viewer) -> QuerySet[IssueAttachment]:
    """Attachments of the issues the user may see (for their downloads)."""
    return access.scope(user, IssueAttachment.objects.all())


def photo_list(*, user: access.Viewer) -> QuerySet[InspectionPhoto]:
    """Photos of the inspections the user may see (for their downloads)."""
    return access.scope(user, InspectionPhoto.objects.all())


def notification_list(*, user: access.Viewer) -> QuerySet[Notification]:
    """The user's own notifications (to the login or to the person it stands for)."""
    mine = Q(recipient_user_id=user.pk)
    person_id = getattr(user, "person_id", None)
    if person_id:
        mine |= Q(recipient_person_id=person_id)
    return access.scope(user, Notification.objects.filter(mine)).select_related("issue")


# --- The issues board ---------------------------------------------------------------------


def board_order(queryset: QuerySet[Issue]) -> QuerySet[Issue]:
    """A column's order: overdue first, then the nearest deadline, then the oldest (needs
    `is_overdue`, from `issue_list`)."""
    return queryset.annotate(
        overdue_rank=Case(
            When(is_overdue=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("overdue_rank", F("deadline").asc(nulls_last=True), "raised_at", "pk")


def board_counts(issues: QuerySet[Issue], today: dt.date) -> tuple[dict[str, int], int]:
    """The number of `issues` in each state and how many are overdue: one grouped query."""
    rows = (
        issues.order_by()
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=overdue_q(today)))
        .values_list("status", "n", "late")
    )
    counts, overdue = {}, 0
    for status, n, late in rows:
        counts[status] = n
        overdue += late
    return counts, overdue


def board_columns(
    issues: QuerySet[Issue], statuses: list[str], per_column: int, today: dt.date
) -> dict[str, list[Issue]]:
    """The first `per_column` issues of each state in the board's order (`board_order`), in
    one query that reads each column's rows from the (status, deadline, raised_at, id) index:
    the order is the index's except that overdue rows come first, so a running state's column
    is cut into the parts that are each an index range — deadline passed (by deadline), plan
    late without a deadline (by raised_at), the rest (by deadline, nulls last) — and each
    part's first rows are taken; the parts are concatenated in that order."""
    late_deadline = Q(deadline__lt=today)
    late_plan = Q(deadline__isnull=True, plan_submitted_at__isnull=True, plan_due__lt=today)
    order = (F("deadline").asc(nulls_last=True), "raised_at", "pk")
    parts: list[tuple[str, int, QuerySet[Issue, tuple[int]]]] = []
    running = set(IssueStatus.running())
    for status in statuses:
        column = issues.filter(status=status)
        if status in running:
            pieces = [column.filter(late_deadline), column.filter(late_plan)]
            pieces.append(column.exclude(late_deadline).exclude(late_plan))
        else:
            pieces = [column]
        for rank, piece in enumerate(pieces):
            parts.append((status, rank, piece.order_by(*order).values_list("pk")[:per_column]))
    columns: dict[str, list[Issue]] = {status: [] for status in statuses}
    if not parts:
        return columns
    # 1: the ids of every part's first rows (one UNION ALL), 2: those issues in full
    first, *rest = (ids for _status, _rank, ids in parts)
    if connection.features.supports_slicing_ordering_in_compound:
        wanted = [pk for (pk,) in (first.union(*rest, all=True) if rest else first)]
    else:  # SQLite: no LIMIT inside a UNION; the same rows by a window function, one query
        is_running = Q(status__in=list(running))
        part = Case(
            When(is_running & late_deadline, then=Value(0)),
            When(is_running & late_plan, then=Value(1)),
            When(is_running, then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )
        numbered = (
            issues.filter(status__in=statuses)
            .annotate(board_part=part)
            .annotate(
                board_row=Window(
                    RowNumber(),
                    partition_by=[F("status"), F("board_part")],
                    order_by=[*order[:1], F("raised_at").asc(), F("pk").asc()],
                )
            )
            .filter(board_row__lte=per_column)
            .order_by()
        )
        wanted = list(numbered.values_list("pk", flat=True))
    found = {issue.pk: issue for issue in issues.filter(pk__in=wanted).order_by()}

    def key(issue: Issue) -> tuple[bool, dt.date, dt.datetime, int]:
        return (issue.deadline is None, issue.deadline or today, issue.raised_at, issue.pk)

    for status, rank, _ids in parts:
        in_part = [i for i in found.values() if i.status == status and _part(i, today) == rank]
        columns[status].extend(sorted(in_part, key=key))
    return {status: rows[:per_column] for status, rows in columns.items()}


def _part(issue: Issue, today: dt.date) -> int:
    """Which part of its column (`board_columns`) an issue is in."""
    if issue.status not in IssueStatus.running():
        return 0
    if issue.deadline is not None and issue.deadline < today:
        return 0
    if (
        issue.deadline is None
        and issue.plan_submitted_at is None
        and issue.plan_due is not None
        and issue.plan_due < today
    ):
        return 1
    return 2
