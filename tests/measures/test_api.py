"""GET /api/v1/summary/ and /api/v1/rankings/: access for the three officials, the body's shape
(money as strings, rates as fractions or null), bad parameters → 400, constant query counts."""

import pytest
from rest_framework.test import APIClient

from assessment import rankings
from projects.models import Project, Region
from tests.measures.conftest import add_issues, build_project, compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def figures(regions, eager):
    """市南区: 41.2% of its plan, 196 of 222 issues resolved; 市北区: 90%; computed for 2024-10."""
    shinan = build_project(regions["district"], plan="1000", reports={9: "12", 10: "400"})
    add_issues(shinan, total=222, resolved=196)
    build_project(regions["other"], plan="2000", reports={10: "1800"})
    compute()
    return regions


def rows_by_key(response):
    return {row["key"]: row for row in response.json()["rows"]}


def test_city_official_sees_every_district_of_the_city(figures, client_for, city_official):
    response = client_for(city_official).get(
        "/api/v1/summary/", {"region": "370200", "period": "2024-10", "group_by": "region"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["label"], body["region"]["code"]) == (
        "2024-10",
        "2024年1—10月",
        "370200",
    )
    rows = rows_by_key(response)
    assert list(rows) == ["370202", "370203"]
    shinan = rows["370202"]
    assert shinan["annual_plan"] == "1000.00" and shinan["completed_ytd"] == "412.00"
    assert shinan["investment_rate"] == pytest.approx(0.412)
    assert shinan["time_progress"] == pytest.approx(0.833333)
    assert shinan["resolution_rate"] == pytest.approx(0.882883)
    assert shinan["start_rate"] is None  # no new-start project: null, not 0
    assert (shinan["red"], rows["370203"]["white"]) == (1, 1)  # 90% vs 83.3%: +6.7
    assert body["total"]["completed_ytd"] == "2212.00"
    assert body["total"]["investment_rate"] == pytest.approx(2212 / 3000)


def test_district_official_sees_own_district(figures, client_for, district_official):
    client = client_for(district_official)
    response = client.get("/api/v1/summary/", {"region": "370202", "group_by": "level"})
    assert response.status_code == 200
    assert response.json()["period"] == "2024-10"  # the latest computed period
    assert rows_by_key(response)["district"]["completed_ytd"] == "412.00"
    # no region given: the official's own
    assert client.get("/api/v1/summary/").json()["region"]["code"] == "370202"


def test_district_official_cannot_see_other_district_or_the_city(
    figures, client_for, district_official
):
    client = client_for(district_official)
    for code in ("370203", "370200", "370000"):
        response = client.get("/api/v1/summary/", {"region": code})
        assert response.status_code == 403, code
        assert "1800" not in response.content.decode()
        response = client.get("/api/v1/rankings/", {"parent": code})
        assert response.status_code == 403, code


def test_official_of_another_district_cannot_see_this_one(figures, client_for, other_official):
    client = client_for(other_official)
    assert client.get("/api/v1/summary/", {"region": "370202"}).status_code == 403
    own = client.get("/api/v1/summary/", {"region": "370203", "group_by": "level"})
    assert own.status_code == 200
    assert own.json()["total"]["completed_ytd"] == "1800.00"


def test_anonymous_gets_401():
    client = APIClient()
    assert client.get("/api/v1/summary/").status_code == 401
    assert client.get("/api/v1/rankings/").status_code == 401


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/summary/", {"period": "2024-13"}, "period"),
        ("/api/v1/summary/", {"period": "October"}, "period"),
        ("/api/v1/summary/", {"group_by": "planet"}, "group_by"),
        ("/api/v1/summary/", {"region": "999999"}, "region"),
        ("/api/v1/rankings/", {"scope": "galaxy"}, "scope"),
        ("/api/v1/rankings/", {"parent": "12"}, "parent"),
        ("/api/v1/rankings/", {"version": "0"}, "version"),
        ("/api/v1/rankings/", {"version": "latest"}, "version"),
    ],
)
def test_bad_parameters_are_400_with_field_messages(
    figures, client_for, city_official, url, params, field
):
    response = client_for(city_official).get(url, params)
    assert response.status_code == 400
    assert field in response.json()


