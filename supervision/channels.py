"""Delivery of notifications beyond the in-app row: a person's e-mail, their daily digest, and
the group channels of a region or unit (WeCom, DingTalk and Feishu group bots, mailing lists).

`plan()` is called by `notifications.notify`/`notify_many` in the caller's transaction: it
writes one `Delivery` row per notification and channel — e-mail or digest by the recipient's
preferences, one row per event for each group channel that covers the event's region (and
unit) and subscribes to its kind — and returns the new rows' ids, which the caller sends on
commit through `tasks.send_delivery`. Each row's `key` is unique per event (or notification)
and channel, so an event planned twice is sent once.

`deliver()` claims a row with a conditional UPDATE (pending/retry → sending) before sending,
so a task redelivered, or run by two workers, sends once. A failure (an exception, an HTTP
error, or a bot answering 200 with an error code) never propagates: it is recorded on the row
(attempts, last error) and retried after `NOTIFY_RETRY_BACKOFF_SECONDS × 2^(attempts-1)` by the
periodic `tasks.retry_deliveries`, until `NOTIFY_MAX_ATTEMPTS` — then the row is `failed`.

Message formats, from each bot's documentation:
- WeCom (企业微信) group robot, https://developer.work.weixin.qq.com/document/path/91770 :
  POST {"msgtype": "markdown", "markdown": {"content": …}} (content ≤ 4096 bytes, UTF-8);
  answers {"errcode": 0, "errmsg": "ok"}.
- DingTalk (钉钉) custom robot, https://open.dingtalk.com/document/robots/custom-robot-access
  and …/orgapp/custom-bot-send-message-type : POST {"msgtype": "markdown", "markdown":
  {"title": …, "text": …}}; with 加签, `timestamp` (ms) and `sign` = urlencode(base64(
  HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) as query parameters; answers
  {"errcode": 0, "errmsg": "ok"}.
- Feishu (飞书) custom bot, https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot :
  POST {"msg_type": "text", "content": {"text": …}}; with 签名校验, "timestamp" (s) and
  "sign" = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")) in the body; answers
  {"code": 0, "msg": "success"} (older bots: {"StatusCode": 0}).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Region

from .choices import ChannelKind, DeliveryStatus, EventKind, Transport
from .models import (
    Delivery,
    Notification,
    NotificationChannel,
    NotificationPreference,
    SupervisionSettings,
)

logger = logging.getLogger(__name__)

DUMMY_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
WECOM_MAX_BYTES = 4096


class DeliveryError(Exception):
    """A message was not accepted: the text is what the delivery log shows."""


class FinalDeliveryError(DeliveryError):
    """A message that no retry can send (its channel was disabled): failed at once."""


# --- Links and texts ------------------------------------------------------------------------


def absolute(link: str) -> str:
    """A link made absolute with SITE_URL (`/issues/3/` → `https://xm…/issues/3/`)."""
    if not link or "://" in link:
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def kind_label(kind: str) -> str:
    try:
        return str(EventKind(kind).label)
    except ValueError:
        return kind


def subject_of(text: str) -> str:
    return _("【重点项目督导】%(text)s") % {"text": text[:40]}


def event_of(notification: Notification) -> str:
    """The event of a notification: its key without the recipient (`…:p12` / `…:u3`)."""
    return notification.key.rsplit(":", 1)[0]


# --- Preferences ----------------------------------------------------------------------------


def email_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return (
        bool(backend)
        and backend != DUMMY_BACKEND
        and SupervisionSettings.current().email_notifications
    )


def preference_grid(user_id: int) -> dict[str, tuple[bool, bool]]:
    """kind → (e-mail, digest) of a user, for every kind they chose; defaults elsewhere."""
    return {
        kind: (email, digest)
        for kind, email, digest in NotificationPreference.objects.filter(
            user_id=user_id
        ).values_list("kind", "email", "digest")
    }


def recipient_email(notification: Notification) -> str:
    person = notification.recipient_person
    if person is not None and person.email:
        return person.email
    user = notification.recipient_user
    if user is not None and user.email:
        return user.email
    return ""


# --- Planning -------------------------------------------------------------------------------


def _channels_for(notification: Notification, channels: Sequence[NotificationChannel]) -> list:
    region_id = notification.region_id
    units = set()
    if notification.recipient_person is not None and notification.recipient_person.unit_id:
        units.add(notification.recipient_person.unit_id)
    if notification.issue is not None and notification.issue.assigned_unit_id:
        units.add(notification.issue.assigned_unit_id)
    return [
        channel
        for channel in channels
        if region_id.startswith(channel.region.prefix)
        and channel.subscribes(notification.kind)
        and (channel.unit_id is None or channel.unit_id in units)
    ]


def plan(notifications: Iterable[Notification]) -> list[int]:
    """Writes the deliveries of new notifications (see the module) and marks those that go to
    the digest; returns the ids of the deliveries created now, to send on commit."""
    ids = [n.pk for n in notifications]
    if not ids:
        return []
    mail = email_configured()
    channels = list(NotificationChannel.objects.filter(enabled=True).select_related("region"))
    if not mail and not channels:
        return []  # nothing to deliver but in-app (a backlog of 34,000 overdue issues: −9 s)
    notifications = []
    for start in range(0, len(ids), 500):
        notifications += Notification.objects.filter(
            pk__in=ids[start : start + 500]
        ).select_related("recipient_person", "recipient_user", "issue")
    user_ids = sorted({n.recipient_user_id for n in notifications if n.recipient_user_id})
    prefs: dict[tuple[int | None, str], tuple[bool, bool]] = {}
    for start in range(0, len(user_ids), 500):
        for user_id, kind, email, digest in NotificationPreference.objects.filter(
            user_id__in=user_ids[start : start + 500]
        ).values_list("user_id", "kind", "email", "digest"):
            prefs[(user_id, kind)] = (email, digest)
    rows: dict[str, Delivery] = {}
    digest_ids: list[int] = []
    for notification in notifications:
        link = absolute(notification.link)
        address = recipient_email(notification) if mail else ""
        if address:
            email, digest = prefs.get(
                (notification.recipient_user_id, notification.kind), (True, False)
            )
            if digest:
                digest_ids.append(notification.pk)
            elif email:
                key = f"{notification.key}:email"[:250]
                rows[key] = Delivery(
                    key=key,
                    transport=Transport.EMAIL,
                    notification=notification,
                    region_id=notification.region_id,
                    kind=notification.kind,
                    recipient=address,
                    subject=subject_of(notification.text),
                    body=notification.text,
                    link=link,
                )
        event = event_of(notification)
        for channel in _channels_for(notification, channels):
            key = f"{event}:c{channel.pk}"[:250]
            rows.setdefault(
                key,
                Delivery(
                    key=key,
                    transport=channel.kind,
                    channel=channel,
                    notification=notification,
                    region_id=notification.region_id,
                    kind=notification.kind,
                    recipient=channel.name,
                    subject=subject_of(kind_label(notification.kind)),
                    body=notification.text,
                    link=link,
                ),
            )
    if digest_ids:
        Notification.objects.filter(pk__in=digest_ids).update(digest=True)
    return _insert(list(rows.values()))


def _insert(rows: list[Delivery]) -> list[int]:
    """Inserts the rows whose key is new; returns their ids (a row already there — an earlier
    or concurrent plan of the same event — is left alone)."""
    keys = [row.key for row in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(
            Delivery.objects.filter(key__in=keys[start : start + 500]).values_list("key", flat=True)
        )
    new = [row for row in rows if row.key not in existing]
    if not new:
        return []
    Delivery.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    new_keys = [row.key for row in new]
    ids: list[int] = []
    for start in range(0, len(new_keys), 500):
        ids += Delivery.objects.filter(
            key__in=new_keys[start : start + 500], status=DeliveryStatus.PENDING, attempts=0
        ).values_list("pk", flat=True)
    return ids


def email_delivery_for(notification: Notification) -> int | None:
    """The e-mail delivery of one notification, made if missing (the task of older releases,
    `send_notification_email`, comes here)."""
    address = recipient_email(notification)
    if not address:
        return None
    key = f"{notification.key}:email"[:250]
    delivery, _created = Delivery.objects.get_or_create(
        key=key,
        defaults={
            "transport": Transport.EMAIL,
            "notification": notification,
            "region_id": notification.region_id,
            "kind": notification.kind,
            "recipient": address,
            "subject": subject_of(notification.text),
            "body": notification.text,
            "link": absolute(notification.link),
        },
    )
    return delivery.pk


# --- Sending --------------------------------------------------------------------------------


def _post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(
            request, timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS
        ) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {error.code}: {detail}".strip()) from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    try:
        answer = json.loads(body or b"{}")
    except ValueError as error:
        raise DeliveryError(f"not JSON: {body[:200]!r}") from error
    return answer if isinstance(answer, dict) else {}


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's 加签: base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")), not yet
    URL-encoded (urlencode does it)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's 签名校验: base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _markdown(delivery: Delivery) -> str:
    lines = [f"**{delivery.subject}**", "", delivery.body]
    if delivery.link:
        lines += ["", f"[{_('查看详情')}]({delivery.link})"]
    return "\n".join(lines)


def _plain(delivery: Delivery) -> str:
    return "\n".join(x for x in (delivery.subject, delivery.body, delivery.link) if x)


def wecom_payload(delivery: Delivery) -> dict[str, Any]:
    content = _markdown(delivery)
    if len(content.encode("utf-8")) > WECOM_MAX_BYTES:
        content = content.encode("utf-8")[: WECOM_MAX_BYTES - 3].decode("utf-8", "ignore") + "…"
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_payload(delivery: Delivery) -> dict[str, Any]:
    return {
        "msgtype": "markdown",
        "markdown": {"title": delivery.subject, "text": _markdown(delivery)},
    }


def feishu_payload(delivery: Delivery, secret: str = "") -> dict[str, Any]:
    payload: dict[str, Any] = {"msg_type": "text", "content": {"text": _plain(delivery)}}
    if secret:
        timestamp = str(int(time.time()))
        payload = {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **payload}
    return payload


def _send_bot(delivery: Delivery, channel: NotificationChannel) -> None:
    if channel.kind == ChannelKind.WECOM:
        answer = _post_json(channel.webhook_url, wecom_payload(delivery))
        code, message = answer.get("errcode", 0), answer.get("errmsg", "")
    elif channel.kind == ChannelKind.DINGTALK:
        url = channel.webhook_url
        if channel.secret:
            timestamp = str(int(time.time() * 1000))
            query = urllib.parse.urlencode(
                {"timestamp": timestamp, "sign": dingtalk_sign(channel.secret, timestamp)}
            )
            url += ("&" if "?" in url else "?") + query
        answer = _post_json(url, dingtalk_payload(delivery))
        code, message = answer.get("errcode", 0), answer.get("errmsg", "")
    else:
        answer = _post_json(channel.webhook_url, feishu_payload(delivery, channel.secret))
        code = answer.get("code", answer.get("StatusCode", 0))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    if code not in (0, "0", None):
        raise DeliveryError(f"errcode {code}: {message}")


def _send(delivery: Delivery) -> None:
    if delivery.transport in (Transport.EMAIL, Transport.DIGEST):
        recipients = [delivery.recipient]
    elif delivery.transport == Transport.EMAIL_LIST:
        if delivery.channel is None:
            raise DeliveryError("no channel")
        recipients = delivery.channel.email_addresses()
    else:
        if delivery.channel is None:
            raise DeliveryError("no channel")
        _send_bot(delivery, delivery.channel)
        return
    message = f"{delivery.body}\n\n{delivery.link}" if delivery.link else delivery.body
    try:
        send_mail(
            subject=delivery.subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception as error:  # SMTP errors are OSError or smtplib's; all are failures
        raise DeliveryError(f"{type(error).__name__}: {error}") from error


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: NOTIFY_RETRY_BACKOFF_SECONDS × 2^(n-1)."""
    return dt.timedelta(seconds=settings.NOTIFY_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))


