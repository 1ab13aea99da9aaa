"""Half-year and year-end assessments (issue #13, item 5): scores from the configured indicators
and the scores the assessors enter, ties sharing a rank, praise and call-in on assessments only
(never on the monthly bulletin), published versions immutable, corrections with a reason; the
API's scoping and its 400s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from assessment import assessments, rankings, services
from assessment.choices import AssessmentKind, RankingScope
from assessment.models import (
    AssessmentIndicator,
    AssessmentScore,
    AssessmentSnapshot,
    RankingSettings,
    SnapshotImmutable,
)
from core.models import DeletionForbidden
from projects.choices import RegionLevel, Role
from projects.models import Region
from tests.factories import UserFactory
from tests.measures.conftest import build_project, compute

pytestmark = pytest.mark.django_db

HALF, YEAR_END = AssessmentKind.HALF_YEAR, AssessmentKind.YEAR_END


@pytest.fixture
def city(regions, eager):
    """青岛市 with four districts: investment rates at June 90%, 60%, 60%, 30%."""
    regions["third"] = Region.objects.create(
        code="370211", name="西海岸新区", level=RegionLevel.COUNTY, parent=regions["city"]
    )
    regions["fourth"] = Region.objects.create(
        code="370212", name="崂山区", level=RegionLevel.COUNTY, parent=regions["city"]
    )
    for key, amount in (("district", "900"), ("other", "600"), ("third", "600"), ("fourth", "300")):
        build_project(regions[key], plan="1000", reports={6: amount, 12: "100"})
    compute(month=6)
    compute(month=12, today=dt.date(2025, 1, 10))
    return regions


def configure(kind, *specs):
    """Replaces a kind's indicators by (code, source, weight[, full_marks])."""
    AssessmentIndicator.objects.filter(kind=kind).update(active=False)
    for order, (code, source, weight, *full) in enumerate(specs):
        AssessmentIndicator.objects.update_or_create(
            kind=kind,
            code=code,
            defaults={
                "name": code,
                "source": source,
                "weight": Decimal(weight),
                "full_marks": Decimal(full[0] if full else "100"),
                "cap": None,
                "active": True,
                "order": order,
            },
        )


def enter(user, kind, code, region, score):
    return services.assessment_score_set(
        actor=user,
        indicator=AssessmentIndicator.objects.get(kind=kind, code=code),
        year=2024,
        region=region,
        score=Decimal(score),
    )


def rows_of(body):
    return {row["key"]: row for row in body["rows"]}


def test_the_defaults_weigh_computed_rates_and_the_assessors_scores():
    half = {i.code: i for i in assessments.indicators(HALF)}
    assert set(half) == {"investment", "start", "resolution", "attraction", "tour"}
    assert half["tour"].entered and not half["investment"].entered
    assert sum(i.weight for i in half.values()) == 100
    year_end = {i.code: i for i in assessments.indicators(YEAR_END)}
    assert "finish" in year_end and sum(i.weight for i in year_end.values()) == 100


def test_half_year_score_from_june_rates_and_entered_scores(city, city_official):
    configure(HALF, ("investment", "investment_rate", "60"), ("tour", "entered", "40", "10"))
    enter(city_official, HALF, "tour", city["district"], "5")  # 50 points
    enter(city_official, HALF, "tour", city["other"], "10")  # 100 points
    body = assessments.live(kind=HALF, parent=city["city"], year=2024)
    rows = rows_of(body)
    assert body["period"] == "2024-06"
    # 市南区: 90 × 0.6 + 50 × 0.4 = 74; 市北区: 60 × 0.6 + 100 × 0.4 = 76
    assert rows["370202"]["score"] == 74.0
    assert rows["370203"]["score"] == 76.0
    assert rows["370203"]["points"] == {"investment": 60.0, "tour": 100.0}
    assert rows["370203"]["entered"] == {"tour": 10.0}
    # no tour score yet: its investment counts alone, and the score is reported missing
    assert rows["370211"]["score"] == 60.0
    assert {(m["key"], m["indicator"]) for m in body["missing"]} == {
        ("370211", "tour"),
        ("370212", "tour"),
    }


def test_year_end_reads_december(city, city_official):
    configure(YEAR_END, ("investment", "investment_rate", "100"))
    rows = rows_of(assessments.live(kind=YEAR_END, parent=city["city"], year=2024))
    assert rows["370202"]["score"] == 100.0  # 900 + 100 of 1000 by December
    assert rows["370212"]["score"] == 40.0


