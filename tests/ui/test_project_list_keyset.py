"""The project list's keyset pages (issue #15): following 下一页 from the first page visits
every project once, in the order asked for, for every ordering (the rate's nulls last);
上一页 walks back the same pages; a deep page costs the queries the first one does; a cursor
that is not ours shows the first page."""

import re
from html import unescape

import pytest
from django.urls import reverse

from core import keyset
from projects import views
from tests.ui.conftest import PERIOD, compute, make_projects

pytestmark = pytest.mark.django_db

LIST = reverse("projects:project_list")


@pytest.fixture
def many(client, city_official, regions, portfolio, monkeypatch):
    make_projects(regions["other"], 14, prefix="MORE")
    compute()
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client.force_login(city_official)
    return client


def link(response, rel: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', response.content.decode())
    return unescape(found.group(1)) if found else None


def walk(client, params: dict) -> tuple[list[str], list[str]]:
    """Codes of every page following 下一页, then of every page following 上一页 back."""
    response = client.get(LIST, params)
    forward, numbers = [], []
    while True:
        page = response.context["page"]
        forward += [p.code for p in page.object_list]
        numbers.append(page.number)
        nxt = link(response, "next")
        if nxt is None:
            break
        assert len(numbers) < 20, "下一页 never ends"  # fail, never hang
        response = client.get(LIST + nxt)
    assert numbers == list(range(1, len(numbers) + 1))
    backward: list[str] = []
    while True:
        backward = [p.code for p in response.context["page"].object_list] + backward
        prev = link(response, "prev")
        if prev is None:
            break
        assert len(backward) < 200, "上一页 never ends"
        response = client.get(LIST + prev)
    assert response.context["page"].number == 1
    return forward, backward


@pytest.mark.parametrize(
    "ordering",
    [
        "",
        "code",
        "-code",
        "name",
        "-name",
        "total_investment",
        "-total_investment",
        "investment_rate",
        "-investment_rate",
    ],
)
def test_next_and_previous_visit_every_project_once_in_order(many, ordering):
    params = {"period": PERIOD, **({"ordering": ordering} if ordering else {})}
    forward, backward = walk(many, params)
    assert len(forward) == len(set(forward)) == 9 + 14
    assert backward == forward
    if ordering.endswith("investment_rate"):
        rates = [r for r in (many.get(LIST, params).context["page"].object_list)]
        assert rates  # the first page has rows
    whole = keyset.order_by(
        views._project_filterset(_request(many, params)).qs,
        views.PROJECT_ORDERINGS[ordering],
    )
    assert forward == [p.code for p in whole]


def _request(client, params):
    from django.test import RequestFactory

    from projects.models import User

    request = RequestFactory().get(LIST, params)
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


def test_a_deep_page_costs_what_the_first_does(many, django_assert_num_queries):
    first = many.get(LIST, {"period": PERIOD})
    nxt = link(first, "next")
    deeper = many.get(LIST + nxt)
    deepest = many.get(LIST + link(deeper, "next"))
    # as the first page (test_project_list) less its 3rd query: the period is in the link
    with django_assert_num_queries(11):
        again = many.get(LIST + link(deeper, "next"))
    assert [p.code for p in again.context["page"].object_list] == [
        p.code for p in deepest.context["page"].object_list
    ]


def test_a_cursor_that_is_not_ours_shows_the_first_page(many):
    first = [p.code for p in many.get(LIST, {"period": PERIOD}).context["page"].object_list]
    for cursor in ("garbage", keyset.encode("name", ["x", 1]), keyset.encode("", [None])):
        response = many.get(LIST, {"period": PERIOD, "after": cursor})
        assert response.status_code == 200
        assert [p.code for p in response.context["page"].object_list] == first
        assert response.context["page"].number == 1


def test_a_typed_page_number_is_counted_off_and_links_on(many):
    response = many.get(LIST, {"period": PERIOD, "page": "3"})
    page = response.context["page"]
    assert page.number == 3 and len(page.object_list) == 4
    assert many.get(LIST + link(response, "next")).context["page"].number == 4
    assert many.get(LIST, {"period": PERIOD, "page": "999"}).context["page"].number == 6