def _due() -> Q:
    return Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )


def deliver(delivery_id: int) -> str | None:
    """Sends one delivery if it is due and nobody else has claimed it; records the outcome.
    Returns the row's new status (None: not claimed — sent, being sent, or not yet due).
    Never raises for a failed send: the row keeps the error and is retried later."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(_due(), pk=delivery_id)
        .filter(attempts__lt=settings.NOTIFY_MAX_ATTEMPTS)
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("channel", "notification").get(pk=delivery_id)
    try:
        if delivery.channel is not None and not delivery.channel.enabled:
            raise FinalDeliveryError(_("渠道已停用"))
        _send(delivery)
    except Exception as error:
        text = (
            str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}"
        )
        final = isinstance(error, FinalDeliveryError) or (
            delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        )
        status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRY
        Delivery.objects.filter(pk=delivery_id).update(
            status=status,
            last_error=text[:2000],
            next_attempt_at=None if final else now + backoff(delivery.attempts),
        )
        logger.warning(
            "delivery %s (%s) attempt %s failed: %s",
            delivery_id,
            delivery.transport,
            delivery.attempts,
            text,
        )
        return status
    sent = timezone.now()
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=sent, next_attempt_at=None
    )
    if delivery.transport == Transport.EMAIL and delivery.notification_id:
        Notification.objects.filter(pk=delivery.notification_id, emailed_at__isnull=True).update(
            emailed_at=sent
        )
    return DeliveryStatus.SENT


def retry_due(limit: int = 500) -> list[int]:
    """The deliveries to (re)send now: pending or failed-with-retry whose back-off has passed,
    and those stuck in `sending` (a worker died mid-send) for longer than a send can take."""
    stale = timezone.now() - dt.timedelta(seconds=settings.NOTIFY_HTTP_TIMEOUT_SECONDS * 3 + 60)
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
    stuck.filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, last_error=_("发送中断（进程退出）"), next_attempt_at=None
    )
    stuck.update(status=DeliveryStatus.RETRY, last_error=_("发送中断（进程退出），将重试"))
    return list(
        Delivery.objects.filter(_due(), attempts__lt=settings.NOTIFY_MAX_ATTEMPTS)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_retry(ids: Iterable[int]) -> int:
    """Sends failed deliveries again from the start (the admin's action, once a webhook is
    fixed): their attempts restart, the last error stays until the next attempt."""
    return Delivery.objects.filter(pk__in=list(ids), status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.RETRY, attempts=0, next_attempt_at=timezone.now()
    )


# --- The daily digest -----------------------------------------------------------------------


def plan_digests(today: dt.date | None = None) -> list[int]:
    """One digest delivery per recipient and day with their notifications not yet digested;
    returns the ids created. Run twice the same day, the second run finds those already
    digested (and a recipient's second digest of the day waits until tomorrow)."""
    today = today or timezone.localdate()
    pending = (
        Notification.objects.filter(digest=True, digested_at__isnull=True)
        .select_related("recipient_person", "recipient_user")
        .order_by("created_at", "id")
    )
    groups: dict[str, list[Notification]] = {}
    for notification in pending.iterator(chunk_size=2000):
        who = (
            f"p{notification.recipient_person_id}"
            if notification.recipient_person_id
            else f"u{notification.recipient_user_id}"
        )
        groups.setdefault(who, []).append(notification)
    ids: list[int] = []
    for who, items in groups.items():
        address = recipient_email(items[-1])
        if not address:
            continue
        lines = []
        for n in items:
            lines.append(f"· {n.text}")
            if n.link:
                lines.append(f"  {absolute(n.link)}")
        subject = _("【重点项目督导】每日汇总：%(count)s 条通知") % {"count": len(items)}
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    key=f"digest:{who}:{today:%Y-%m-%d}",
                    transport=Transport.DIGEST,
                    region_id=_region_of(items),
                    recipient=address,
                    subject=subject,
                    body="\n".join(lines),
                    link=absolute("/"),
                )
                Notification.objects.filter(
                    pk__in=[n.pk for n in items], digested_at__isnull=True
                ).update(digested_at=timezone.now())
        except IntegrityError:
            continue  # today's digest of this recipient exists: the rest goes tomorrow
        ids.append(delivery.pk)
    return ids


def _region_of(items: Sequence[Notification]) -> str:
    """The narrowest region covering every notification of a digest (for the log's scope)."""
    codes = sorted({n.region_id for n in items})
    if len(codes) == 1:
        return codes[0]
    common = codes[0]
    for code in codes[1:]:
        while not code.startswith(common):
            common = common[:-1]
    region = (
        Region.objects.filter(prefix__in=[common[:i] for i in range(len(common), 0, -1)])
        .order_by("-prefix")
        .values_list("code", flat=True)
        .first()
    )
    return region or codes[0]


def send_test(channel: NotificationChannel) -> Delivery:
    """Sends a test message to a channel now (the admin's action) and returns its delivery,
    logged like any other."""
    now = timezone.now()
    delivery = Delivery.objects.create(
        key=f"test:c{channel.pk}:{now.timestamp()}",
        transport=channel.kind,
        channel=channel,
        region_id=channel.region_id,
        kind="test",
        recipient=channel.name,
        subject=_("【重点项目督导】测试消息"),
        body=_("这是一条测试消息：%(name)s 已接入重点项目督导平台。") % {"name": channel.name},
        link=absolute("/"),
    )
    deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery
