"""/api/v1/projects/{code}/reports/: monthly completed investment — one per project and month,
corrected with PATCH (optimistic locking, kept in history), scoped like the project."""

from decimal import Decimal

import pytest

from projects import services
from projects.choices import Stage
from projects.models import MonthlyReport
from tests.factories import MonthlyReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def reports_url(code: str) -> str:
    return f"/api/v1/projects/{code}/reports/"


def report_url(code: str, period: str) -> str:
    return f"/api/v1/projects/{code}/reports/{period}/"


@pytest.fixture
def march(project, district_official):
    return services.report_create(
        project=project,
        year=2024,
        month=3,
        completed_investment=Decimal("150.00"),
        note="主体施工",
        actor=district_official,
    )


def periods(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["period"] for row in response.json()["results"]]


# --- Access ------------------------------------------------------------------------------------


def test_anonymous_gets_401(anonymous, project, march):
    assert anonymous.get(reports_url(project.code)).status_code == 401
    assert anonymous.get(report_url(project.code, "2024-03")).status_code == 401
    response = anonymous.post(reports_url(project.code), {}, format="json")
    assert response.status_code == 401


def test_token_authentication_works(token_client_for, district_official, project, march):
    assert periods(token_client_for(district_official).get(reports_url(project.code))) == [
        "2024-03"
    ]


def test_city_and_district_officials_read_the_reports(
    client_for, city_official, district_official, project, march
):
    for user in (city_official, district_official):
        client = client_for(user)
        assert periods(client.get(reports_url(project.code))) == ["2024-03"]
        one = client.get(report_url(project.code, "2024-03"))
        assert one.status_code == 200
        assert one["ETag"] == '"1"'


def test_official_of_another_district_gets_404_everywhere(
    client_for, other_official, project, march
):
    client = client_for(other_official)
    assert client.get(reports_url(project.code)).status_code == 404
    assert client.get(report_url(project.code, "2024-03")).status_code == 404
    assert client.get(report_url(project.code, "2024-03") + "history/").status_code == 404
    created = client.post(
        reports_url(project.code),
        {"year": 2024, "month": 4, "completed_investment": "1"},
        format="json",
    )
    assert created.status_code == 404
    changed = client.patch(
        report_url(project.code, "2024-03"), {"completed_investment": "1"}, format="json"
    )
    assert changed.status_code == 404
    march.refresh_from_db()
    assert march.completed_investment == Decimal("150.00")
    assert MonthlyReport.objects.count() == 1


def test_viewer_reads_but_cannot_report_or_correct(client_for, viewer, project, march):
    client = client_for(viewer)
    assert periods(client.get(reports_url(project.code))) == ["2024-03"]
    created = client.post(
        reports_url(project.code),
        {"year": 2024, "month": 4, "completed_investment": "1"},
        format="json",
    )
    assert created.status_code == 403
    changed = client.patch(
        report_url(project.code, "2024-03"), {"completed_investment": "1"}, format="json"
    )
    assert changed.status_code == 403
    assert MonthlyReport.objects.count() == 1


def test_reports_are_never_deleted(client_for, city_official, project, march):
    response = client_for(city_official).delete(report_url(project.code, "2024-03"))
    assert response.status_code == 405
    assert MonthlyReport.objects.filter(pk=march.pk).exists()


def test_city_official_reports_for_a_district_project(client_for, city_official, project):
    response = client_for(city_official).post(
        reports_url(project.code),
        {"year": 2024, "month": 4, "completed_investment": "88.5"},
        format="json",
    )
    assert response.status_code == 201, response.content


# --- Report a month ----------------------------------------------------------------------------


