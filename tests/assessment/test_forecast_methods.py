from decimal import Decimal as D

import pytest

from assessment import forecast as fc


def test_naive_reproduced():
    assert fc.naive(D("80"), 8) == D("120")


def test_project_following_seasonal_shape_is_exact():
    share = fc.learn_share([(D("30"), D("100")), (D("60"), D("200"))])
    assert share == D("0.3")
    f = fc.seasonal(D("45"), 6, share)
    assert f.method == fc.SEASONAL and f.value == D("150")


def test_no_history_falls_back_and_says_so():
    f = fc.seasonal(D("40"), 4, None)
    assert f.method == fc.FALLBACK_NAIVE and f.value == D("120")


def test_shrinkage_towards_installation():
    assert fc.shrunk_share(None, 0, D("0.5")) == D("0.5")
    assert fc.shrunk_share(D("0.3"), 20, D("0.5"), k=20) == D("0.4")


def test_monthly_plan():
    plan = [D(10)] * 12
    f = fc.from_monthly_plan(D("50"), 6, plan)
    assert f is not None and f.value == D("110") and f.method == fc.MONTHLY_PLAN
    assert fc.from_monthly_plan(D("50"), 6, None) is None


def test_group_is_ratio_of_sums():
    assert fc.group_rate([D(100), D(10)], [D(100), D(100)]) == D("0.55")
    assert fc.group_rate([D(1)], [D(0)]) is None


def test_required_monthly_and_warning():
    assert fc.required_monthly(D(120), D(60), 8) == D(15)
    assert fc.cannot_reach(D(120), D(60), 8, D(10))
    assert not fc.cannot_reach(D(120), D(60), 8, D(20))
    assert fc.required_monthly(D(120), D(60), 12) is None


def test_interval():
    lo, hi = fc.interval(D(100), [D("-0.2"), D("0"), D("0.1")])
    assert lo <= D(100) <= hi
    with pytest.raises(ValueError):
        fc.naive(D(1), 0)
