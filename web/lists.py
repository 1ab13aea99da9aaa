"""The 清单导出 page (`/exports/`): every list the supervision office files, as .xlsx, for a
region of the user's scope — the seeds' 项目清单, 进度清单 / 配档表 (milestones), 责任清单 (the
chain), 问题清单 (交办单), 任务清单 (the meetings' decisions), 时效清单 (every open issue and
decision against its working-day deadline), the ranking bulletin and the ledger in its import
format. The workbooks of the lists are built by their apps' `exports` modules on the shared
`core.xlsx.ListSheet`; this module only picks the rows (scoped) and the title."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.formatting import cndate
from projects import access, ui
from projects import exports as project_exports
from projects.choices import RegionLevel, Stage
from projects.models import ChainRole, Milestone, Project, Region
from projects.selectors import current_chain_prefetch
from supervision import exports as issue_exports
from supervision.choices import IssueStatus
from supervision.selectors import issue_list

LISTS = ("milestones", "chain", "tasks", "deadlines")


def _in_region(region: Region, path: str) -> Q:
    """`path` (…region__code / …town__code prefix) within `region`'s subtree."""
    if region.level == RegionLevel.TOWN:
        return Q(**{f"{path}town__code__startswith": region.prefix})
    return Q(**{f"{path}region__code__startswith": region.prefix})


def milestones(user, region: Region) -> QuerySet[Milestone]:
    return (
        access.scope(user, Milestone.objects.all())
        .filter(_in_region(region, "project__"))
        .exclude(project__stage=Stage.WITHDRAWN)
        .select_related("project__region", "responsible")
        .order_by("project__region_id", "project__code", "due_date", "pk")
    )


def chain_projects(user, region: Region) -> QuerySet[Project]:
    return (
        access.scope(user, Project.objects.all())
        .filter(_in_region(region, ""))
        .exclude(stage=Stage.WITHDRAWN)
        .select_related("region", "responsible_unit")
        .prefetch_related(current_chain_prefetch())
        .order_by("region_id", "code")
    )


def deadline_issues(user, region: Region, *, decisions_only: bool, today):
    issues = issue_list(user=user, today=today).filter(_in_region(region, "project__"))
    if decisions_only:
        issues = issues.filter(meeting__isnull=False)
    else:
        issues = issues.exclude(status=IssueStatus.CLOSED).filter(resolved_at__isnull=True)
    return issues.order_by("deadline", "pk")


@login_required
@require_GET
def list_page(request):
    """The page: a region picker and a download per list."""
    region = ui.region_from(request)
    home = ui.home_region(request.user)
    return render(
        request,
        "web/lists.html",
        {
            "region": region,
            "region_options": ui.region_options(request.user, home) if home else [region],
        },
    )


@login_required
@require_GET
def list_export(request, kind: str):
    """`/exports/<kind>.xlsx?region=CODE`: one of `LISTS` for the region (default: the
    user's own), scoped to what the user may see."""
    if kind not in LISTS:
        raise Http404
    region = ui.region_from(request)
    today = timezone.localdate()
    on = _("截至 %(d)s") % {"d": cndate(today)}
    if kind == "milestones":
        title = " · ".join([_("进度清单（配档表）"), region.name, on])
        return project_exports.milestone_list_xlsx(
            milestones(request.user, region), title=title, today=today
        )
    if kind == "chain":
        roles = list(ChainRole.objects.filter(active=True).order_by("order", "code"))
        title = " · ".join([_("责任清单"), region.name, on])
        return project_exports.chain_list_xlsx(
            chain_projects(request.user, region), roles=roles, title=title, today=today
        )
    decisions_only = kind == "tasks"
    name = _("任务清单") if decisions_only else _("时效清单")
    what = _("会议议定事项") if decisions_only else _("未办结的问题和议定事项")
    return issue_exports.deadline_list_xlsx(
        deadline_issues(request.user, region, decisions_only=decisions_only, today=today),
        title=" · ".join([name, region.name, what, on]),
        name=name,
        decisions_only=decisions_only,
        today=today,
    )
