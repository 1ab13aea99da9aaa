"""The daily overdue job on a backlog (issue #15, item 4): N running issues made overdue and
not yet flagged (default 34,000), then `supervision.services.issues_flag_overdue` timed — in
one transaction that is rolled back at the end, so the dataset is left as it was. Then the job
is run a second time in the same transaction (it must flag nothing more).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k python benchmarks/overdue.py

The floor in the same run: one UPDATE of the same N rows' flag column and one INSERT … SELECT
of as many notification rows as the job wrote (what the job cannot do with less).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from supervision.choices import IssueStatus  # noqa: E402
from supervision.models import Issue, IssueTransition, Notification  # noqa: E402
from supervision.services import issues_flag_overdue  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=34_000)
    args = parser.parse_args()
    today = timezone.localdate()
    print(f"# overdue backlog of {args.issues:,} issues ({Issue.objects.count():,} in all)")
    print(f"date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()}")
    print(f"machine {platform.platform()}, {os.cpu_count()} cores")
    try:
        with transaction.atomic():
            ids = list(
                Issue.objects.filter(status__in=IssueStatus.running())
                .order_by("pk")
                .values_list("pk", flat=True)[: args.issues]
            )
            if len(ids) < args.issues:
                more = list(
                    Issue.objects.exclude(pk__in=ids)
                    .order_by("pk")
                    .values_list("pk", flat=True)[: args.issues - len(ids)]
                )
                ids += more
            # nothing else overdue: the backlog is exactly these
            Issue.objects.filter(status__in=IssueStatus.running()).update(
                deadline=today + dt.timedelta(days=30), overdue_flagged_on=today
            )
            for start in range(0, len(ids), 5000):
                Issue.objects.filter(pk__in=ids[start : start + 5000]).update(
                    status=IssueStatus.ASSIGNED,
                    deadline=today - dt.timedelta(days=10),
                    overdue_flagged_on=None,
                    escalated_at=None,
                )
            notes, steps = Notification.objects.count(), IssueTransition.objects.count()
            started = time.perf_counter()
            result = issues_flag_overdue(today=today)
            seconds = time.perf_counter() - started
            again = time.perf_counter()
            second = issues_flag_overdue(today=today)
            second_s = time.perf_counter() - again
            written = Notification.objects.count() - notes
            # the floor: the same rows' flag in one UPDATE, as many notification rows in one
            # INSERT … SELECT (copies of rows just written, with new keys)
            floor_started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE supervision_issue SET overdue_flagged_on = NULL WHERE id = ANY(%s)",
                    [ids],
                )
                cursor.execute(
                    "INSERT INTO supervision_notification (key, recipient_user_id,"
                    " recipient_person_id, region_id, issue_id, kind, text, link, created_at,"
                    " read_at, emailed_at) SELECT 'floor:' || key, recipient_user_id,"
                    " recipient_person_id, region_id, issue_id, kind, text, link, created_at,"
                    " read_at, emailed_at FROM supervision_notification ORDER BY id DESC"
                    " LIMIT %s",
                    [written],
                )
            floor = time.perf_counter() - floor_started
            print(
                f"job: {seconds:.1f} s — flagged {result.flagged:,}, escalated "
                f"{result.escalated:,}, notifications {result.notifications:,}, transitions "
                f"{IssueTransition.objects.count() - steps:,}"
            )
            print(
                f"second run at once after: {second_s:.1f} s — flagged {second.flagged}, "
                f"escalated {second.escalated}, notifications {second.notifications}"
            )
            print(f"floor (one UPDATE + one INSERT … SELECT of the rows): {floor:.1f} s")
            print(f"per issue: {seconds / max(1, len(ids)) * 1000:.2f} ms")
            raise Rollback
    except Rollback:
        print("rolled back: the dataset is unchanged")


if __name__ == "__main__":
    main()