def test_district_official_reports_a_month(client_for, district_official, project):
    response = client_for(district_official).post(
        reports_url(project.code),
        {"year": 2024, "month": 4, "completed_investment": "230.50", "note": "设备进场"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["Location"].endswith(report_url(project.code, "2024-04"))
    data = response.json()
    assert data == {
        **data,
        "project": project.code,
        "period": "2024-04",
        "year": 2024,
        "month": 4,
        "completed_investment": "230.50",
        "note": "设备进场",
        "version": 1,
    }
    assert data["reported_by"]["username"] == district_official.username
    report = MonthlyReport.objects.get(project=project, year=2024, month=4)
    assert report.completed_investment == Decimal("230.50")
    assert report.reported_by == district_official


def test_a_second_report_for_the_same_month_is_400_on_month(
    client_for, district_official, project, march
):
    response = client_for(district_official).post(
        reports_url(project.code),
        {"year": 2024, "month": 3, "completed_investment": "999"},
        format="json",
    )
    assert response.status_code == 400
    assert "PATCH" in response.json()["month"][0]
    march.refresh_from_db()
    assert march.completed_investment == Decimal("150.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2024, "month": 13, "completed_investment": "1"}, "month"),
        ({"year": 2024, "month": 0, "completed_investment": "1"}, "month"),
        ({"year": 1999, "month": 1, "completed_investment": "1"}, "year"),
        ({"year": "this", "month": 1, "completed_investment": "1"}, "year"),
        ({"year": 2024, "month": 1, "completed_investment": "-1"}, "completed_investment"),
        ({"year": 2024, "month": 1, "completed_investment": "1,000"}, "completed_investment"),
        ({"year": 2024, "month": 1, "completed_investment": "Infinity"}, "completed_investment"),
        (
            {"year": 2024, "month": 1, "completed_investment": "99999999999999999"},
            "completed_investment",
        ),
        ({"year": 2024, "month": 1}, "completed_investment"),
        ({"month": 1, "completed_investment": "1"}, "year"),
    ],
)
def test_bad_report_input_is_400_naming_the_field(
    client_for, district_official, project, body, field
):
    response = client_for(district_official).post(reports_url(project.code), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not MonthlyReport.objects.exists()


def test_a_withdrawn_project_takes_no_reports(client_for, district_official, regions):
    gone = ProjectFactory(code="GONE", region=regions["district"], stage=Stage.WITHDRAWN)
    response = client_for(district_official).post(
        reports_url(gone.code),
        {"year": 2024, "month": 1, "completed_investment": "1"},
        format="json",
    )
    assert response.status_code == 400
    assert "project" in response.json()


def test_unknown_project_is_404(client_for, city_official):
    assert client_for(city_official).get(reports_url("NO-SUCH")).status_code == 404


# --- Correct a month ---------------------------------------------------------------------------


def test_correction_with_the_version_read(client_for, district_official, project, march):
    response = client_for(district_official).patch(
        report_url(project.code, "2024-03"),
        {"completed_investment": "175.00", "note": "更正：漏报设备款", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["completed_investment"], response.json()["version"]) == (
        "175.00",
        2,
    )
    assert response["ETag"] == '"2"'
    march.refresh_from_db()
    assert march.completed_investment == Decimal("175.00")


def test_stale_correction_is_409_and_keeps_the_other_edit(
    client_for, district_official, city_official, project, march
):
    services.report_update(
        report=march, completed_investment=Decimal("160.00"), actor=city_official
    )
    response = client_for(district_official).patch(
        report_url(project.code, "2024-03"),
        {"completed_investment": "175.00"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    march.refresh_from_db()
    assert march.completed_investment == Decimal("160.00")


def test_bad_correction_is_400(client_for, district_official, project, march):
    client = client_for(district_official)
    for body, field in (
        ({"completed_investment": "-3"}, "completed_investment"),
        ({"completed_investment": "abc"}, "completed_investment"),
        ({"version": 0}, "version"),
    ):
        body = {"version": 1, **body}
        response = client.patch(report_url(project.code, "2024-03"), body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()


@pytest.mark.parametrize("period", ["2024-3", "March", "2024-13", "2024-03-01"])
def test_malformed_period_in_the_url_is_400(client_for, district_official, project, period):
    response = client_for(district_official).get(report_url(project.code, period))
    assert response.status_code == 400
    assert "period" in response.json()


def test_month_not_reported_is_404(client_for, district_official, project, march):
    client = client_for(district_official)
    assert client.get(report_url(project.code, "2024-04")).status_code == 404
    response = client.patch(
        report_url(project.code, "2024-04"), {"completed_investment": "1"}, format="json"
    )
    assert response.status_code == 404


def test_history_lists_who_corrected_what_when(
    client_for, district_official, city_official, project, march
):
    client_for(city_official).patch(
        report_url(project.code, "2024-03"),
        {"completed_investment": "175.00", "version": 1},
        format="json",
    )
    response = client_for(district_official).get(report_url(project.code, "2024-03") + "history/")
    assert response.status_code == 200
    correction, creation = response.json()
    assert correction["type"] == "changed"
    assert correction["user"]["username"] == city_official.username
    assert {c["field"]: (c["before"], c["after"]) for c in correction["changes"]} == {
        "completed_investment": ("150.00", "175.00"),
        "version": ("1", "2"),
    }
    assert creation["type"] == "created"
    assert creation["user"]["username"] == district_official.username
    assert creation["at"] <= correction["at"]


# --- Filters and query counts ------------------------------------------------------------------


def test_year_and_month_filters(client_for, district_official, project):
    for year, month in ((2023, 12), (2024, 1), (2024, 2)):
        MonthlyReportFactory(project=project, year=year, month=month)
    client = client_for(district_official)
    assert periods(client.get(reports_url(project.code), {"year": 2024})) == [
        "2024-01",
        "2024-02",
    ]
    assert periods(client.get(reports_url(project.code), {"month": 12})) == ["2023-12"]
    assert client.get(reports_url(project.code), {"month": 13}).status_code == 400


@pytest.mark.parametrize("months", [3, 30])
def test_report_list_costs_the_same_queries_for_3_or_30_reports(
    token_client_for, district_official, project, django_assert_num_queries, months
):
    for i in range(months):
        MonthlyReportFactory(
            project=project,
            year=2022 + i // 12,
            month=i % 12 + 1,
            reported_by=district_official,
        )
    client = token_client_for(district_official)
    with django_assert_num_queries(4):
        # 1 token + user + the user's region (ExpiringTokenAuthentication joins them), 2 the
        # project by code (scoped), 3 count (pagination), 4 the page of reports joined with who
        # reported them.
        response = client.get(reports_url(project.code))
    assert len(response.json()["results"]) == months
