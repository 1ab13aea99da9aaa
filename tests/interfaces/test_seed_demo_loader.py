"""INTERFACES.md §2: "`seed_demo` uses the same loader" as `load_regions` — the demo's region tree
is exactly the one `load_regions` makes of the shipped CSV, so loading that file after the seed
changes nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from projects.models import Region
from projects.regions import load_regions
from seed import demo

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_seed_demo_loads_its_regions_through_load_regions(monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return load_regions(*args, **kwargs)

    monkeypatch.setattr(demo, "load_regions", spy)
    with time_machine.travel(NOW, tick=False):
        demo.seed_demo(projects=5, extras=False)

    assert calls == [(demo.DEMO_REGIONS_CSV,)]
    tree = set(Region.objects.values_list("code", "name", "parent", "level"))

    again = load_regions(demo.DEMO_REGIONS_CSV)

    assert again.errors == [] and again.created == [] and again.updated == []
    assert again.unchanged == len(tree)
    assert set(Region.objects.values_list("code", "name", "parent", "level")) == tree
    assert Region.objects.filter(parent="370200").count() == 10
