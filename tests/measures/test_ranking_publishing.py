"""Publishing the monthly bulletin from the pages and the API (issue #13, items 2, 3 and 6):
the 发布 button freezes a version, a correction needs a reason and makes a new one, every
version stays readable with who published it and when, the difference between two versions
names the ranks and figures that changed; a district reads its city's published bulletin (all
districts, its own row marked) but never the live figures; only reviewers and administrators
of the region publish."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessment import rankings, services
from assessment.models import RankingSnapshot
from core.periods import Period
from projects.choices import Role
from projects.models import MonthlyReport
from tests.factories import UserFactory
from tests.measures.conftest import add_issues, build_project, compute

pytestmark = pytest.mark.django_db

BULLETIN = reverse("web:bulletin")
PUBLISH = reverse("web:bulletin_publish")
PERIOD = "2024-10"


@pytest.fixture
def figures(regions, eager):
    """市南区 41.2% of its plan (rank 2), 市北区 90% (rank 1); computed for 2024-10."""
    shinan = build_project(regions["district"], plan="1000", reports={9: "12", 10: "400"})
    add_issues(shinan, total=10, resolved=5)
    build_project(regions["other"], plan="2000", reports={10: "1800"})
    compute()
    return {"regions": regions, "shinan": shinan}


def correct_shinan(figures) -> None:
    """A late correction: 市南区's October becomes 1,588 万元 (100% of its plan: rank 1)."""
    MonthlyReport.objects.filter(project=figures["shinan"], month=10).update(
        completed_investment=Decimal("1588")
    )
    compute()


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


# --- the service -------------------------------------------------------------------------


def test_only_reviewers_and_administrators_of_the_region_publish(figures, city_official):
    regions = figures["regions"]
    official = UserFactory(username="clerk", role=Role.OFFICIAL, region=regions["city"])
    district_reviewer = UserFactory(
        username="sn-reviewer", role=Role.REVIEWER, region=regions["district"]
    )
    assert services.may_publish(city_official, regions["city"])
    assert not services.may_publish(official, regions["city"])  # an official enters, not signs
    assert not services.may_publish(district_reviewer, regions["city"])  # not their region
    assert services.may_publish(district_reviewer, regions["district"])  # its leaders' ranking
    with pytest.raises(services.PermissionDenied):
        services.ranking_publish(
            actor=official, scope="district", parent=regions["city"], period=Period(2024, 10)
        )
    assert not RankingSnapshot.objects.exists()


def test_publish_recomputes_a_changed_period_before_freezing_it(figures, city_official):
    from assessment import recompute

    MonthlyReport.objects.filter(project=figures["shinan"], month=10).update(
        completed_investment=Decimal("1588")
    )
    recompute.mark_changed(Period(2024, 10))
    snapshot = services.ranking_publish(
        actor=city_official,
        scope="district",
        parent=figures["regions"]["city"],
        period=Period(2024, 10),
    )
    shinan = next(row for row in snapshot.rows if row["key"] == "370202")
    assert shinan["completed_ytd"] == "1600.00"  # 12 + 1,588: the correction, not the stale 412


# --- the page ----------------------------------------------------------------------------


