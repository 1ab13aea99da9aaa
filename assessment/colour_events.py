"""`project.colour`: a project that turned yellow or red in a recompute, told to its chain and to
its district's officials (`supervision.notifications.notify`, event key
``project.colour:{project}:{period}:{colour}`` — a recompute run again tells nobody twice).

Called from `recompute.period_written_hook`, in the recompute's transaction. "Turned" compares the
period's colour with the previous period's: yellow from green, white or none; red from anything
else; either for a project new to the portfolio (no row in the previous period, which was
computed). Where the previous period was never computed nothing is known to have turned, so
nobody is told. An improvement (red → yellow) is not an alarm. Only the latest computed period,
and only from the reporting period (last month) on, notifies: a replay of an older period (a
correction of last spring, history loaded month by month) tells nobody about colours long past.
One query finds the turns not yet dealt with (none when the period is not the latest): a turn
once told is kept as a `ColourAlert` row, so a whole re-run of the month with nothing new to tell
stops there. For the others the recipients (chains, their people, the officials) and the
notifications already sent are four more queries (per 500 keys) — an installation upgraded from
before `ColourAlert` finds its earlier notifications so — and only the projects with someone not
yet told are notified, in bulk (`notify_many`); then every turn dealt with is recorded.
"""

from __future__ import annotations

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.periods import Period
from supervision import events
from supervision.models import Notification
from supervision.notifications import Pending, chain_of, notify_many

from .choices import Colour
from .models import ColourAlert, PeriodComputation, ProjectStatus


def _later_computed(period: Period):
    return PeriodComputation.objects.filter(finished_at__isnull=False).filter(
        Q(year__gt=period.year) | Q(year=period.year, month__gt=period.month)
    )


def _event(period: Period, row: tuple) -> str:
    return f"project.colour:{row[0]}:{period}:{row[4]}"


def notify_colour_changes(period: Period, *, project_ids: list[int] | None = None) -> int:
    """Notifies the projects of `period` (of `project_ids` if given) that turned yellow or red;
    returns the number of notifications created. A period before the reporting period (last
    month, `Period.latest_complete`) is history: nobody is told."""
    if period < Period.latest_complete():
        return 0
    before = period.previous()
    previous_computed = PeriodComputation.objects.filter(
        year=before.year, month=before.month, finished_at__isnull=False
    )
    changed = (
        ProjectStatus.objects.filter(
            year=period.year, month=period.month, colour__in=[Colour.YELLOW, Colour.RED]
        )
        # the previous period's row by a join (the planner hashes it; a correlated subquery
        # was evaluated up to four times per yellow or red project)
        .annotate(
            previous=FilteredRelation(
                "project__statuses",
                condition=Q(
                    project__statuses__year=before.year, project__statuses__month=before.month
                ),
            ),
            before=F("previous__colour"),
            known=Exists(previous_computed),
        )
        .filter(
            # new to the portfolio (no row in a computed previous period)
            Q(before__isnull=True, known=True)
            | Q(colour=Colour.YELLOW, before__in=["", Colour.GREEN, Colour.WHITE])
            | (Q(colour=Colour.RED, before__isnull=False) & ~Q(before=Colour.RED))
        )
        .filter(~Exists(_later_computed(period)))
        .filter(
            ~Exists(
                ColourAlert.objects.filter(
                    project_id=OuterRef("project_id"),
                    year=period.year,
                    month=period.month,
                    colour=OuterRef("colour"),
                )
            )
        )
    )
    if project_ids is not None:
        changed = changed.filter(project_id__in=project_ids)
    rows = list(
        changed.values_list(
            "project_id", "project__code", "project__name", "project__region_id", "colour"
        ).order_by("project__code")
    )
    if not rows:
        return 0
    chains = chain_of(row[0] for row in rows)
    officials = events.district_officials({row[3] for row in rows})
    # A whole run re-finds every project changed since last month: those whose recipients were
    # all told already (one query per 500 keys) are skipped before `notify`.
    expected = {
        row[0]: {
            *(f"{_event(period, row)}:p{person.pk}" for person in chains.get(row[0], [])),
            *(f"{_event(period, row)}:u{user.pk}" for user in officials.get(row[3], [])),
        }
        for row in rows
    }
    keys = sorted({key for wanted in expected.values() for key in wanted})
    told: set[str] = set()
    for start in range(0, len(keys), 500):
        told.update(
            Notification.objects.filter(key__in=keys[start : start + 500]).values_list(
                "key", flat=True
            )
        )
    pending = []
    for row in rows:
        project_id, code, name, region_id, colour = row
        if expected[project_id] <= told:
            continue
        pending.append(
            Pending(
                event=_event(period, row),
                text=_("【四色预警】%(code)s %(name)s 在 %(p)s 转为%(colour)s色。")
                % {
                    "code": code,
                    "name": name,
                    "p": period.month_label,
                    "colour": Colour(colour).label,
                },
                region_id=region_id,
                link=reverse("web:project_detail", kwargs={"code": code}) + f"?period={period}",
                people=list(chains.get(project_id, [])),
                users=list(officials.get(region_id, [])),
            )
        )
    # in bulk (one INSERT per 1,000 rows): a month in which thousands of projects turned took
    # 92 s inside the recompute's transaction with a `notify` per project
    created = notify_many(pending)
    ColourAlert.objects.bulk_create(
        [
            ColourAlert(project_id=row[0], year=period.year, month=period.month, colour=row[4])
            for row in rows
        ],
        batch_size=1000,
        ignore_conflicts=True,  # a concurrent run recorded the same turn
    )
    return created
