"""The completeness page of the monthly reporting cycle (`/reporting/completeness/?period=`):
for the city every district (for a district itself), the month's projects due, reported, late,
its state, and the buttons of the cycle — 报送 for the district (with a reason for each project
not reported), 审核通过 / 退回修改 / 重新开放 for the city. Every button posts to a service of
`supervision.reporting`, which checks the role itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.periods import Period
from projects import access
from projects.choices import RegionLevel
from projects.models import MonthStatus, Region

from . import reporting

ACTIONS = {"submit", "accept", "return", "reopen"}


def _period(request) -> Period:
    try:
        return Period.parse_optional(request.GET.get("period")) or Period.latest_complete()
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc


def _act(request, period: Period) -> None:
    action = request.POST.get("action", "")
    district = Region.objects.filter(
        code=request.POST.get("region", ""), level=RegionLevel.COUNTY
    ).first()
    if action not in ACTIONS or district is None or not access.covers(request.user, district.code):
        raise Http404(_("未找到该县市区，或不在您的管辖范围内。"))
    note = request.POST.get("note", "")
    if action == "submit":
        gaps = {
            int(key.removeprefix("gap-")): value
            for key, value in request.POST.items()
            if key.startswith("gap-") and key.removeprefix("gap-").isdigit()
        }
        reporting.month_submit(
            district=district, period=period, actor=request.user, gaps=gaps, note=note
        )
        messages.success(
            request, _("%(d)s %(p)s 月报已报送。") % {"d": district, "p": period.label}
        )
    elif action == "accept":
        reporting.month_accept(district=district, period=period, actor=request.user, note=note)
        messages.success(
            request, _("%(d)s %(p)s 月报已审核通过。") % {"d": district, "p": period.label}
        )
    elif action == "return":
        reporting.month_return(district=district, period=period, actor=request.user, note=note)
        messages.success(
            request, _("%(d)s %(p)s 月报已退回修改。") % {"d": district, "p": period.label}
        )
    else:
        reporting.month_reopen(district=district, period=period, actor=request.user, reason=note)
        messages.success(
            request, _("%(d)s %(p)s 月报已重新开放。") % {"d": district, "p": period.label}
        )


@login_required
@require_http_methods(["GET", "POST"])
def completeness(request):
    period = _period(request)
    if request.method == "POST":
        try:
            _act(request, period)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("无权执行该操作。"))
        return redirect(f"{reverse('supervision:reporting_completeness')}?period={period}")
    result = reporting.completeness(user=request.user, period=period)
    for row in result.rows:
        row.may_submit = request.user.can_edit and row.status in (
            MonthStatus.OPEN,
            MonthStatus.RETURNED,
        )
        row.may_review = reporting.may_review(request.user, row.region)
    return render(
        request,
        "supervision/reporting_completeness.html",
        {
            "result": result,
            "period": period,
            "previous": period.previous(),
            "next": None if period.next().is_future() else period.next(),
            "statuses": MonthStatus,
        },
    )
