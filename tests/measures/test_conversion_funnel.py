"""落地转化 (issue #13, item 4): the pool's funnel 谋划 → 储备 → 签约 → 开工 per responsible unit
with the median days spent at each step, from the stage changes (`assessment.funnel`), on its
page (`web:conversion`) with its definition; 开工 ÷ 谋划 is 落地转化率 and the total's ends
open lists of as many projects."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.choices import Stage
from tests.factories import UnitFactory
from tests.measures.conftest import build_project, compute, move_stage

pytestmark = pytest.mark.django_db

PERIOD = {"period": "2024-10"}


@pytest.fixture
def pool(regions):
    """发改局: one project 谋划 (Sep 2023) → 储备 (1 Feb: 153 days) → 签约 (1 Apr: 60 days) →
    在建 (1 Jun: 61 days); one 储备 (Oct 2023) → 签约 (2 Mar: 153 days). 工信局: one at 谋划
    without history. And one under construction all year (not of the pool)."""
    ndrc = UnitFactory(name="发改局", region=regions["district"])
    miit = UnitFactory(name="工信局", region=regions["district"])
    started = build_project(
        regions["district"], plan="1000", unit=ndrc, actual_start=dt.date(2024, 6, 1)
    )
    move_stage(started, to_stage=Stage.CONCEIVED, on=dt.date(2023, 9, 1))
    move_stage(started, from_stage=Stage.CONCEIVED, to_stage=Stage.RESERVE, on=dt.date(2024, 2, 1))
    move_stage(started, from_stage=Stage.RESERVE, to_stage=Stage.SIGNED, on=dt.date(2024, 4, 1))
    move_stage(
        started, from_stage=Stage.SIGNED, to_stage=Stage.CONSTRUCTION, on=dt.date(2024, 6, 1)
    )
    signed = build_project(
        regions["district"], plan="500", unit=ndrc, stage=Stage.SIGNED, actual_start=None
    )
    move_stage(signed, to_stage=Stage.RESERVE, on=dt.date(2023, 10, 1))
    move_stage(signed, from_stage=Stage.RESERVE, to_stage=Stage.SIGNED, on=dt.date(2024, 3, 2))
    build_project(regions["district"], unit=miit, stage=Stage.CONCEIVED, actual_start=None)
    build_project(regions["district"], plan="800", unit=ndrc, reports={10: "300"})
    compute()
    return ndrc, miit


def test_the_funnel_counts_each_step_and_the_median_days_per_unit(
    client, pool, city_official, django_assert_max_num_queries
):
    client.force_login(city_official)
    # session, user, region, scope, the period's freshness and computation, the pool's status
    # rows, their stage changes, the units' names, the region options
    with django_assert_max_num_queries(14):
        response = client.get(reverse("web:conversion"), {**PERIOD, "region": "370202"})
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["发改局"]["counts"] == [2, 2, 2, 1]
    assert [float(d) for d in rows["发改局"]["medians"]] == [153, 106.5, 61]
    assert rows["工信局"]["counts"] == [1, 0, 0, 0]
    assert rows["工信局"]["medians"] == [None, None, None]
    total = response.context["total"]
    assert total["counts"] == [3, 2, 2, 1]
    assert float(total["rate"]) == pytest.approx(1 / 3)
    html = response.content.decode()
    assert 'id="funnel-table"' in html and "阶段变更记录" in html  # the definition
    # the total's top and bottom open the pool and the converted: as many projects
    for url, count in ((response.context["pool_url"], 3), (response.context["converted_url"], 1)):
        assert client.get(url).context["page"].paginator.count == count


def test_the_funnel_is_the_bulletins_conversion_rate(client, pool, city_official):
    client.force_login(city_official)
    bulletin = client.get(reverse("web:bulletin"), {**PERIOD, "version": "live"})
    more = {m["key"]: m for m in bulletin.context["more"]}
    funnel = client.get(reverse("web:conversion"), {**PERIOD, "region": "370202"}).context
    assert funnel["total"]["counts"][0] == more["370202"]["pool_at_start"]
    assert funnel["total"]["counts"][3] == more["370202"]["converted"]
    assert 'id="conversion-link"' in bulletin.content.decode()


def test_another_district_sees_none_of_the_pool(client, pool, other_official):
    client.force_login(other_official)
    response = client.get(reverse("web:conversion"), PERIOD)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["total"]["counts"] == [0, 0, 0, 0]
