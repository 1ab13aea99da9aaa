"""`notify()` for any event of the product: a region instead of an issue, the event's kind
derived from its key, idempotent per event and recipient."""

from __future__ import annotations

import pytest

from supervision import selectors
from supervision.models import Notification
from supervision.notifications import event_kind, notify


def test_kind_is_the_part_of_the_event_before_the_first_colon():
    assert event_kind("reporting.missing:2026-11:370202") == "reporting.missing"
    assert event_kind("issue.assigned") == "issue.assigned"


def test_an_event_without_an_issue_is_scoped_by_its_region(regions, district_official):
    created = notify(
        event="reporting.missing:2026-11:370202",
        text="【催报】11月月报尚未填报",
        region=regions["district"],
        link="/reporting/",
        users=[district_official],
    )
    assert len(created) == 1
    row = created[0]
    assert (row.kind, row.region_id, row.issue_id, row.link) == (
        "reporting.missing",
        regions["district"].pk,
        None,
        "/reporting/",
    )
    assert list(selectors.notification_list(user=district_official)) == [row]


def test_the_same_event_notified_twice_gives_one_row(regions, district_official):
    for _ in range(2):
        notify(
            event="letter.issued:9",
            text="提示函",
            region=regions["district"].pk,
            users=[district_official],
        )
    assert Notification.objects.filter(kind="letter.issued").count() == 1


def test_a_region_is_required_without_an_issue(district_official):
    with pytest.raises(ValueError):
        notify(event="x.y:1", text="t", users=[district_official])
