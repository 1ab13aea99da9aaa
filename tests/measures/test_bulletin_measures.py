"""The measures that reach the bulletin page (issue #13, item 4): the rate against the original
plan beside the current one, marked where only a cut plan reaches time progress; on-time 办结率,
the "四新" share and 落地转化率 with their lists; the hover definitions."""

import pytest
from django.urls import reverse

from tests.measures.conftest import add_issues, build_project, compute

pytestmark = pytest.mark.django_db


def test_the_bulletin_shows_the_original_plan_rate_and_marks_a_cut_plan(
    client, regions, city_official, eager
):
    # 市南区: 900 of a plan cut from 2000 to 1000 — 90% now, 45% of the original (1—10月: 83.3%)
    cut = build_project(regions["district"], plan="1000", original="2000", reports={10: "900"})
    add_issues(cut, total=4, resolved=2, on_time=1)
    # 市北区: 900 of an unchanged 1000
    build_project(regions["other"], plan="1000", reports={10: "900"})
    compute()
    client.force_login(city_official)
    response = client.get(reverse("web:bulletin"), {"period": "2024-10", "version": "live"})
    assert response.status_code == 200
    more = {m["key"]: m for m in response.context["more"]}
    assert more["370202"]["plan_cut"] and not more["370203"]["plan_cut"]
    assert more["370202"]["investment_rate_original"] == pytest.approx(0.45)
    assert more["370202"]["on_time_rate"] == pytest.approx(0.25)  # 1 of 4 by its deadline
    assert "set=four_new" in more["370202"]["four_new_url"]
    assert "region=370202" in more["370202"]["converted_url"]
    html = response.content.decode()
    assert html.count("调减计划</span>") == 1
    assert 'id="more-measures"' in html and "年初处于谋划/储备阶段" in html  # a hover text
