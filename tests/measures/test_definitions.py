"""口径说明 (issue #13, item 4): one table of definitions feeds the page and the measures'
docstring, and every figure the rankings and assessments score has its definition."""

import pytest
from django.urls import reverse

from assessment import measures
from assessment.models import RankingIndicator

pytestmark = pytest.mark.django_db


def test_every_ranked_measure_has_a_definition_and_the_docstring_carries_it():
    keys = {key for key, _name, _text in measures.DEFINITIONS}
    assert set(RankingIndicator.Measure.values) <= keys
    assert {"projects", "time_progress", "unrated", "score", "assessment_score"} <= keys
    for key, name, text in measures.DEFINITIONS:
        assert f"- {key}: {name} — {text}" in (measures.__doc__ or "")


def test_the_page_lists_every_definition_and_the_weights(client, city_official):
    client.force_login(city_official)
    html = client.get(reverse("web:definitions")).content.decode()
    for item in measures.definitions():
        assert item["name"] in html and item["text"] in html
    assert "半年考核的考核指标与权重" in html and "观摩评议" in html
    assert measures.definition("conversion_rate").startswith("年初处于谋划/储备阶段")
