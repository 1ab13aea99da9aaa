"""Server-rendered pages of the projects app (the full UI is issue #5)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render

from . import access
from .models import Project


@login_required
def home(request):
    projects = access.scope(request.user, Project.objects.active())
    totals = projects.aggregate(count=Count("id"), investment=Sum("total_investment"))
    by_level = projects.values("level").annotate(count=Count("id")).order_by("level")
    return render(request, "projects/home.html", {"totals": totals, "by_level": by_level})