def test_superuser_without_a_region_must_name_one(figures, client_for, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    response = client_for(admin).get("/api/v1/summary/")
    assert response.status_code == 400 and "region" in response.json()
    assert client_for(admin).get("/api/v1/summary/", {"region": "370000"}).status_code == 200


def test_rankings_live_then_published_versions(figures, client_for, city_official):
    client = client_for(city_official)
    params = {"scope": "district", "parent": "370200", "period": "2024-10"}
    live = client.get("/api/v1/rankings/", params).json()
    assert live["version"] is None and live["published_at"] is None
    assert [(r["key"], r["rank"]) for r in live["rows"]] == [("370203", 1), ("370202", 2)]
    first = live["rows"][0]
    assert first["annual_plan"] == "2000.00" and first["investment_rate"] == pytest.approx(0.9)
    assert first["movement"] is None  # September was never computed
    rankings.publish(
        scope="district", parent=figures["city"], year=2024, month=10, user=city_official
    )
    published = client.get("/api/v1/rankings/", params).json()
    assert published["version"] == 1 and published["published_by"] == "city"
    assert published["rows"] == live["rows"]
    assert client.get("/api/v1/rankings/", {**params, "version": 1}).json()["version"] == 1
    missing = client.get("/api/v1/rankings/", {**params, "version": 2})
    assert missing.status_code == 404


def test_leader_and_unit_rankings(figures, client_for, city_official):
    client = client_for(city_official)
    for scope in ("leader", "unit"):
        response = client.get("/api/v1/rankings/", {"scope": scope, "parent": "370200"})
        assert response.status_code == 200
        assert response.json()["scope"] == scope


def test_district_official_ranks_own_towns(figures, client_for, district_official):
    response = client_for(district_official).get("/api/v1/rankings/")
    assert response.status_code == 200
    body = response.json()
    assert body["parent"]["code"] == "370202"
    assert [row["key"] for row in body["rows"]] == ["370202001"]  # 八大关街道


def test_a_moved_project_counts_where_it_was_for_the_period(
    figures, client_for, district_official, other_official
):
    # 市南区's project moves to 市北区 after October: 市南区's October figures keep it (its
    # official sees them whole); 市北区's official sees the project — and its October colour
    # on its page — but not in 市北区's October figures
    project = Project.objects.get(region="370202")
    project.region = figures["other"]
    project.save()
    params = {"period": "2024-10", "group_by": "level"}
    ours = client_for(district_official).get("/api/v1/summary/", {**params, "region": "370202"})
    assert ours.json()["total"]["projects"] == 1
    assert ours.json()["total"]["completed_ytd"] == "412.00"
    theirs = client_for(other_official)
    total = theirs.get("/api/v1/summary/", {**params, "region": "370203"}).json()["total"]
    assert total["projects"] == 1 and total["completed_ytd"] == "1800.00"
    page = theirs.get(f"/projects/{project.code}/", {"period": "2024-10"})
    assert page.status_code == 200
    assert [(s.year, s.month) for s in page.context["statuses"]] == [(2024, 10)]


def more_districts(regions, n):
    for i in range(n):
        region = Region.objects.create(
            code=f"3702{20 + i}", name=f"新区{i}", level="county", parent=regions["city"]
        )
        for _ in range(3):
            build_project(region, plan="100", reports={10: "50"})
    compute()


def test_summary_query_count_does_not_grow_with_rows(
    figures, client_for, city_official, django_assert_num_queries
):
    client = client_for(city_official)
    params = {"region": "370200", "period": "2024-10", "group_by": "region"}

    def count():
        # 1 session, 2 user, 3 the user's own region, which is the region asked for (scope),
        # 4 is the period dirty (eager), 5 children of the region, 6 grouped aggregate (the
        # total is the sum of the groups), 7 the computations of the period and the periods it
        # compares with (the answer's cache key and ETag), 9 the children and 10 the grouped
        # aggregate of the same month last year (the "四新" share's 同比), 8 when it was computed
        with django_assert_num_queries(10):
            response = client.get("/api/v1/summary/", params)
        return len(response.json()["rows"])

    assert count() == 2
    more_districts(figures, 5)
    assert count() == 7


def test_rankings_query_count_does_not_grow_with_rows(
    figures, client_for, city_official, django_assert_num_queries
):
    client = client_for(city_official)
    params = {"parent": "370200", "period": "2024-10"}
    compute(month=9)

    def count():
        # 1 session, 2 user, 3 the user's own region, which is the parent asked for (scope),
        # 4 is the period dirty (eager), 5 published snapshot?, 6 indicators, 7 children,
        # 8 grouped aggregate; the previous period: 9 published snapshot?, 10 was it computed,
        # 11 children, 12 grouped aggregate; 13 when this period was computed (no ranking
        # settings: a monthly ranking praises and calls in no one); 14 the computations of
        # the periods it reads (the answer's cache key and ETag)
        with django_assert_num_queries(14):
            response = client.get("/api/v1/rankings/", params)
        return len(response.json()["rows"])

    assert count() == 2
    more_districts(figures, 5)
    compute(month=9)
    assert count() == 7


def test_schema_documents_the_endpoints(client_for, city_official):
    schema = client_for(city_official).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/summary/" in paths and "/api/v1/rankings/" in paths
    params = {p["name"] for p in paths["/api/v1/rankings/"]["get"]["parameters"]}
    assert {"scope", "parent", "period", "version"} <= params


def test_a_dirty_period_is_brought_up_to_date_before_it_is_read(
    figures, client_for, city_official, django_capture_on_commit_callbacks
):
    from projects import services
    from projects.models import Project

    project = Project.objects.get(region_id="370203")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_update(
            report=project.reports.get(month=10), completed_investment=1900
        )  # recomputed at once (leading edge)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_create(project=project, year=2024, month=9, completed_investment=50)
    # the second save came within the debounce window: the read brings it in
    response = client_for(city_official).get("/api/v1/summary/", {"region": "370203"})
    assert response.json()["total"]["completed_ytd"] == "1950.00"