def test_city_publishes_corrects_with_a_reason_and_reads_the_difference(
    client, figures, city_official
):
    client.force_login(city_official)
    page = client.get(BULLETIN, {"period": PERIOD})
    assert page.context["live"] and page.context["may_publish"]
    assert "实时计算" in page.content.decode() and 'id="publish-form"' in page.content.decode()

    target = {"region": "370200", "period": PERIOD, "scope": "district"}
    response = client.post(PUBLISH, target, follow=True)
    assert response.redirect_chain[-1][0].endswith("version=1")
    assert "已发布 第1版" in response.content.decode()
    assert [(v.version, v.published_by) for v in response.context["versions"]] == [
        (1, city_official)
    ]

    correct_shinan(figures)
    # The published version does not move with the data …
    assert [r["key"] for r in client.get(BULLETIN, {"period": PERIOD}).context["rows"]] == [
        "370203",
        "370202",
    ]
    # … a correction without a reason is refused and publishes nothing …
    refused = client.post(PUBLISH, target, follow=True)
    assert "更正需说明原因" in refused.content.decode()
    assert RankingSnapshot.objects.count() == 1
    # … with one it is version 2, and version 1 stays readable.
    client.post(PUBLISH, {**target, "reason": "市南区10月报表更正"})
    latest = client.get(BULLETIN, {"period": PERIOD})
    assert latest.context["ranking"]["version"] == 2
    assert "更正说明：市南区10月报表更正" in latest.content.decode()
    first = client.get(BULLETIN, {"period": PERIOD, "version": 1})
    assert [r["key"] for r in first.context["rows"]] == ["370203", "370202"]

    diff = client.get(BULLETIN, {"period": PERIOD, "version": 2, "compare": 1})
    difference = diff.context["difference"]
    assert (difference["from"], difference["to"]) == (1, 2)
    shinan = next(row for row in difference["rows"] if row["key"] == "370202")
    assert (shinan["old_rank"], shinan["new_rank"]) == (2, 1)
    changed = {f["field"]: (f["old_text"], f["new_text"]) for f in shinan["fields"]}
    assert changed["completed_ytd"] == ("412.00", "1,600.00")
    assert changed["investment_rate"] == ("41.2%", "160.0%")
    assert "与第1版相比" in diff.content.decode()


def test_the_live_figures_can_be_compared_with_the_published_version(
    client, figures, city_official
):
    rankings.publish(scope="district", parent=figures["regions"]["city"], year=2024, month=10)
    correct_shinan(figures)
    client.force_login(city_official)
    response = client.get(BULLETIN, {"period": PERIOD, "version": "live", "compare": 1})
    assert response.context["live"]
    assert [r["key"] for r in response.context["difference"]["rows"]] == ["370202", "370203"]


def test_a_district_reads_its_citys_published_bulletin_and_its_own_rank(
    client, figures, district_official
):
    client.force_login(district_official)
    own = client.get(BULLETIN, {"period": PERIOD})
    assert own.context["upper_region"].code == "370200"  # the link to the city's bulletin

    unpublished = client.get(BULLETIN, {"region": "370200", "period": PERIOD})
    assert unpublished.status_code == 200
    assert unpublished.context["rows"] == [] and unpublished.context["published_only"]
    assert "尚未发布" in unpublished.content.decode()
    assert "1,800" not in unpublished.content.decode()  # no live figure of another district

    rankings.publish(scope="district", parent=figures["regions"]["city"], year=2024, month=10)
    response = client.get(BULLETIN, {"region": "370200", "period": PERIOD})
    assert [r["name"] for r in response.context["rows"]] == ["市北区", "市南区"]
    assert response.context["own_key"] == "370202"
    assert 'id="bulletin-own"' in response.content.decode()
    assert not response.context["may_publish"]
    assert 'id="publish-form"' not in response.content.decode()
    for live in ({"version": "live"}, {"version": 1, "compare": "live"}):
        assert (
            client.get(BULLETIN, {"region": "370200", "period": PERIOD, **live}).status_code == 404
        )
    refused = client.post(PUBLISH, {"region": "370200", "period": PERIOD, "scope": "district"})
    assert refused.status_code == 403
    assert RankingSnapshot.objects.count() == 1
    # another city's bulletin is not theirs to read
    assert client.get(BULLETIN, {"region": "370100", "period": PERIOD}).status_code == 404


def test_the_bulletin_switches_between_districts_leaders_and_units(client, figures, city_official):
    client.force_login(city_official)
    for scope, label in (("district", "县市区"), ("leader", "包联领导"), ("unit", "责任单位")):
        response = client.get(BULLETIN, {"period": PERIOD, "scope": scope})
        assert response.context["scope"] == scope and response.context["scope_label"] == label
    assert client.get(BULLETIN, {"scope": "planet"}).context["scope"] == "district"
    assert client.get(BULLETIN, {"version": "x"}).status_code == 404
    assert client.get(BULLETIN, {"version": "3"}).status_code == 404  # never published


