"""办结率 / 按期办结率 and the issue board behind them (issue #13): the board's `?period=&set=`
counts exactly the issues the figures count — raised from 1 January to the period's end, of
the period's portfolio; resolved by its end; on time when resolved no later than the
deadline's day — with the fraction in its header and the same filters on the API."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.choices import Stage
from supervision.choices import IssueStatus
from supervision.models import Issue
from tests.measures.conftest import aware, build_project, compute

pytestmark = pytest.mark.django_db


def issue(project, *, raised, status=IssueStatus.IN_PROGRESS, resolved=None, deadline=None):
    return Issue.objects.create(
        project=project,
        title="问题",
        category="other",
        status=status,
        raised_at=aware(raised),
        resolved_at=aware(resolved, hour=23) if resolved else None,
        deadline=deadline,
    )


@pytest.fixture
def issues(regions):
    project = build_project(regions["district"], plan="1000", reports={10: "500"})
    closed = IssueStatus.CLOSED
    # on time: resolved on the deadline's day (late in the evening)
    issue(
        project,
        raised=dt.date(2024, 3, 1),
        status=closed,
        resolved=dt.date(2024, 4, 10),
        deadline=dt.date(2024, 4, 10),
    )
    # late: resolved the day after its deadline
    issue(
        project,
        raised=dt.date(2024, 3, 1),
        status=closed,
        resolved=dt.date(2024, 4, 11),
        deadline=dt.date(2024, 4, 10),
    )
    # resolved after the period's end: raised, not resolved by 31 October
    issue(project, raised=dt.date(2024, 9, 1), status=closed, resolved=dt.date(2024, 11, 2))
    # still open; raised last year (not counted); raised after the period (not counted)
    issue(project, raised=dt.date(2024, 6, 1))
    issue(project, raised=dt.date(2023, 12, 31))
    issue(project, raised=dt.date(2024, 11, 1))
    # a project outside the portfolio (withdrawn before the year): its issue is not counted
    gone = build_project(regions["district"], stage=Stage.WITHDRAWN, actual_start=None)
    issue(gone, raised=dt.date(2024, 3, 1))
    compute()


def board(client, **params) -> dict:
    response = client.get(reverse("supervision:issue_board"), {"view": "list", **params})
    assert response.status_code == 200
    context = response.context
    rate = context["rate"]
    return {
        "count": context["page"].paginator.count,
        **{key: rate[key]["count"] for key in ("raised", "resolved", "on_time")},
    }


def test_the_board_counts_what_the_figures_count(client, issues, city_official):
    client.force_login(city_official)
    home = client.get(reverse("web:home"), {"region": "370202", "period": "2024-10"}).context
    totals = home["totals"]
    assert (totals["issues"], totals["issues_resolved"], totals["issues_on_time"]) == (4, 2, 1)
    common = {"region": "370202", "period": "2024-10"}
    for issue_set, count in (("raised", 4), ("resolved", 2), ("on_time", 1)):
        assert board(client, **common, set=issue_set) == {
            "count": count,
            "raised": 4,
            "resolved": 2,
            "on_time": 1,
        }
        api = client.get("/api/v1/issues/", {**common, "set": issue_set})
        assert api.json()["count"] == count
    figures = {f["label"]: f for f in home["figures"]}
    assert "set=resolved" in figures["问题办结率"]["url"]
    assert "set=on_time" in figures["按期办结率"]["url"]


def test_the_board_header_reads_the_fraction(client, issues, city_official):
    client.force_login(city_official)
    response = client.get(
        reverse("supervision:issue_board"),
        {"region": "370202", "period": "2024-10", "set": "resolved"},
    )
    html = response.content.decode()
    assert 'id="rate-switch"' in html
    assert "期末前已办结 <b>2</b>" in html and "本年收集的问题 <b>4</b>" in html


def test_another_district_sees_none_of_them(client, issues, other_official):
    client.force_login(other_official)
    assert board(client, period="2024-10", set="raised")["count"] == 0
