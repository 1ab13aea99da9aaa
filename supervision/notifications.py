"""In-app notifications and their emails.

`notify()` writes the Notification rows in the caller's transaction (so they exist exactly when
the change does) and sends the emails on commit through a Celery task. Each row has a `key`
unique per event and recipient, so an event notified twice (a job run twice) gives one
notification and one email.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from projects.models import ChainAssignment, Person, User

from . import tasks
from .models import Issue, Notification, SupervisionSettings

DUMMY_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def issue_link(issue: Issue) -> str:
    """The page of an issue: the UI's if it is installed, else the API's."""
    for name in ("supervision:issue_detail", "supervision:issue-detail"):
        try:
            return reverse(name, args=[issue.pk])
        except NoReverseMatch:
            continue
    return f"/api/v1/issues/{issue.pk}/"


def email_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return (
        bool(backend)
        and backend != DUMMY_BACKEND
        and SupervisionSettings.current().email_notifications
    )


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


def notify(
    *,
    event: str,
    issue: Issue,
    text: str,
    people: Iterable[Person | None] = (),
    users: Iterable[User | None] = (),
) -> list[Notification]:
    """Notifies people (and their logins) and users about `event` of `issue`; returns the rows
    created now (those notified before for the same event are skipped)."""
    by_person = {p.pk: p for p in people if p is not None}
    by_user = {u.pk: u for u in users if u is not None}
    person_user = dict(
        User.objects.filter(person_id__in=by_person, is_active=True).values_list("person_id", "pk")
    )
    link = issue_link(issue)
    created: list[Notification] = []
    region_id = issue.project.region_id
    for person_id in by_person:
        user_id = person_user.get(person_id)
        if user_id is not None:
            by_user.pop(user_id, None)
        created += _one(event, issue, text, link, region_id, person_id=person_id, user_id=user_id)
    for user_id in by_user:
        created += _one(event, issue, text, link, region_id, person_id=None, user_id=user_id)
    if created and email_configured():
        for notification in created:
            transaction.on_commit(
                partial(tasks.send_notification_email.delay, notification.pk), robust=True
            )
    return created


def _one(
    event: str,
    issue: Issue,
    text: str,
    link: str,
    region_id: str,
    *,
    person_id: int | None,
    user_id: int | None,
) -> list[Notification]:
    who = f"p{person_id}" if person_id else f"u{user_id}"
    notification, was_created = Notification.objects.get_or_create(
        key=f"{event}:{who}"[:200],
        defaults={
            "recipient_person_id": person_id,
            "recipient_user_id": user_id,
            "region_id": region_id,
            "issue": issue,
            "text": text,
            "link": link,
        },
    )
    return [notification] if was_created else []


def recipient_email(notification: Notification) -> str:
    person = notification.recipient_person
    if person is not None and person.email:
        return person.email
    user = notification.recipient_user
    if user is not None and user.email:
        return user.email
    return ""
