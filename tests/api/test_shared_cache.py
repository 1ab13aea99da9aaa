"""A cached summary or ranking with a cache every process shares (Redis in the Docker
installation; here Django's file cache, or Redis when CACHE_URL names one): the token, its user
and the answer come from the cache — no query — and yet a deactivated user, a deleted or
replaced token, a changed region or role, a recompute and a publication take effect with the
very next request (`core.cache`, `projects.api.authentication`, `assessment.api.cache`)."""

import datetime as dt
import io
import os

import pytest
import time_machine
from django.contrib.auth.models import update_last_login
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessment import rankings
from core import cache as shared_cache
from projects.api import authentication
from projects.choices import Role
from projects.models import User
from tests.measures.conftest import TODAY, build_project, compute

pytestmark = pytest.mark.django_db

SUMMARY = {"region": "370200", "period": "2024-10", "group_by": "region"}


@pytest.fixture
def shared(settings, tmp_path):
    """A cache the processes share: Redis when the environment names one, else a file cache."""
    url = os.environ.get("CACHE_URL", "")
    if url.startswith("redis://"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"test-{tmp_path.name}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path),
            }
        }
    assert shared_cache.is_shared()


@pytest.fixture
def computed(regions, django_capture_on_commit_callbacks):
    build_project(regions["district"], plan="1000", reports={10: "400"})
    build_project(regions["other"], plan="2000", reports={10: "1800"})
    with django_capture_on_commit_callbacks(execute=True):
        compute()


@pytest.fixture
def official(regions):
    return User.objects.create_user(
        username="city_token", password="s3cret-pass-1", role=Role.ADMIN, region=regions["city"]
    )


def client_of(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def completed(response) -> str:
    return response.json()["total"]["completed_ytd"]


@pytest.fixture
def api(shared, computed, official, celery_broker):
    client = client_of(official)
    first = client.get("/api/v1/summary/", SUMMARY)
    assert first.status_code == 200 and completed(first) == "2200.00"
    return client


def test_a_cached_summary_reads_no_table(api, django_assert_num_queries):
    # the token, its user and region, the key and the answer: all from the cache
    with django_assert_num_queries(0):
        again = api.get("/api/v1/summary/", SUMMARY)
    assert again.status_code == 200 and completed(again) == "2200.00"
    with django_assert_num_queries(0):
        not_modified = api.get("/api/v1/summary/", SUMMARY, HTTP_IF_NONE_MATCH=again["ETag"])
    assert not_modified.status_code == 304


def test_the_default_period_comes_from_the_cache_and_moves_with_a_recompute(
    api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    params = {"region": "370200"}
    assert api.get("/api/v1/summary/", params).json()["period"] == "2024-10"
    with django_assert_num_queries(0):
        assert api.get("/api/v1/summary/", params).json()["period"] == "2024-10"
    with django_capture_on_commit_callbacks(execute=True):
        compute(month=11, today=TODAY.replace(month=12))
    assert api.get("/api/v1/summary/", params).json()["period"] == "2024-11"


def test_eager_tasks_add_the_dirty_check_only(
    shared, computed, official, celery_eager, django_assert_num_queries
):
    client = client_of(official)
    assert client.get("/api/v1/summary/", SUMMARY).status_code == 200
    # 1 is the period marked changed (the embedded default recomputes before reading)
    with django_assert_num_queries(1):
        assert client.get("/api/v1/summary/", SUMMARY).status_code == 200


def test_a_deactivated_user_is_refused_at_once(api, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        official.is_active = False
        official.save()
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 401


def test_a_deleted_token_is_refused_at_once(api, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Token.objects.filter(user=official).delete()
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 401


def test_a_replaced_token_is_refused_and_the_new_one_works(
    api, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("drf_create_token", "-r", official.username, stdout=io.StringIO())
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 401
    assert client_of(official).get("/api/v1/summary/", SUMMARY).status_code == 200


def test_a_changed_region_changes_the_scope_at_once(
    api, official, regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        official.region = regions["district"]
        official.save()
    # the city is no longer theirs; their district is, with its figures only
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 403
    own = api.get("/api/v1/summary/", {**SUMMARY, "region": "370202"})
    assert own.status_code == 200 and completed(own) == "400.00"


def test_a_changed_role_changes_what_the_user_may_do_at_once(
    api, official, django_capture_on_commit_callbacks
):
    assert api.post("/api/v1/projects/", {}, format="json").status_code == 400  # may write
    with django_capture_on_commit_callbacks(execute=True):
        official.role = Role.VIEWER
        official.save()
    assert api.post("/api/v1/projects/", {}, format="json").status_code == 403


def test_a_change_made_with_update_is_seen_after_forget_users(
    api, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=official.pk).update(is_active=False)
        authentication.forget_users()
    assert api.get("/api/v1/summary/", SUMMARY).status_code == 401


def test_a_sign_in_alone_does_not_drop_the_kept_users(api, official, django_assert_num_queries):
    update_last_login(None, official)  # what a sign-in saves (update_fields=["last_login"])
    with django_assert_num_queries(0):
        assert api.get("/api/v1/summary/", SUMMARY).status_code == 200


def test_an_expired_token_is_refused_from_the_cache(api, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 1
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert api.get("/api/v1/summary/", SUMMARY).status_code == 401


def test_the_cached_user_keeps_its_password_when_saved(api, official):
    token = authentication.cached_token(Token.objects.get(user=official).key)
    user = token.user
    assert "password" in user.get_deferred_fields()
    user.first_name = "改名"
    user.save()
    official.refresh_from_db()
    assert official.first_name == "改名" and official.check_password("s3cret-pass-1")


def test_the_cache_holds_no_token_in_clear(api, official):
    key = Token.objects.get(user=official).key
    generation = shared_cache.generation(authentication.AUTH_GENERATION)
    assert key not in authentication._entry_key(generation, key)


def test_a_recompute_and_a_publication_change_the_answers(
    api, official, regions, django_capture_on_commit_callbacks
):
    etag = api.get("/api/v1/summary/", SUMMARY)["ETag"]
    build_project(regions["district"], plan="500", reports={10: "100"})
    with django_capture_on_commit_callbacks(execute=True):
        compute()
    changed = api.get("/api/v1/summary/", SUMMARY, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and completed(changed) == "2300.00"

    params = {"parent": "370200", "period": "2024-10"}
    live = api.get("/api/v1/rankings/", params)
    assert live.status_code == 200 and live.json()["version"] is None
    with django_capture_on_commit_callbacks(execute=True):
        rankings.publish(
            scope="district", parent=regions["city"], year=2024, month=10, user=official
        )
    published = api.get("/api/v1/rankings/", params, HTTP_IF_NONE_MATCH=live["ETag"])
    assert published.status_code == 200 and published.json()["version"] == 1


def test_a_regions_recompute_changes_the_answers(api, regions, django_capture_on_commit_callbacks):
    build_project(regions["district"], plan="500", reports={10: "100"})
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute", "--period", "2024-10", "--region", "370202", verbosity=0)
    assert completed(api.get("/api/v1/summary/", SUMMARY)) == "2300.00"
