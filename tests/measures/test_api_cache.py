"""The cached answers of /api/v1/summary/ and /api/v1/rankings/ (issue #15, item 3): the same
answer again costs the key's query only, If-None-Match → 304, and a recompute, a publication or
a change of the ranking's indicators changes the answer at once."""

import pytest
from rest_framework.test import APIClient

from assessment import rankings
from assessment.models import RankingIndicator
from tests.measures.conftest import build_project, compute

pytestmark = pytest.mark.django_db

SUMMARY = {"region": "370200", "period": "2024-10", "group_by": "region"}


@pytest.fixture
def api(regions, eager, city_official):
    build_project(regions["district"], plan="1000", reports={10: "400"})
    build_project(regions["other"], plan="2000", reports={10: "1800"})
    compute()
    client = APIClient()
    client.force_login(city_official)
    return client


def completed(response) -> str:
    return response.json()["total"]["completed_ytd"]


def test_a_repeated_summary_comes_from_the_cache(api, django_assert_num_queries):
    first = api.get("/api/v1/summary/", SUMMARY)
    assert first.status_code == 200 and completed(first) == "2200.00"
    # 1 session, 2 user, 3 the user's region, which is the region asked for, 4 is the period
    # dirty, 5 the computations (the key): no aggregate, no children. With a cache the
    # processes share and a token, none at all (tests/api/test_shared_cache.py)
    with django_assert_num_queries(5):
        again = api.get("/api/v1/summary/", SUMMARY)
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]


def test_if_none_match_gets_a_304_and_a_recompute_a_new_answer(api, regions):
    first = api.get("/api/v1/summary/", SUMMARY)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    not_modified = api.get("/api/v1/summary/", SUMMARY, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert api.get("/api/v1/summary/", SUMMARY, HTTP_IF_NONE_MATCH='"other"').status_code == 200

    build_project(regions["district"], plan="500", reports={10: "100"})
    compute()
    changed = api.get("/api/v1/summary/", SUMMARY, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and completed(changed) == "2300.00"
    assert changed["ETag"] != etag


def test_another_scope_never_gets_the_cached_answer(api, district_official):
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 200
    other = APIClient()
    other.force_login(district_official)
    assert other.get("/api/v1/summary/", SUMMARY).status_code == 403
    own = other.get("/api/v1/summary/", {**SUMMARY, "region": "370202"})
    assert own.status_code == 200 and completed(own) == "400.00"


def test_indicator_changes_and_publishing_change_the_ranking(api, city_official, regions):
    params = {"parent": "370200", "period": "2024-10"}
    live = api.get("/api/v1/rankings/", params)
    assert live.status_code == 200 and live.json()["version"] is None
    indicator = RankingIndicator.objects.filter(weight__gt=0).first()
    assert indicator is not None
    indicator.weight += 1
    indicator.save()
    reweighed = api.get("/api/v1/rankings/", params, HTTP_IF_NONE_MATCH=live["ETag"])
    assert reweighed.status_code == 200 and reweighed["ETag"] != live["ETag"]

    rankings.publish(
        scope="district", parent=regions["city"], year=2024, month=10, user=city_official
    )
    published = api.get("/api/v1/rankings/", params, HTTP_IF_NONE_MATCH=reweighed["ETag"])
    assert published.status_code == 200 and published.json()["version"] == 1
