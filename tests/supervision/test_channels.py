"""Delivery of notifications (issue #12 item 5): group bots of a region or unit in each bot's
documented format (DingTalk's and Feishu's signatures checked against the secret), retries with
back-off and the delivery log, once per event and channel, preferences and the daily digest.

The bots are a webhook server on 127.0.0.1 started by the test (http.server in a thread, a
random port); each path answers what the test scripts, else the bot's "ok"."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from projects.choices import Role, UnitKind
from projects.models import Person, Unit
from supervision import channels, services
from supervision.admin import DeliveryAdmin
from supervision.choices import ChannelKind, DeliveryStatus, Transport
from supervision.models import Delivery, Notification, NotificationChannel, NotificationPreference
from supervision.notifications import notify
from supervision.tasks import retry_deliveries, send_daily_digests, send_delivery
from tests.factories import UserFactory

SECRET = "SECtest0123456789"
OK = {
    "/wecom": {"errcode": 0, "errmsg": "ok"},
    "/dingtalk": {"errcode": 0, "errmsg": "ok"},
    "/feishu": {"code": 0, "msg": "success", "data": {}},
}


class Bots:
    """What the webhook server received, and what it is told to answer next (per path)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.script: dict[str, list[tuple[int, dict]]] = {}
        self.base = ""

    def of(self, path: str) -> list[dict]:
        return [r for r in self.received if r["path"] == path]


