"""Shared fixtures: a small Qingdao region tree and the three officials every access test uses
(a city official, a district official, and an official of another district)."""

import pytest
from celery import current_app

from projects.choices import RegionLevel, Role
from projects.models import Region
from tests.factories import ProjectFactory, UserFactory


@pytest.fixture
def regions(db):
    shandong = Region.objects.create(code="370000", name="山东省", level=RegionLevel.PROVINCE)
    qingdao = Region.objects.create(
        code="370200", name="青岛市", level=RegionLevel.CITY, parent=shandong
    )
    shinan = Region.objects.create(
        code="370202", name="市南区", level=RegionLevel.COUNTY, parent=qingdao
    )
    shibei = Region.objects.create(
        code="370203", name="市北区", level=RegionLevel.COUNTY, parent=qingdao
    )
    town = Region.objects.create(
        code="370202001", name="八大关街道", level=RegionLevel.TOWN, parent=shinan
    )
    jinan = Region.objects.create(
        code="370100", name="济南市", level=RegionLevel.CITY, parent=shandong
    )
    lixia = Region.objects.create(
        code="370102", name="历下区", level=RegionLevel.COUNTY, parent=jinan
    )
    return {
        "province": shandong,
        "city": qingdao,
        "district": shinan,
        "other": shibei,
        "town": town,
        "other_city": jinan,
        "other_city_district": lixia,
    }


@pytest.fixture
def city_official(regions):
    return UserFactory(username="city", role=Role.ADMIN, region=regions["city"])


@pytest.fixture
def district_official(regions):
    return UserFactory(username="shinan", role=Role.OFFICIAL, region=regions["district"])


@pytest.fixture
def other_official(regions):
    return UserFactory(username="shibei", role=Role.OFFICIAL, region=regions["other"])


@pytest.fixture
def reviewer(regions):
    return UserFactory(username="reviewer", role=Role.REVIEWER, region=regions["district"])


@pytest.fixture
def viewer(regions):
    return UserFactory(username="viewer", role=Role.VIEWER, region=regions["district"])


@pytest.fixture
def project(regions):
    return ProjectFactory(code="QD-001", name="市南区测试项目", region=regions["district"])


@pytest.fixture
def other_project(regions):
    return ProjectFactory(code="QD-002", name="市北区测试项目", region=regions["other"])


def _set_eager(settings, eager: bool):
    # Celery reads CELERY_* settings once, into app.conf: both must change, or a test run with
    # a broker configured (CI) would still send the tasks to it.
    previous = current_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    current_app.conf.task_always_eager = eager
    return previous


@pytest.fixture
def celery_eager(settings):
    """Celery tasks run in-process (the embedded default), whatever the environment says."""
    previous = _set_eager(settings, True)
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture
def celery_broker(settings):
    """Celery tasks go to the broker (as with Redis in CI): nothing runs in-process."""
    previous = _set_eager(settings, False)
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (the API's cached answers, throttles …)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
