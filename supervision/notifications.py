"""In-app notifications and their deliveries.

`notify()` writes the Notification rows in the caller's transaction (so they exist exactly when
the change does), plans their deliveries (`channels.plan`: e-mail or the daily digest by each
recipient's preferences, and the group bots of the region or unit) and sends them on commit
through a Celery task (`tasks.send_delivery`). Each row has a `key` unique per event and
recipient, each delivery one per event and channel, so an event notified twice (a job run
twice) gives one notification and sends each message once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from projects.models import ChainAssignment, Person, Region, User

from . import channels, tasks
from .channels import email_configured, recipient_email
from .models import Issue, Notification

__all__ = ["email_configured", "notify", "notify_many", "recipient_email"]


def issue_link(issue: Issue) -> str:
    """The page of an issue: the UI's if it is installed, else the API's."""
    for name in ("supervision:issue_detail", "supervision:issue-detail"):
        try:
            return reverse(name, args=[issue.pk])
        except NoReverseMatch:
            continue
    return f"/api/v1/issues/{issue.pk}/"


def chain_people(issue: Issue) -> list[Person]:
    """The people in the chain of an issue: the assignee and the project's current 四包一."""
    people: dict[int, Person] = {}
    if issue.assignee is not None:
        people[issue.assignee.pk] = issue.assignee
    current = ChainAssignment.objects.filter(
        project_id=issue.project_id, end_date__isnull=True
    ).select_related("person")
    for assignment in current:
        people.setdefault(assignment.person_id, assignment.person)
    return list(people.values())


def event_kind(event: str) -> str:
    """The kind of an event (`issue.assigned:17:2026-…` → `issue.assigned`): what preferences
    and group bots choose among (`supervision.choices.EventKind`)."""
    return event.split(":", 1)[0][:50]


def notify(
    *,
    event: str,
    text: str,
    region: Region | str | None = None,
    link: str = "",
    issue: Issue | None = None,
    people: Iterable[Person | None] = (),
    users: Iterable[User | None] = (),
) -> list[Notification]:
    """Notifies people (and their logins) and users about `event`; returns the rows created now
    (those notified before for the same event and recipient are skipped).

    `event` is the event's unique key, its kind before the first ':' (`event_kind`). `region`
    (a Region or its code) scopes the rows; it defaults to the issue's project's region and is
    required when there is no issue. `link` defaults to the issue's page."""
    if region is None:
        if issue is None:
            raise ValueError("notify() needs a region when there is no issue")
        region_id = issue.project.region_id
    else:
        region_id = region.pk if isinstance(region, Region) else region
    if not link and issue is not None:
        link = issue_link(issue)
    kind = event_kind(event)
    by_person = {p.pk: p for p in people if p is not None}
    by_user = {u.pk: u for u in users if u is not None}
    person_user = dict(
        User.objects.filter(person_id__in=by_person, is_active=True).values_list("person_id", "pk")
    )
    row = {"region_id": region_id, "issue": issue, "kind": kind, "text": text, "link": link}
    created: list[Notification] = []
    for person_id in by_person:
        user_id = person_user.get(person_id)
        if user_id is not None:
            by_user.pop(user_id, None)
        created += _one(event, row, person_id=person_id, user_id=user_id)
    for user_id in by_user:
        created += _one(event, row, person_id=None, user_id=user_id)
    send_on_commit(channels.plan(created))
    return created


def send_on_commit(delivery_ids: Sequence[int]) -> None:
    """Queues the deliveries' tasks once the caller's transaction commits (eager without a
    broker: a failing channel is recorded on its row, never raised into the request)."""
    for delivery_id in delivery_ids:
        transaction.on_commit(partial(tasks.send_delivery.delay, delivery_id), robust=True)


def _one(
    event: str, row: dict, *, person_id: int | None, user_id: int | None
) -> list[Notification]:
    who = f"p{person_id}" if person_id else f"u{user_id}"
    notification, was_created = Notification.objects.get_or_create(
        key=f"{event}:{who}"[:200],
        defaults={"recipient_person_id": person_id, "recipient_user_id": user_id, **row},
    )
    return [notification] if was_created else []