def test_a_leader_ranking_is_published_and_versioned_like_the_district_ranking(
    client, figures, city_official
):
    client.force_login(city_official)
    client.post(PUBLISH, {"region": "370200", "period": PERIOD, "scope": "leader"})
    snapshot = RankingSnapshot.objects.get()
    assert (snapshot.scope, snapshot.version) == ("leader", 1)
    response = client.get(BULLETIN, {"period": PERIOD, "scope": "leader"})
    assert response.context["ranking"]["version"] == 1
    assert client.get(BULLETIN, {"period": PERIOD}).context["live"]  # districts: not published


def test_bulletin_queries_do_not_grow_with_versions(
    client, figures, city_official, django_assert_max_num_queries
):
    client.force_login(city_official)
    target = {"region": "370200", "period": PERIOD, "scope": "district"}
    client.post(PUBLISH, target)
    client.get(BULLETIN, {"period": PERIOD})  # warm caches (settings singletons)
    with django_assert_max_num_queries(100) as one:
        client.get(BULLETIN, {"period": PERIOD, "version": 1})
    reads = len(one)  # now: the next request resets the connection's query log
    assert reads > 5
    for n in range(2, 6):
        client.post(PUBLISH, {**target, "reason": f"更正 {n}"})
    with django_assert_max_num_queries(reads):
        client.get(BULLETIN, {"period": PERIOD, "version": 1})


# --- the API -----------------------------------------------------------------------------


def test_api_publishes_lists_versions_and_differences(figures, city_official):
    client = api(city_official)
    target = {"scope": "district", "parent": "370200", "period": PERIOD}
    created = client.post("/api/v1/rankings/publish/", target, format="json")
    assert created.status_code == 201 and created.json()["version"] == 1
    again = client.post("/api/v1/rankings/publish/", target, format="json")
    assert again.status_code == 400 and "reason" in again.json()
    correct_shinan(figures)
    second = client.post(
        "/api/v1/rankings/publish/", {**target, "reason": "报表更正"}, format="json"
    )
    assert second.status_code == 201 and second.json()["version"] == 2

    versions = client.get("/api/v1/rankings/versions/", target).json()["versions"]
    assert [(v["version"], v["published_by"], v["reason"]) for v in versions] == [
        (2, "city", "报表更正"),
        (1, "city", ""),
    ]
    diff = client.get("/api/v1/rankings/diff/", {**target, "old": "1"}).json()
    assert (diff["old"], diff["new"], diff["unchanged"]) == (1, 2, 0)
    shinan = next(row for row in diff["rows"] if row["key"] == "370202")
    assert (shinan["old_rank"], shinan["new_rank"]) == (2, 1)
    assert {"field": "completed_ytd", "old": "412.00", "new": "1600.00"} in shinan["fields"]
    live = client.get("/api/v1/rankings/diff/", {**target, "old": "2", "new": "live"}).json()
    assert live["rows"] == [] and live["new"] is None
    assert client.get("/api/v1/rankings/diff/", {**target, "old": "9"}).status_code == 404
    bad = client.get("/api/v1/rankings/diff/", {**target, "old": "x'; drop"})
    assert bad.status_code == 400 and "old" in bad.json()


def test_api_a_district_reads_the_citys_published_versions_only(figures, district_official):
    client = api(district_official)
    target = {"scope": "district", "parent": "370200", "period": PERIOD}
    assert client.get("/api/v1/rankings/", target).status_code == 403  # not published yet
    rankings.publish(scope="district", parent=figures["regions"]["city"], year=2024, month=10)
    body = client.get("/api/v1/rankings/", target).json()
    assert body["version"] == 1 and [r["key"] for r in body["rows"]] == ["370203", "370202"]
    assert client.get("/api/v1/rankings/diff/", {**target, "old": "live"}).status_code == 403
    assert client.post("/api/v1/rankings/publish/", target, format="json").status_code == 403
    other_city = {**target, "parent": "370100"}
    assert client.get("/api/v1/rankings/", other_city).status_code == 403
    assert client.get("/api/v1/rankings/versions/", other_city).status_code == 403
