"""观摩评议 per project (issue #13, item 5): the assessors score the projects of an observation
tour on their page, scoped, with history; an indicator scored per project gives a district the
mean of its projects' scores, which the assessment reads; the per-region grid leaves it out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessment import assessments, services
from assessment.choices import AssessmentKind
from assessment.models import AssessmentIndicator, ObservationScore
from projects.choices import Role
from supervision.choices import InspectionKind
from supervision.models import Inspection
from tests.factories import UserFactory
from tests.measures.conftest import build_project, compute
from tests.measures.test_assessments import configure

pytestmark = pytest.mark.django_db

HALF = AssessmentKind.HALF_YEAR
QUERY = {"region": "370200", "kind": HALF, "year": "2024"}


@pytest.fixture
def tour(regions, eager):
    """市南区: two projects observed in May 2024; 市北区: one observed in May, one inspected
    (not an observation) and one observed in August (after the half-year)."""
    configure(HALF, ("investment", "investment_rate", "50"), ("tour", "entered", "50"))
    AssessmentIndicator.objects.filter(kind=HALF, code="tour").update(per_project=True)
    projects = {}
    for key, name in (("a", "district"), ("b", "district"), ("c", "other"), ("d", "other")):
        projects[key] = build_project(regions[name], plan="1000", reports={6: "500"})
    for key, kind, day in (
        ("a", InspectionKind.OBSERVATION, dt.date(2024, 5, 10)),
        ("b", InspectionKind.OBSERVATION, dt.date(2024, 5, 11)),
        ("c", InspectionKind.OBSERVATION, dt.date(2024, 5, 12)),
        ("d", InspectionKind.PATROL, dt.date(2024, 5, 12)),
        ("d", InspectionKind.OBSERVATION, dt.date(2024, 8, 12)),
    ):
        Inspection.objects.create(project=projects[key], kind=kind, date=day)
    compute(month=6)
    return projects


@pytest.fixture
def assessor(regions):
    return UserFactory(username="assessor", role=Role.REVIEWER, region=regions["city"])


def test_the_page_lists_the_tour_and_saves_scores_with_history(
    client, tour, assessor, django_assert_max_num_queries
):
    client.force_login(assessor)
    # session, user, region, its reader access, indicators, the tour's inspections, scores,
    # projects, the children and the means, the region options
    with django_assert_max_num_queries(14):
        response = client.get(reverse("web:observation"), QUERY)
    assert response.status_code == 200
    listed = [row["project"].pk for row in response.context["rows"]]
    assert listed == [tour["a"].pk, tour["b"].pk, tour["c"].pk]  # observed by 30 June
    item = AssessmentIndicator.objects.get(kind=HALF, code="tour")
    cells = {f"obs-{item.pk}-{tour[k].pk}": v for k, v in (("a", "90"), ("b", "70"), ("c", "85"))}
    response = client.post(reverse("web:observation"), {**QUERY, **cells})
    assert response.status_code == 302
    score = ObservationScore.objects.get(project=tour["a"])
    assert score.score == Decimal("90.00") and score.entered_by == assessor
    assert score.inspection is not None and score.inspection.kind == InspectionKind.OBSERVATION
    assert score.history.count() == 1
    # the district's points: the mean of its projects' scores (90 and 70 → 80)
    body = assessments.live(kind=HALF, parent=tour["a"].region.parent, year=2024)
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["370202"]["entered"]["tour"] == 80.0
    assert rows["370203"]["entered"]["tour"] == 85.0
    assert body["missing"] == []
    # the assessment page enters it here, not in its per-region grid
    page = client.get(reverse("web:assessment"), {**QUERY, "version": "live"})
    assert page.context["entered_items"] == []
    assert 'id="assessment-observation"' in page.content.decode()


def test_a_wrong_score_is_shown_beside_its_cell_and_nothing_is_saved(client, tour, assessor):
    client.force_login(assessor)
    item = AssessmentIndicator.objects.get(kind=HALF, code="tour")
    bad = f"obs-{item.pk}-{tour['a'].pk}"
    good = f"obs-{item.pk}-{tour['b'].pk}"
    response = client.post(reverse("web:observation"), {**QUERY, bad: "120", good: "70"})
    assert response.status_code == 200
    assert 'id="err_' + bad + '"' in response.content.decode()
    assert not ObservationScore.objects.exists()


def test_only_the_assessors_of_the_region_score(client, tour, district_official, regions):
    client.force_login(district_official)
    assert client.get(reverse("web:observation"), QUERY).status_code in (403, 404)
    item = AssessmentIndicator.objects.get(kind=HALF, code="tour")
    with pytest.raises(PermissionDenied):
        services.observation_score_set(
            actor=district_official, indicator=item, year=2024, project=tour["a"], score=80
        )
    # a district reviewer does not assess its own district either
    reviewer = UserFactory(username="r2", role=Role.REVIEWER, region=regions["district"])
    with pytest.raises(PermissionDenied):
        services.observation_score_set(
            actor=reviewer, indicator=item, year=2024, project=tour["a"], score=80
        )


def test_the_score_rules(tour, assessor):
    item = AssessmentIndicator.objects.get(kind=HALF, code="tour")
    routine = Inspection.objects.get(project=tour["d"], kind=InspectionKind.PATROL)
    with pytest.raises(ValidationError) as exc:
        services.observation_score_set(
            actor=assessor,
            indicator=item,
            year=2024,
            project=tour["d"],
            score=80,
            inspection=routine,
        )
    assert "inspection" in exc.value.message_dict
    other = AssessmentIndicator.objects.get(kind=HALF, code="investment")
    with pytest.raises(ValidationError):
        services.observation_score_set(
            actor=assessor, indicator=other, year=2024, project=tour["d"], score=80
        )
    with pytest.raises(ValidationError):
        services.observation_score_set(
            actor=assessor, indicator=item, year=2024, project=tour["d"], score=101
        )