@pytest.fixture
def bots(monkeypatch, settings):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings.SITE_URL = "https://xm.example.gov.cn"
    state = Bots()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(
                {
                    "path": url.path,
                    "query": dict(urllib.parse.parse_qsl(url.query)),
                    "content_type": self.headers.get("Content-Type", ""),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            queued = state.script.get(url.path) or []
            status, answer = queued.pop(0) if queued else (200, OK.get(url.path, {}))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def channel(bots, region, kind: str, *, secret: str = "", unit=None, **kw) -> NotificationChannel:
    path = {"wecom": "/wecom", "dingtalk": "/dingtalk", "feishu": "/feishu"}[kind]
    query = "?access_token=tok" if kind == "dingtalk" else ""
    return NotificationChannel.objects.create(
        name=kw.pop("name", f"{region.name}{kind}"),
        kind=kind,
        webhook_url=kw.pop("url", f"{bots.base}{path}{query}"),
        secret=secret,
        region=region,
        unit=unit,
        **kw,
    )


@pytest.fixture
def official(district_official):
    district_official.email = "shinan@example.cn"
    district_official.save()
    return district_official


def send(capture, **kw):
    """notify() in a request-like transaction, its deliveries sent on commit (eagerly)."""
    defaults = {
        "event": "reporting.missing:2026-11:370202",
        "text": "【催报】11月月报尚未填报",
        "link": "/reporting/completeness/?period=2026-11",
    }
    defaults.update(kw)
    with capture(execute=True):
        return notify(**defaults)


# --- Formats and signatures -----------------------------------------------------------------


def test_the_three_bots_receive_their_documented_formats_signed(
    bots, regions, official, celery_eager, django_capture_on_commit_callbacks
):
    channel(bots, regions["district"], ChannelKind.WECOM)
    channel(bots, regions["district"], ChannelKind.DINGTALK, secret=SECRET)
    channel(bots, regions["district"], ChannelKind.FEISHU, secret=SECRET)

    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])

    link = "https://xm.example.gov.cn/reporting/completeness/?period=2026-11"
    (wecom,) = bots.of("/wecom")
    assert wecom["content_type"].startswith("application/json")
    assert wecom["body"]["msgtype"] == "markdown"
    assert "【催报】11月月报尚未填报" in wecom["body"]["markdown"]["content"]
    assert f"]({link})" in wecom["body"]["markdown"]["content"]

    (ding,) = bots.of("/dingtalk")
    assert ding["query"]["access_token"] == "tok"
    timestamp = ding["query"]["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000  # milliseconds
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert ding["query"]["sign"] == expected  # parse_qsl undid the URL-encoding
    assert ding["body"]["msgtype"] == "markdown"
    assert ding["body"]["markdown"]["title"] == "【重点项目督导】催报（截止仍未填报）"
    assert link in ding["body"]["markdown"]["text"]

    (feishu,) = bots.of("/feishu")
    body = feishu["body"]
    assert abs(int(body["timestamp"]) - time.time()) < 60  # seconds
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text"
    assert "【催报】11月月报尚未填报" in body["content"]["text"]
    assert link in body["content"]["text"]

    statuses = dict(Delivery.objects.values_list("transport", "status"))
    assert statuses == {
        Transport.WECOM: DeliveryStatus.SENT,
        Transport.DINGTALK: DeliveryStatus.SENT,
        Transport.FEISHU: DeliveryStatus.SENT,
        Transport.EMAIL: DeliveryStatus.SENT,
    }
    assert [m.to for m in mail.outbox] == [["shinan@example.cn"]]
    assert link in mail.outbox[0].body
    assert Notification.objects.get().emailed_at is not None


def test_unsigned_bots_get_no_signature(
    bots, regions, official, celery_eager, django_capture_on_commit_callbacks
):
    channel(bots, regions["district"], ChannelKind.DINGTALK)
    channel(bots, regions["district"], ChannelKind.FEISHU)
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    assert "sign" not in bots.of("/dingtalk")[0]["query"]
    assert "sign" not in bots.of("/feishu")[0]["body"]


def test_a_mailing_list_channel_gets_one_mail(
    regions, official, celery_eager, django_capture_on_commit_callbacks
):
    NotificationChannel.objects.create(
        name="市南区重点办",
        kind=ChannelKind.EMAIL_LIST,
        emails="a@example.cn, b@example.cn",
        region=regions["district"],
    )
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    to = sorted(tuple(m.to) for m in mail.outbox)
    assert to == [("a@example.cn", "b@example.cn"), ("shinan@example.cn",)]


# --- Failures, retries, the log -------------------------------------------------------------


def test_a_failing_bot_is_retried_with_back_off_and_logged(
    bots, regions, official, settings, celery_eager, django_capture_on_commit_callbacks, caplog
):
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 60
    channel(bots, regions["district"], ChannelKind.WECOM)
    bots.script["/wecom"] = [
        (500, {"error": "internal"}),
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
    ]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        # the user's request does not fail: the error is on the row
        send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
        row = Delivery.objects.get(transport=Transport.WECOM)
        assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 1)
        assert row.last_error.startswith("HTTP 500")
        assert row.next_attempt_at == start + dt.timedelta(seconds=60)
        assert "attempt 1 failed: HTTP 500" in caplog.text

        assert retry_deliveries() == 0  # not yet due
        clock.move_to(start + dt.timedelta(seconds=61))
        assert retry_deliveries() == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 2)
        assert row.last_error == "errcode 93000: invalid webhook url"  # HTTP 200, but refused
        assert row.next_attempt_at == start + dt.timedelta(seconds=61 + 120)  # doubled

        clock.move_to(start + dt.timedelta(seconds=61 + 121))
        retry_deliveries()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)
        assert row.sent_at is not None
    assert len(bots.of("/wecom")) == 3


def test_a_bot_that_keeps_failing_is_given_up_after_the_last_attempt(
    bots, regions, official, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 0
    channel(bots, regions["district"], ChannelKind.FEISHU)
    bots.script["/feishu"] = [(200, {"code": 19021, "msg": "sign match fail"})] * 5
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    retry_deliveries()
    row = Delivery.objects.get(transport=Transport.FEISHU)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 2)
    assert row.last_error == "errcode 19021: sign match fail"
    assert row.next_attempt_at is None
    assert retry_deliveries() == 0
    assert len(bots.of("/feishu")) == 2
    # the webhook fixed, an administrator sends the failed rows again
    channels.deliveries_retry([row.pk])
    bots.script["/feishu"] = []
    assert retry_deliveries() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)