def test_ties_share_a_rank_and_the_flags_count_from_both_ends(city, city_official):
    configure(HALF, ("investment", "investment_rate", "100"))
    settings = RankingSettings.current()
    settings.praised_top, settings.called_in_bottom = 1, 2
    settings.save()
    rows = rows_of(assessments.live(kind=HALF, parent=city["city"], year=2024))
    assert [rows[k]["rank"] for k in ("370202", "370203", "370211", "370212")] == [1, 2, 2, 4]
    assert [k for k, r in rows.items() if r["praised"]] == ["370202"]
    # the bottom two places: 崂山区 (last) and both of the tie above it
    assert sorted(k for k, r in rows.items() if r["called_in"]) == ["370203", "370211", "370212"]


def test_the_monthly_bulletin_praises_and_calls_in_no_one(city):
    body = rankings.ranking(scope=RankingScope.DISTRICT, parent=city["city"], year=2024, month=6)
    assert body["rows"] and not any(r["praised"] or r["called_in"] for r in body["rows"])
    assert (body["praised_top"], body["called_in_bottom"]) == (0, 0)
    # the assessment of the same month does (top 1, bottom 1 of four)
    settings = RankingSettings.current()
    settings.praised_top, settings.called_in_bottom = 1, 1
    settings.save()
    configure(HALF, ("investment", "investment_rate", "100"))
    live = assessments.live(kind=HALF, parent=city["city"], year=2024)
    assert any(r["praised"] for r in live["rows"]) and any(r["called_in"] for r in live["rows"])


def test_publishing_waits_for_every_entered_score(city, city_official):
    configure(HALF, ("investment", "investment_rate", "60"), ("tour", "entered", "40"))
    with pytest.raises(ValidationError) as refused:
        services.assessment_publish(actor=city_official, kind=HALF, parent=city["city"], year=2024)
    assert "scores" in refused.value.message_dict
    for key in ("district", "other", "third", "fourth"):
        enter(city_official, HALF, "tour", city[key], "80")
    first = services.assessment_publish(
        actor=city_official, kind=HALF, parent=city["city"], year=2024
    )
    assert (first.version, first.published_by) == (1, city_official)
    assert rows_of(assessments.snapshot_body(first))["370202"]["praised"]


def test_versions_are_immutable_and_a_correction_needs_a_reason(city, city_official):
    configure(HALF, ("investment", "investment_rate", "50"), ("tour", "entered", "50"))
    for key in ("district", "other", "third", "fourth"):
        enter(city_official, HALF, "tour", city[key], "80")
    first = services.assessment_publish(
        actor=city_official, kind=HALF, parent=city["city"], year=2024
    )
    enter(city_official, HALF, "tour", city["fourth"], "100")  # a score corrected afterwards
    with pytest.raises(ValidationError) as refused:
        services.assessment_publish(actor=city_official, kind=HALF, parent=city["city"], year=2024)
    assert "reason" in refused.value.message_dict
    second = services.assessment_publish(
        actor=city_official, kind=HALF, parent=city["city"], year=2024, reason="崂山区观摩评分复核"
    )
    assert second.version == 2 and second.reason == "崂山区观摩评分复核"
    # the first version keeps what it was published with
    assert (
        rows_of(assessments.assessment(kind=HALF, parent=city["city"], year=2024, version=1))[
            "370212"
        ]["score"]
        == 55.0
    )  # (30 + 80) / 2
    assert (
        rows_of(assessments.assessment(kind=HALF, parent=city["city"], year=2024))["370212"][
            "score"
        ]
        == 65.0
    )  # (30 + 100) / 2
    first.reason = "changed"
    with pytest.raises(SnapshotImmutable):
        first.save()
    with pytest.raises(SnapshotImmutable):
        AssessmentSnapshot.objects.filter(pk=first.pk).update(reason="x")
    with pytest.raises(DeletionForbidden):
        first.delete()
    assert [s.version for s in assessments.versions(kind=HALF, parent=city["city"], year=2024)] == [
        2,
        1,
    ]


def test_scores_are_entered_by_the_parents_reviewers_within_full_marks(city, city_official):
    configure(HALF, ("investment", "investment_rate", "50"), ("tour", "entered", "50", "10"))
    district = UserFactory(username="sn-admin", role=Role.ADMIN, region=city["district"])
    with pytest.raises(PermissionDenied):
        enter(district, HALF, "tour", city["district"], "9")
    with pytest.raises(ValidationError) as refused:
        enter(city_official, HALF, "tour", city["district"], "11")
    assert "score" in refused.value.message_dict
    with pytest.raises(ValidationError) as computed:
        enter(city_official, HALF, "investment", city["district"], "9")
    assert "indicator" in computed.value.message_dict
    enter(city_official, HALF, "tour", city["district"], "7")
    row = enter(city_official, HALF, "tour", city["district"], "8")
    assert AssessmentScore.objects.filter(region=city["district"]).count() == 1
    assert [h.score for h in row.history.order_by("history_date")] == [Decimal("7"), Decimal("8")]
    assert row.entered_by == city_official