@dataclass
class Pending:
    """One event of `notify_many`: what `notify` takes — for an issue, or for an event of a
    region (`region_id`, required without an issue; `link`, else the issue's page)."""

    event: str
    text: str
    issue: Issue | None = None
    people: list[Person] = field(default_factory=list)
    users: list[User | None] = field(default_factory=list)
    region_id: str = ""
    link: str = ""


def chain_of(project_ids: Iterable[int], *, role: str | None = None) -> dict[int, list[Person]]:
    """The current chain people of each project (of one chain role if given, in the roles'
    order): one query of the assignments per 2,000 projects, and each person loaded once — a
    leader sits in dozens of chains."""
    ids = sorted(set(project_ids))
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(ids), 2000):
        current = ChainAssignment.objects.filter(
            project_id__in=ids[start : start + 2000], end_date__isnull=True
        )
        if role is not None:
            current = current.filter(role__code=role)
        pairs += current.order_by("project_id", "role__order").values_list("project_id", "person")
    persons = Person.objects.in_bulk(sorted({person_id for _project, person_id in pairs}))
    chains: dict[int, list[Person]] = defaultdict(list)
    for project_id, person_id in pairs:
        chains[project_id].append(persons[person_id])
    return chains


def chain_people_of(issues: Iterable[Issue]) -> dict[int, list[Person]]:
    """`chain_people` of many issues (`chain_of` their projects): issue id → people."""
    issues = list(issues)
    chains = chain_of(issue.project_id for issue in issues)
    result = {}
    for issue in issues:
        people: dict[int, Person] = {}
        if issue.assignee is not None:
            people[issue.assignee.pk] = issue.assignee
        for person in chains.get(issue.project_id, []):
            people.setdefault(person.pk, person)
        result[issue.pk] = list(people.values())
    return result


def notify_many(pending: Sequence[Pending]) -> int:
    """`notify` for many issue events at once, in a few statements: the recipients' logins in
    one query, the rows not yet there inserted in bulk (a row already there for the same event
    and recipient — an earlier or concurrent run — is skipped by its unique key), emails on
    commit as `notify` sends them. Returns the number of rows created."""
    person_ids = {p.pk for item in pending for p in item.people if p is not None}
    person_user = dict(
        User.objects.filter(person_id__in=person_ids, is_active=True).values_list("person_id", "pk")
    )
    rows: dict[str, Notification] = {}
    for item in pending:
        if item.issue is None and not item.region_id:
            raise ValueError("notify_many() needs a region for an event without an issue")
        row = {
            "region_id": item.region_id or item.issue.project.region_id,  # type: ignore[union-attr]
            "issue": item.issue,
            "kind": event_kind(item.event),
            "text": item.text,
            "link": item.link or (issue_link(item.issue) if item.issue is not None else ""),
        }
        by_user = {u.pk for u in item.users if u is not None}
        for person in {p.pk: p for p in item.people if p is not None}:
            user_id = person_user.get(person)
            by_user.discard(user_id)
            key = f"{item.event}:p{person}"[:200]
            rows[key] = Notification(
                key=key, recipient_person_id=person, recipient_user_id=user_id, **row
            )
        for user_id in by_user:
            key = f"{item.event}:u{user_id}"[:200]
            rows[key] = Notification(key=key, recipient_user_id=user_id, **row)
    keys = list(rows)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(
            Notification.objects.filter(key__in=keys[start : start + 500]).values_list(
                "key", flat=True
            )
        )
    new = [rows[key] for key in keys if key not in existing]
    Notification.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if new:
        new_keys = [n.key for n in new]
        ids: list[int] = []
        for start in range(0, len(new_keys), 500):
            ids += Notification.objects.filter(
                key__in=new_keys[start : start + 500], emailed_at__isnull=True
            ).values_list("pk", flat=True)
        send_on_commit(channels.plan(Notification(pk=pk) for pk in ids))
    return len(new)