def test_a_disabled_channel_fails_at_once_and_a_dead_worker_is_retried(
    bots, regions, official, celery_eager, django_capture_on_commit_callbacks
):
    bot = channel(bots, regions["district"], ChannelKind.WECOM)
    with django_capture_on_commit_callbacks(execute=False):
        notify(event="letter.issued:5", text="t", region=regions["district"], users=[official])
    bot.enabled = False
    bot.save()
    row = Delivery.objects.get(transport=Transport.WECOM)
    assert send_delivery(row.pk) == DeliveryStatus.FAILED
    row.refresh_from_db()
    assert (row.last_error, row.next_attempt_at) == ("渠道已停用", None)

    stuck = Delivery.objects.get(transport=Transport.EMAIL)
    Delivery.objects.filter(pk=stuck.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert retry_deliveries() == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (DeliveryStatus.SENT, 2)


def test_an_unreachable_bot_never_fails_the_request(
    regions, official, celery_eager, django_capture_on_commit_callbacks, bots
):
    channel(bots, regions["district"], ChannelKind.WECOM, url="http://127.0.0.1:9/x")
    created = send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    assert len(created) == 1
    row = Delivery.objects.get(transport=Transport.WECOM)
    assert row.status == DeliveryStatus.RETRY
    assert "URLError" in row.last_error or "Connection" in row.last_error


def test_the_delivery_log_lists_errors_with_filters(
    bots, regions, official, celery_eager, django_capture_on_commit_callbacks, admin_client
):
    channel(bots, regions["district"], ChannelKind.WECOM)
    bots.script["/wecom"] = [(500, {"error": "internal"})]
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    url = reverse("admin:supervision_delivery_changelist")
    page = admin_client.get(url, {"status__exact": DeliveryStatus.RETRY})
    assert page.status_code == 200
    assert "HTTP 500" in page.content.decode()
    row = Delivery.objects.get(transport=Transport.WECOM)
    assert (
        admin_client.get(reverse("admin:supervision_delivery_change", args=[row.pk])).status_code
        == 200
    )
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED)
    answer = admin_client.post(url, {"action": "retry", "_selected_action": [row.pk]}, follow=True)
    assert "1 条记录将在一分钟内重新发送" in answer.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 0)
    admin = DeliveryAdmin(Delivery, site)
    request = RequestFactory().get(url)
    request.user = official
    assert not admin.has_change_permission(request, row)
    assert not admin.has_add_permission(request)


def test_the_admin_sends_a_test_message(bots, regions, admin_client):
    bot = channel(bots, regions["district"], ChannelKind.DINGTALK, secret=SECRET)
    response = admin_client.post(
        reverse("admin:supervision_notificationchannel_changelist"),
        {"action": "send_test", "_selected_action": [bot.pk]},
        follow=True,
    )
    assert "测试消息已发送" in response.content.decode()
    assert len(bots.of("/dingtalk")) == 1
    add = reverse("admin:supervision_notificationchannel_add")
    assert admin_client.get(add).status_code == 200
    unit = Unit.objects.create(name="市北区发改局", region=regions["other"])
    form = {
        "name": "市北区发改局群",
        "kind": ChannelKind.FEISHU,
        "unit": unit.pk,
        "webhook_url": f"{bots.base}/feishu",
        "secret": SECRET,
        "emails": "",
        "event_kinds": ["issue.assigned", "issue.overdue"],
        "enabled": "on",
    }
    assert admin_client.post(add, form).status_code == 302
    saved = NotificationChannel.objects.get(name="市北区发改局群")
    assert (saved.region_id, saved.event_kinds) == ("370203", ["issue.assigned", "issue.overdue"])
    refused = admin_client.post(add, {**form, "name": "x", "unit": "", "webhook_url": ""})
    assert refused.status_code == 200  # the errors beside the fields, nothing saved
    assert "请选择区域或单位" in refused.content.decode()
    assert "群机器人需要 Webhook 地址" in refused.content.decode()
    assert not NotificationChannel.objects.filter(name="x").exists()


