"""The completeness page: figures, one click to the missing projects, the buttons."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.test import Client

from projects import services
from projects.models import MonthStatus, ReportingMonth
from tests.factories import ProjectFactory

URL = "/reporting/completeness/?period=2026-09"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_page_query_count_does_not_grow_with_projects(
    regions, city_official, django_assert_max_num_queries
):
    client = _client(city_official)
    ProjectFactory(region=regions["district"])
    client.get(URL)  # the first request creates the rule's row and the session's
    with django_assert_max_num_queries(12) as few:
        # the session and user, the page's completeness (eight: see its test), the template's
        # context (messages, navigation)
        client.get(URL)
    for _ in range(5):
        ProjectFactory(region=regions["district"])
        ProjectFactory(region=regions["other"])
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_district_submits_with_a_reason_and_the_city_accepts(
    regions, city_official, district_official
):
    reported = ProjectFactory(region=regions["district"])
    silent = ProjectFactory(region=regions["district"], code="QD-SILENT")
    with time_machine.travel(dt.datetime(2026, 10, 9, 10), tick=False):
        services.report_create(
            project=reported,
            year=2026,
            month=9,
            completed_investment=Decimal("5"),
            actor=district_official,
        )
        district = _client(district_official)
        page = district.get(URL).content.decode()
        assert "QD-SILENT" in page and "reported=no" in page
        assert "审核通过" not in page  # not the district's button
        district.post(URL, {"region": "370202", "action": "submit", f"gap-{silent.pk}": "停工"})
        city = _client(city_official)
        city.post(URL, {"region": "370202", "action": "accept"})
    month = ReportingMonth.objects.get(region=regions["district"], year=2026, month=9)
    assert month.status == MonthStatus.ACCEPTED
    assert month.gaps.get().reason == "停工"


def test_district_cannot_accept_its_own_month(regions, district_official):
    ReportingMonth.objects.create(
        region=regions["district"], year=2026, month=9, status=MonthStatus.SUBMITTED
    )
    _client(district_official).post(URL, {"region": "370202", "action": "accept"})
    assert ReportingMonth.objects.get().status == MonthStatus.SUBMITTED


def test_another_district_is_404(regions, other_official):
    response = _client(other_official).post(URL, {"region": "370202", "action": "submit"})
    assert response.status_code == 404