# --- the API -------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_api_reads_enters_and_publishes(city, city_official, django_assert_max_num_queries):
    configure(HALF, ("investment", "investment_rate", "50"), ("tour", "entered", "50"))
    client = api(city_official)
    for code in ("370202", "370203", "370211", "370212"):
        response = client.post(
            "/api/v1/assessments/scores/",
            {"kind": HALF, "year": 2024, "indicator": "tour", "region": code, "score": "90"},
            format="json",
        )
        assert response.status_code == 200, response.content
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/assessments/", {"kind": HALF, "year": 2024}).json()
    assert body["version"] is None and body["missing"] == []
    assert body["rows"][0]["key"] == "370202" and body["rows"][0]["praised"]
    published = client.post(
        "/api/v1/assessments/publish/", {"kind": HALF, "year": 2024}, format="json"
    )
    assert published.status_code == 201 and published.json()["version"] == 1
    again = client.post("/api/v1/assessments/publish/", {"kind": HALF, "year": 2024}, format="json")
    assert again.status_code == 400 and "reason" in again.json()
    versions = client.get("/api/v1/assessments/versions/", {"kind": HALF, "year": 2024}).json()
    assert [v["version"] for v in versions["versions"]] == [1]
    assert (
        client.get("/api/v1/assessments/", {"kind": HALF, "year": 2024, "version": 5}).status_code
        == 404
    )


def test_api_answers_bad_input_with_field_messages(city, city_official):
    client = api(city_official)
    bad = client.get("/api/v1/assessments/", {"kind": "monthly", "year": "abc"})
    assert bad.status_code == 400 and {"kind", "year"} <= set(bad.json())
    score = client.post(
        "/api/v1/assessments/scores/",
        {"kind": HALF, "year": 2024, "indicator": "nope", "region": "370202", "score": "-1"},
        format="json",
    )
    assert score.status_code == 400 and "score" in score.json()
    unknown = client.post(
        "/api/v1/assessments/scores/",
        {"kind": HALF, "year": 2024, "indicator": "nope", "region": "370202", "score": "1"},
        format="json",
    )
    assert unknown.status_code == 400 and "indicator" in unknown.json()
    over = client.post(
        "/api/v1/assessments/scores/",
        {"kind": HALF, "year": 2024, "indicator": "tour", "region": "370202", "score": "101"},
        format="json",
    )
    assert over.status_code == 400 and "score" in over.json()


def test_a_district_reads_its_citys_published_assessment_only(
    city, city_official, district_official
):
    configure(HALF, ("investment", "investment_rate", "100"))
    client = api(district_official)
    query = {"kind": HALF, "year": 2024, "parent": "370200"}
    assert client.get("/api/v1/assessments/", query).status_code == 403  # not yet published
    services.assessment_publish(actor=city_official, kind=HALF, parent=city["city"], year=2024)
    body = client.get("/api/v1/assessments/", query).json()
    assert body["version"] == 1 and len(body["rows"]) == 4
    assert client.post("/api/v1/assessments/publish/", query, format="json").status_code == 403
    entered = client.post(
        "/api/v1/assessments/scores/",
        {**query, "indicator": "tour", "region": "370202", "score": "1"},
        format="json",
    )
    assert entered.status_code == 403
    other_city = {**query, "parent": city["other_city"].code}
    assert client.get("/api/v1/assessments/", other_city).status_code == 403


def test_the_schema_documents_the_assessments_without_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("assessment.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned; run `manage.py spectacular`"
    assert {
        "/api/v1/assessments/",
        "/api/v1/assessments/versions/",
        "/api/v1/assessments/publish/",
        "/api/v1/assessments/scores/",
    } <= set(schema["paths"])
    get = schema["paths"]["/api/v1/assessments/"]["get"]
    assert {"kind", "year", "parent", "version"} <= {p["name"] for p in get["parameters"]}
    row = schema["components"]["schemas"]["AssessmentRow"]["properties"]
    assert {"rank", "score", "praised", "called_in", "points"} <= set(row)
