"""What every page of the web UI needs to know about the request: which region and which period
the user is looking at. Views of both apps (projects, supervision) use these; they only read.

- The region is `?region=CODE`, within the user's scope (anything else is a 404, so a page never
  tells whether a region outside one's scope exists); by default the user's own region (a
  superuser: the top of the tree).
- The period is `?period=YYYY-MM` (`core.periods.Period.parse_optional`, the API's parser);
  by default the latest period computed, or last month when nothing has been computed yet.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from assessment.selectors import default_period
from core.periods import Period

from . import access
from .choices import RegionLevel
from .models import Region


def period_from(request, name: str = "period") -> Period:
    """`?period=` or the default; a malformed value is a 404 with the reason (it is a URL
    someone typed or edited, not a form)."""
    try:
        period = Period.parse_optional(request.GET.get(name))
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    return period or default_period()


def home_region(user) -> Region | None:
    """The region a user looks at by default: their own; a superuser's is the root."""
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("order", "code").first()
    return getattr(user, "region", None)


def region_from(request, name: str = "region") -> Region:
    """`?region=CODE` within the user's scope, else the user's home region."""
    code = (request.GET.get(name) or "").strip()
    if not code:
        region = home_region(request.user)
        if region is None:
            raise Http404(_("您的账号尚未分配管辖区域，请联系管理员。"))
        return region
    region = Region.objects.filter(code=code).first()
    if region is None or not access.covers(request.user, region.code):
        raise Http404(_("未找到该区域，或不在您的管辖范围内。"))
    return region


def region_options(user, current: Region) -> list[Region]:
    """Regions offered in the region picker: the user's region and every city or district
    below it (towns are reached from their district's pages). One query."""
    home = home_region(user)
    if home is None:
        return [current]
    regions = access.scope(user, Region.objects.all()).filter(
        code__startswith=home.prefix,
        level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY],
    )
    options = list(regions.order_by("code"))
    if current not in options:
        options.insert(0, current)
    return options


def districts_of(user, region: Region) -> list[Region]:
    """The districts (县市区) the user may see at or below `region`, in order."""
    if region.level == RegionLevel.COUNTY:
        return [region]
    return list(
        access.scope(user, Region.objects.all())
        .filter(code__startswith=region.prefix, level=RegionLevel.COUNTY)
        .order_by("order", "code")
    )
