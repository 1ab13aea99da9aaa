"""The in-app notifications (站内通知): the bell's unread count, the inbox, and "mark read".

The bell in the page header (templates/base.html) loads its count from `inbox_badge` (htmx, one
COUNT query), so no page pays for it; the inbox lists the user's own notifications — to their
login and to the person it stands for (`selectors.notification_list`) — newest first, 20 a page.
Opening an item marks it read and goes to its target; "mark read" and "all read" post to the
services (`notification_mark_read`, `notifications_mark_all_read`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .choices import EventKind
from .models import Notification

PAGE_SIZE = 20


def _mine(request, pk: int) -> Notification:
    notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404(_("未找到该通知。"))
    return notification


def unread_count(user) -> int:
    """The user's unread notifications: one COUNT."""
    return selectors.notification_list(user=user).filter(read_at__isnull=True).count()


@login_required
@require_GET
def inbox(request):
    """站内通知: newest first, unread marked; `?unread=1` for the unread only."""
    only_unread = request.GET.get("unread") == "1"
    mine = selectors.notification_list(user=request.user)
    unread = mine.filter(read_at__isnull=True).count()
    shown = mine.filter(read_at__isnull=True) if only_unread else mine
    page = Paginator(shown.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(EventKind.choices)
    for notification in page.object_list:
        notification.kind_label = labels.get(notification.kind, notification.kind)
    return render(
        request,
        "supervision/inbox.html",
        {"page": page, "unread": unread, "only_unread": only_unread},
    )


@login_required
@require_GET
def inbox_badge(request):
    """The bell's count (htmx fragment)."""
    return render(request, "supervision/_bell_count.html", {"unread": unread_count(request.user)})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Opens a notification: marks it read and goes to its target (or back to the inbox)."""
    notification = _mine(request, pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("supervision:inbox")


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("supervision:inbox"))


@login_required
@require_POST
def notification_read(request, pk: int):
    services.notification_mark_read(notification=_mine(request, pk), actor=request.user)
    messages.success(request, _("已标记为已读。"))
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标记为已读。") % {"n": count})
    return _back(request)
