"""The bell and the inbox (站内通知): the user's own notifications (their login and their person),
scoped, newest first, paginated; opening one marks it read and goes to its target; "mark read"
and "all read" post to the services; the bell's count is one query of its own request."""

import pytest
from django.urls import reverse

from projects.choices import Role
from supervision.models import Notification
from supervision.notifications import notify
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(regions):
    person = PersonFactory(name="王科长", region=regions["district"])
    return UserFactory(
        username="wang", role=Role.OFFICIAL, region=regions["district"], person=person
    )


@pytest.fixture
def mail(me, regions, other_official):
    own = notify(
        event="reporting.open:2026-09:370202",
        text="本人通知",
        region=regions["district"],
        link="/reporting/370202/2026-09/",
        users=[me],
    )[0]
    via_person = notify(
        event="project.colour:1:2026-09:red",
        text="责任人通知",
        region=regions["district"],
        link="/projects/QD-001/",
        people=[me.person],
    )[0]
    outside = notify(
        event="reporting.open:2026-09:370203",
        text="别人的通知",
        region=regions["other"],
        users=[other_official],
    )[0]
    return {"own": own, "via_person": via_person, "outside": outside}


def test_the_inbox_lists_my_notifications_newest_first(
    client, me, mail, django_assert_max_num_queries
):
    client.force_login(me)
    with django_assert_max_num_queries(
        6
    ):  # session, user; the unread count, the page's count and rows
        response = client.get(reverse("supervision:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "本人通知" in html and "责任人通知" in html
    assert "别人的通知" not in html
    assert html.index("责任人通知") < html.index("本人通知")  # newest first
    assert "2 条未读" in html
    assert "填报窗口开启" in html  # the kind's label


def test_the_bell_links_the_inbox_and_loads_its_count(client, me, mail, django_assert_num_queries):
    client.force_login(me)
    page = client.get(reverse("supervision:issue_board")).content.decode()
    assert 'href="/notifications/"' in page and 'hx-get="/notifications/badge/"' in page
    with django_assert_num_queries(4):  # session, user, its region (the scope), the COUNT
        badge = client.get(reverse("supervision:inbox_badge")).content.decode()
    assert 'id="bell-count">2<' in badge
    Notification.objects.update(read_at="2026-10-01T00:00:00Z")
    assert "hidden" in client.get(reverse("supervision:inbox_badge")).content.decode()


def test_opening_one_marks_it_read_and_goes_to_its_target(client, me, mail):
    client.force_login(me)
    response = client.get(reverse("supervision:notification_open", args=[mail["own"].pk]))
    assert response.status_code == 302 and response["Location"] == "/reporting/370202/2026-09/"
    mail["own"].refresh_from_db()
    assert mail["own"].read_at is not None
    # someone else's: not found, and left unread
    response = client.get(reverse("supervision:notification_open", args=[mail["outside"].pk]))
    assert response.status_code == 404
    mail["outside"].refresh_from_db()
    assert mail["outside"].read_at is None


def test_a_link_elsewhere_is_not_followed(client, me, regions):
    row = notify(
        event="issue.assigned:9:x",
        text="外链",
        region=regions["district"],
        link="https://evil.example/",
        users=[me],
    )[0]
    client.force_login(me)
    response = client.get(reverse("supervision:notification_open", args=[row.pk]))
    assert response["Location"] == reverse("supervision:inbox")


def test_mark_read_and_all_read(client, me, mail):
    client.force_login(me)
    assert (
        client.get(reverse("supervision:notification_read", args=[mail["own"].pk])).status_code
        == 405
    )
    response = client.post(
        reverse("supervision:notification_read", args=[mail["own"].pk]),
        {"next": "/notifications/?page=1"},
    )
    assert response["Location"] == "/notifications/?page=1"
    assert Notification.objects.get(pk=mail["own"].pk).read_at is not None
    assert (
        client.post(reverse("supervision:notification_read", args=[mail["outside"].pk])).status_code
        == 404
    )
    client.post(reverse("supervision:inbox_read_all"))
    assert Notification.objects.get(pk=mail["via_person"].pk).read_at is not None
    assert Notification.objects.get(pk=mail["outside"].pk).read_at is None  # not mine
    html = client.get(reverse("supervision:inbox") + "?unread=1").content.decode()
    assert "没有未读通知" in html


def test_the_inbox_is_paginated(client, me, regions):
    for n in range(25):
        notify(
            event=f"issue.overdue:{n}:x", text=f"第{n}条", region=regions["district"], users=[me]
        )
    client.force_login(me)
    first = client.get(reverse("supervision:inbox")).content.decode()
    assert first.count('class="inbox-item') == 20 and "第24条" in first
    second = client.get(reverse("supervision:inbox") + "?page=2").content.decode()
    assert second.count('class="inbox-item') == 5 and "第0条" in second


def test_a_notification_outside_my_scope_is_not_shown(client, me, regions):
    # addressed to me but about another district (my region no longer covers it): not shown
    notify(event="issue.assigned:1:x", text="越权", region=regions["other"], users=[me])
    client.force_login(me)
    assert "越权" not in client.get(reverse("supervision:inbox")).content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("supervision:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
