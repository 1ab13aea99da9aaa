"""The assessment pages: the city's reviewers enter scores (a wrong cell answered beside itself,
nothing saved), publish and correct with a reason; a district reads its city's published
assessment and sees its own row; query counts do not grow with the districts."""

import pytest
from django.urls import reverse

from assessment.choices import AssessmentKind
from assessment.models import AssessmentIndicator, AssessmentScore, AssessmentSnapshot
from tests.measures.test_assessments import city, configure  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

PAGE = reverse("web:assessment")
SCORES = reverse("web:assessment_scores")
PUBLISH = reverse("web:assessment_publish")
HALF = AssessmentKind.HALF_YEAR
TARGET = {"region": "370200", "kind": HALF, "year": "2024"}


def tour_cell(code):
    return f"score-{AssessmentIndicator.objects.get(kind=HALF, code='tour').pk}-{code}"


@pytest.fixture
def assessed(city):  # noqa: F811
    configure(HALF, ("investment", "investment_rate", "50"), ("tour", "entered", "50", "10"))
    return city


def test_the_city_enters_scores_publishes_and_corrects(client, assessed, city_official):
    client.force_login(city_official)
    page = client.get(PAGE, TARGET)
    assert page.status_code == 200
    html = page.content.decode()
    assert "实时计算" in html and 'id="assessment-missing"' in html
    refused = client.post(PUBLISH, TARGET, follow=True)
    assert "评分未录入" in refused.content.decode()
    assert not AssessmentSnapshot.objects.exists()

    wrong = client.post(SCORES, {**TARGET, tour_cell("370202"): "abc", tour_cell("370203"): "11"})
    assert wrong.status_code == 200  # shown again, each message beside its cell
    text = wrong.content.decode()
    assert "请输入数字" in text and "评分应在 0 至 10 之间" in text
    assert not AssessmentScore.objects.exists()

    cells = {tour_cell(code): "8" for code in ("370202", "370203", "370211", "370212")}
    saved = client.post(SCORES, {**TARGET, **cells})
    assert saved.status_code == 302 and AssessmentScore.objects.count() == 4

    client.post(PUBLISH, TARGET)
    assert AssessmentSnapshot.objects.get().version == 1
    published = client.get(PAGE, TARGET).content.decode()
    assert "已发布 第1版" in published and "通报表扬" in published
    no_reason = client.post(PUBLISH, TARGET, follow=True).content.decode()
    assert "更正需说明原因" in no_reason
    client.post(PUBLISH, {**TARGET, "reason": "崂山区观摩复核"})
    assert list(
        AssessmentSnapshot.objects.values_list("version", flat=True).order_by("version")
    ) == [1, 2]
    assert "崂山区观摩复核" in client.get(PAGE, TARGET).content.decode()


def test_a_district_reads_the_published_assessment_and_its_own_row(
    client, assessed, city_official, district_official
):
    client.force_login(district_official)
    unpublished = client.get(PAGE).content.decode()  # a district's default: its city
    assert 'id="assessment-unpublished"' in unpublished and "录入评分" not in unpublished
    assert client.post(PUBLISH, TARGET).status_code == 403
    assert client.post(SCORES, {**TARGET, tour_cell("370202"): "1"}).status_code == 403
    configure(HALF, ("investment", "investment_rate", "100"))
    from assessment import services

    services.assessment_publish(actor=city_official, kind=HALF, parent=assessed["city"], year=2024)
    html = client.get(PAGE).content.decode()
    assert 'id="assessment-own"' in html and "已发布 第1版" in html
    for name in ("市南区", "市北区", "西海岸新区", "崂山区"):
        assert name in html
    assert client.get(PAGE, {**TARGET, "version": "live"}).status_code == 200  # still published
    assert client.get(PAGE, {**TARGET, "region": "370100"}).status_code == 404


def test_bad_parameters_are_a_404_with_the_reason(client, assessed, city_official):
    client.force_login(city_official)
    assert client.get(PAGE, {**TARGET, "kind": "monthly"}).status_code == 404
    assert client.get(PAGE, {**TARGET, "year": "20x4"}).status_code == 404
    assert client.get(PAGE, {**TARGET, "version": "9"}).status_code == 404


def test_the_page_reads_in_a_constant_number_of_queries(
    client, assessed, city_official, django_assert_num_queries
):
    client.force_login(city_official)
    client.get(PAGE, TARGET)  # warm the session and the caches
    with django_assert_num_queries(20, exact=False) as first:
        client.get(PAGE, TARGET)
    from projects.choices import RegionLevel
    from projects.models import Region
    from tests.measures.conftest import build_project, compute

    more = Region.objects.create(
        code="370213", name="李沧区", level=RegionLevel.COUNTY, parent=assessed["city"]
    )
    build_project(more, plan="1000", reports={6: "500"})
    compute(month=6)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(PAGE, TARGET)