# --- Once per event and channel -------------------------------------------------------------


def test_the_same_event_twice_or_a_redelivered_task_sends_once(
    bots, regions, official, celery_eager, django_capture_on_commit_callbacks
):
    channel(bots, regions["district"], ChannelKind.WECOM)
    other = UserFactory(username="shinan2", region=regions["district"], email="x@example.cn")
    for _ in range(2):
        send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    # a new recipient of the same event later: their own mail, but the group is not told again
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official, other])
    assert len(bots.of("/wecom")) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["shinan@example.cn", "x@example.cn"]
    row = Delivery.objects.get(transport=Transport.WECOM)
    assert send_delivery(row.pk) is None  # a task delivered again: nothing is claimed
    assert retry_deliveries() == 0
    assert len(bots.of("/wecom")) == 1


def test_the_overdue_job_run_twice_tells_the_group_once(
    bots, regions, clock, make_issue, celery_eager, django_capture_on_commit_callbacks
):
    channel(bots, regions["district"], ChannelKind.WECOM)
    make_issue("in_progress")  # deadline Sat 10 Oct 2026
    clock.move_to(dt.datetime(2026, 10, 12, 7, 0, tzinfo=dt.UTC))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.issues_flag_overdue()
    (message,) = bots.of("/wecom")  # escalated at once (the default): one message, once
    assert message["body"]["markdown"]["content"].split("\n")[2].startswith("【督办通报】")
    assert Delivery.objects.filter(transport=Transport.WECOM, kind="issue.escalated").count() == 1


# --- Preferences and the digest -------------------------------------------------------------


def test_preferences_switch_e_mail_off_per_kind(
    regions, official, celery_eager, django_capture_on_commit_callbacks
):
    services.notification_preferences_save(
        user=official, choices={"reporting.missing": (False, False)}
    )
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    assert mail.outbox == []
    assert Notification.objects.count() == 1  # in-app is always on
    send(
        django_capture_on_commit_callbacks,
        event="letter.issued:7",
        text="提示函已印发",
        region=regions["district"],
        users=[official],
    )
    assert [m.to for m in mail.outbox] == [["shinan@example.cn"]]


