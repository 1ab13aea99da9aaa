"""观摩评议: the page where the assessors score the projects of an observation tour (观摩), one
score per project on each indicator scored per project (`AssessmentIndicator.per_project`);
the assessment reads a district's points as the mean of its projects' scores
(`assessment.assessments.entered_scores`). Writes through
`assessment.services.observation_score_set`; only those who assess the region (its reviewers
and administrators) see the page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessment import assessments
from assessment import selectors as assessment_selectors
from assessment import services as assessment_services
from assessment.choices import AssessmentKind
from core.formatting import cnperiod
from projects import ui

from .views import _assessment_query, _assessment_target, read_score


def _cell_name(indicator_id: int, project_id: int) -> str:
    return f"obs-{indicator_id}-{project_id}"


def _context(request, region, kind, year, *, errors=None, posted=None) -> dict:
    period = assessments.period_of(kind, year)
    items = [item for item in assessments.indicators(kind) if item.per_project]
    tour = assessment_selectors.observation_tour(
        user=request.user,
        parent=region,
        start=dt.date(year, 1, 1),
        end=period.end,
        indicator_ids=[item.pk for item in items],
    )
    rows = []
    for entry in tour:
        cells = []
        for item in items:
            name = _cell_name(item.pk, entry["project"].pk)
            value = (posted or {}).get(name)
            if value is None:
                stored = entry["scores"].get(item.pk)
                value = "" if stored is None else format(stored.score.normalize(), "f")
            cells.append({"name": name, "value": value, "error": (errors or {}).get(name)})
        rows.append({**entry, "cells": cells})
    return {
        "region": region,
        "kind": kind,
        "kind_label": AssessmentKind(kind).label,
        "kinds": AssessmentKind.choices,
        "year": year,
        "period_label": cnperiod(period),
        "items": items,
        "rows": rows,
        "means": assessments.observation_means([item.pk for item in items], year, region)
        if items
        else {},
        "form_error": (errors or {}).get("__all__", ""),
        "region_options": ui.region_options(request.user, region),
        "assessment_query": _assessment_query(region, kind, year),
    }


def _read_cells(request, context: dict) -> tuple[dict[str, str], dict[str, str], list]:
    """The posted cells: (errors by cell, the texts posted, [(indicator, row, score)] changed)."""
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    changes = []
    for row in context["rows"]:
        for item in context["items"]:
            name = _cell_name(item.pk, row["project"].pk)
            text = (request.POST.get(name) or "").strip()
            posted[name] = text
            if not text:
                continue
            value, error = read_score(text, item.full_marks)
            if error:
                errors[name] = error
                continue
            stored = row["scores"].get(item.pk)
            if stored is not None and stored.score == value:
                continue  # unchanged: no new history row
            changes.append((item, row, value))
    return errors, posted, changes


@login_required
@require_http_methods(["GET", "POST"])
def observation(request):
    """GET: the tour's projects (an observation inspection in the assessment's span, or scored
    already) with their scores; POST: saves the entered scores (blank = not scored, left as it
    is); a wrong cell is shown beside itself and nothing is saved."""
    source = request.POST if request.method == "POST" else request.GET
    region, published_only, kind, year = _assessment_target(request, source)
    if published_only or not assessment_services.may_publish(request.user, region):
        raise PermissionDenied(_("只有该区域的审核人或管理员可以录入观摩评分。"))
    if request.method == "GET":
        context = _context(request, region, kind, year)
        return render(request, "web/observation.html", context)
    context = _context(request, region, kind, year)
    errors, posted, changes = _read_cells(request, context)
    if not errors:
        try:
            with transaction.atomic():
                for item, row, value in changes:
                    assessment_services.observation_score_set(
                        actor=request.user,
                        indicator=item,
                        year=year,
                        project=row["project"],
                        score=value,
                        inspection=row["inspection"],
                    )
        except ValidationError as exc:
            errors["__all__"] = "；".join(exc.messages)
    if errors:
        context = _context(request, region, kind, year, errors=errors, posted=posted)
        return render(request, "web/observation.html", context)
    messages.success(request, _("已保存 %(n)s 项观摩评分。") % {"n": len(changes)})
    return redirect(f"{reverse('web:observation')}?{_assessment_query(region, kind, year)}")
