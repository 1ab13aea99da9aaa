"""市直部门 assessed and ranked alongside the districts (issue #13, item 5; Handan praises "5
advanced city departments"): the city's departments (units of kind 部门 of the city) ranked on
the computed indicators over the projects they are responsible for, the top N praised and the
bottom N called in (`RankingSettings.departments_*`, configurable), published and versioned
apart from the districts' assessment; on the page (`?subject=department`) and the API."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessment import assessments, services
from assessment.choices import AssessmentKind, AssessmentSubject
from assessment.models import AssessmentSnapshot, RankingSettings
from projects.choices import UnitKind
from tests.factories import UnitFactory
from tests.measures.conftest import build_project, compute
from tests.measures.test_assessments import configure

pytestmark = pytest.mark.django_db

HALF = AssessmentKind.HALF_YEAR
DEPT = AssessmentSubject.DEPARTMENT


@pytest.fixture
def departments(regions, eager):
    """Four city departments at June 90%, 70%, 50%, 30% (projects in both districts), one
    city department without projects, and a district's own 部门 (not a city department)."""
    configure(HALF, ("investment", "investment_rate", "60"), ("tour", "entered", "40"))
    settings = RankingSettings.current()
    settings.departments_praised_top = 2
    settings.departments_called_in_bottom = 1
    settings.save()
    units = {}
    rates = (("发改委", "900"), ("工信局", "700"), ("住建局", "500"), ("交通局", "300"))
    for name, amount in rates:
        units[name] = UnitFactory(name=name, region=regions["city"], kind=UnitKind.DEPARTMENT)
        for district in ("district", "other"):
            build_project(regions[district], plan="1000", reports={6: amount}, unit=units[name])
    UnitFactory(name="水利局", region=regions["city"], kind=UnitKind.DEPARTMENT)
    local = UnitFactory(name="市南区发改局", region=regions["district"], kind=UnitKind.DEPARTMENT)
    build_project(regions["district"], plan="1000", reports={6: "1000"}, unit=local)
    company = UnitFactory(name="城投集团", region=regions["city"], kind=UnitKind.COMPANY)
    build_project(regions["district"], plan="1000", reports={6: "950"}, unit=company)
    compute(month=6)
    return units


def test_the_city_departments_are_ranked_praised_and_called_in(departments, regions):
    body = assessments.live(kind=HALF, parent=regions["city"], year=2024, subject=DEPT)
    names = [row["name"] for row in body["rows"]]
    assert names == ["发改委", "工信局", "住建局", "交通局", "水利局"]  # 水利局: no projects
    assert [row["praised"] for row in body["rows"]] == [True, True, False, False, False]
    # the bottom one with a score is called in (水利局 has none: listed last, not called in)
    assert [row["called_in"] for row in body["rows"]] == [False, False, False, True, False]
    assert body["rows"][-1]["score"] is None
    assert body["rows"][0]["score"] == pytest.approx(90.0)  # the computed indicators only
    assert [i["code"] for i in body["indicators"]] == ["investment"]
    assert body["missing"] == [] and body["praised_top"] == 2 and body["called_in_bottom"] == 1
    assert body["rows"][0]["projects"] == 2


def test_departments_are_published_apart_from_the_districts(departments, regions, city_official):
    city = regions["city"]
    first = services.assessment_publish(
        actor=city_official, kind=HALF, parent=city, year=2024, subject=DEPT
    )
    assert first.version == 1 and first.subject == DEPT
    assert assessments.versions(kind=HALF, parent=city, year=2024) == []  # the districts'
    assert assessments.assessment(kind=HALF, parent=city, year=2024, subject=DEPT)["version"] == 1
    second = services.assessment_publish(
        actor=city_official, kind=HALF, parent=city, year=2024, subject=DEPT, reason="更正"
    )
    assert second.version == 2
    assert AssessmentSnapshot.objects.filter(subject=DEPT).count() == 2


def test_the_page_and_the_api_show_the_department_assessment(
    client, departments, city_official, django_assert_max_num_queries
):
    client.force_login(city_official)
    query = {"region": "370200", "kind": HALF, "year": "2024", "subject": DEPT}
    with django_assert_max_num_queries(16):
        response = client.get(reverse("web:assessment"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "市直部门" in html and "发改委" in html
    assert response.context["score_rows"] == []  # scores are entered per district
    assert response.context["praised"] == ["发改委", "工信局"]
    response = client.post(reverse("web:assessment_publish"), query)
    assert response.status_code == 302 and "subject=department" in response.url
    api = APIClient()
    api.force_authenticate(city_official)
    answer = api.get(
        "/api/v1/assessments/", {"parent": "370200", "kind": HALF, "year": 2024, "subject": DEPT}
    ).json()
    assert answer["subject"] == DEPT and answer["version"] == 1
    assert [r["name"] for r in answer["rows"] if r["praised"]] == ["发改委", "工信局"]
    assert Decimal(str(answer["rows"][0]["score"])) == Decimal("90")