def test_the_preferences_page_saves_the_grid(client, official, django_assert_max_num_queries):
    client.force_login(official)
    url = reverse("supervision:notification_preferences")
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="issue.assigned__email"' in content
    assert 'name="issue.assigned__digest"' in content
    assert url in client.get(reverse("web:account")).content.decode()

    data = {"issue.assigned__digest": "on", "letter.issued__email": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    prefs = {
        p.kind: (p.email, p.digest) for p in NotificationPreference.objects.filter(user=official)
    }
    assert prefs["issue.assigned"] == (False, True)
    assert prefs["reporting.missing"] == (False, False)
    assert "letter.issued" not in prefs  # the default needs no row
    assert NotificationPreference.history.count() == len(prefs)
    again = client.get(url).content.decode()
    assert 'name="issue.assigned__digest" id="id_issue.assigned__digest" checked' in again


def test_the_digest_sends_one_mail_for_several_notifications(
    regions, official, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://xm.example.gov.cn/"
    services.notification_preferences_save(
        user=official,
        choices={"reporting.missing": (True, True), "letter.issued": (False, True)},
    )
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    for n in (1, 2):
        send(
            django_capture_on_commit_callbacks,
            event=f"letter.issued:{n}",
            text=f"第{n}号提示函已印发",
            link=f"/letters/{n}/",
            region=regions["district"],
            users=[official],
        )
    assert mail.outbox == []  # the digest replaces the single e-mails
    assert Notification.objects.filter(digest=True).count() == 3

    assert send_daily_digests() == 1
    assert send_daily_digests() == 0  # run twice: nothing more
    (message,) = mail.outbox
    assert message.to == ["shinan@example.cn"]
    assert "3" in message.subject
    for text in ("【催报】11月月报尚未填报", "第1号提示函已印发", "第2号提示函已印发"):
        assert text in message.body
    assert "https://xm.example.gov.cn/letters/2/" in message.body
    assert not Notification.objects.filter(digest=True, digested_at__isnull=True).exists()
    assert Delivery.objects.get(transport=Transport.DIGEST).status == DeliveryStatus.SENT


# --- Scoping --------------------------------------------------------------------------------


def test_a_channel_of_one_district_never_receives_another_districts_events(
    bots, regions, official, other_official, celery_eager, django_capture_on_commit_callbacks
):
    channel(bots, regions["district"], ChannelKind.WECOM, name="shinan")
    channel(bots, regions["city"], ChannelKind.FEISHU, name="city")
    channel(bots, regions["other_city"], ChannelKind.DINGTALK, name="jinan")
    send(
        django_capture_on_commit_callbacks,
        event="reporting.missing:2026-11:370203",
        text="【催报】市北区11月月报尚未填报",
        region=regions["other"],
        users=[other_official],
    )
    assert bots.of("/wecom") == []  # 市南区's group: not 市北区's business
    assert bots.of("/dingtalk") == []  # another city
    assert len(bots.of("/feishu")) == 1  # the city sees every district


def test_a_unit_channel_and_subscriptions_narrow_what_a_group_gets(
    bots, regions, celery_eager, django_capture_on_commit_callbacks
):
    ours = Unit.objects.create(
        name="市南区发改局", region=regions["district"], kind=UnitKind.DEPARTMENT
    )
    theirs = Unit.objects.create(
        name="市南区住建局", region=regions["district"], kind=UnitKind.DEPARTMENT
    )
    person = Person.objects.create(name="李娜", unit=ours, region=regions["district"])
    stranger = Person.objects.create(name="赵强", unit=theirs, region=regions["district"])
    channel(bots, regions["district"], ChannelKind.WECOM, unit=ours)
    channel(bots, regions["district"], ChannelKind.FEISHU, event_kinds=["letter.issued"])
    send(django_capture_on_commit_callbacks, region=regions["district"], people=[stranger])
    assert bots.of("/wecom") == [] and bots.of("/feishu") == []
    send(
        django_capture_on_commit_callbacks,
        event="letter.issued:3",
        text="提示函",
        region=regions["district"],
        people=[person],
    )
    assert len(bots.of("/wecom")) == 1 and len(bots.of("/feishu")) == 1


def test_a_district_sees_only_its_channels_and_deliveries_in_the_admin(
    bots, regions, official, other_official, celery_eager, django_capture_on_commit_callbacks
):
    from projects import access

    channel(bots, regions["district"], ChannelKind.WECOM)
    channel(bots, regions["other"], ChannelKind.WECOM)
    send(django_capture_on_commit_callbacks, region=regions["district"], users=[official])
    staff = UserFactory(username="shibei-staff", role=Role.ADMIN, region=regions["other"])
    assert not access.scope(staff, Delivery.objects.all()).exists()
    assert access.scope(staff, NotificationChannel.objects.all()).count() == 1


def test_a_channel_needs_its_address():
    from django.core.exceptions import ValidationError

    bot = NotificationChannel(name="x", kind=ChannelKind.WECOM, region_id="370202")
    with pytest.raises(ValidationError) as error:
        bot.clean()
    assert "webhook_url" in error.value.message_dict
    group = NotificationChannel(name="y", kind=ChannelKind.EMAIL_LIST, emails="not-an-address")
    with pytest.raises(ValidationError) as error:
        group.clean()
    assert "emails" in error.value.message_dict


def test_signatures_match_the_documented_examples():
    # the algorithms as both documents state them, on fixed inputs
    assert (
        channels.dingtalk_sign("s", "1")
        == base64.b64encode(hmac.new(b"s", b"1\ns", hashlib.sha256).digest()).decode()
    )
    assert (
        channels.feishu_sign("s", "1")
        == base64.b64encode(hmac.new(b"1\ns", b"", hashlib.sha256).digest()).decode()
    )
