"""要素保障 from the browser: demand and secured per kind through `services.factors_save`
(history, district scoping, bad input beside the field); the gap view by kind sums the projects'
gaps; raising an issue from a gap opens the issue form prefilled."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.choices import FactorKind, Stage
from projects.models import FactorGuarantee
from projects.selectors import factor_gaps
from supervision.choices import IssueCategory
from supervision.models import Issue
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _post(kind_values: dict[str, tuple[str, str]]) -> dict:
    data: dict[str, str] = {}
    for kind in FactorKind.values:
        demand, secured = kind_values.get(kind, ("", ""))
        data |= {f"{kind}-kind": kind, f"{kind}-demand": demand, f"{kind}-secured": secured}
    return data


def test_district_official_records_demand_and_secured(client, district_official, project):
    client.force_login(district_official)
    url = reverse("projects:project_factors", args=[project.code])
    assert client.get(url).status_code == 200

    response = client.post(url, _post({"land": ("120", "80"), "special_bond": ("5000", "5000")}))

    assert response.status_code == 302
    rows = {f.kind: (f.demand, f.secured, f.gap) for f in FactorGuarantee.objects.all()}
    assert rows == {
        "land": (Decimal("120.00"), Decimal("80.00"), Decimal("40.00")),
        "special_bond": (Decimal("5000.00"), Decimal("5000.00"), Decimal("0.00")),
    }
    land = FactorGuarantee.objects.get(kind="land")
    assert land.history.get().history_user == district_official

    client.post(url, _post({"land": ("120", "100"), "special_bond": ("5000", "5000")}))
    land.refresh_from_db()
    assert land.secured == Decimal("100.00") and land.history.count() == 2
    assert FactorGuarantee.objects.get(kind="special_bond").history.count() == 1  # unchanged


def test_bad_input_is_shown_beside_the_field_and_changes_nothing(
    client, district_official, project
):
    client.force_login(district_official)
    url = reverse("projects:project_factors", args=[project.code])
    response = client.post(url, _post({"land": ("-5", "0"), "water": ("abc", "")}))
    assert response.status_code == 200
    forms = {f.prefix: f for f in response.context["forms"]}
    assert forms["land"].errors["demand"] and forms["water"].errors["demand"]
    assert not FactorGuarantee.objects.exists()


def test_another_districts_factors_are_not_found(client, district_official, other_project):
    client.force_login(district_official)
    url = reverse("projects:project_factors", args=[other_project.code])
    assert client.get(url).status_code == 404
    assert client.post(url, _post({"land": ("1", "0")})).status_code == 404
    assert not FactorGuarantee.objects.exists()


def test_gap_view_sums_each_projects_gap_by_kind(
    client,
    district_official,
    city_official,
    project,
    other_project,
    regions,
    django_assert_num_queries,
):
    second = ProjectFactory(code="QD-003", region=regions["district"])
    withdrawn = ProjectFactory(code="QD-004", region=regions["district"], stage=Stage.WITHDRAWN)
    FactorGuarantee.objects.create(project=project, kind="land", demand=100, secured=60)
    FactorGuarantee.objects.create(project=second, kind="land", demand=50, secured=70)  # surplus
    FactorGuarantee.objects.create(project=second, kind="credit", demand=900, secured=0)
    FactorGuarantee.objects.create(project=withdrawn, kind="land", demand=10, secured=0)
    FactorGuarantee.objects.create(project=other_project, kind="land", demand=30, secured=0)

    summary, rows = factor_gaps(user=district_official)
    assert [(k["kind"], k["projects"], k["gap_sum"]) for k in summary] == [
        ("land", 1, Decimal("40.00")),  # the surplus of QD-003 covers nobody's shortfall
        ("credit", 1, Decimal("900.00")),
    ]
    assert [(f.project.code, f.kind) for f in rows] == [("QD-001", "land"), ("QD-003", "credit")]

    summary, _rows = factor_gaps(user=city_official, kind="land")
    assert [(k["projects"], k["gap_sum"]) for k in summary] == [(2, Decimal("70.00"))]
    summary, _rows = factor_gaps(user=city_official, region=regions["other"].code)
    assert [(k["projects"], k["gap_sum"]) for k in summary] == [(1, Decimal("30.00"))]

    client.force_login(district_official)
    url = reverse("projects:factor_gaps")
    client.get(url)
    queries = 6  # session, user, the header's, districts, the sums by kind, the gaps
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    assert "QD-003" in page and "QD-002" not in page
    for n in range(5):  # more gaps: the same queries
        more = ProjectFactory(code=f"QD-1{n}", region=regions["district"])
        FactorGuarantee.objects.create(project=more, kind="water", demand=5, secured=1)
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    assert page.count("据此登记问题") == 7


def test_raise_an_issue_from_a_gap_in_one_step(client, district_official, project, other_project):
    land = FactorGuarantee.objects.create(project=project, kind="land", demand=100, secured=60)
    theirs = FactorGuarantee.objects.create(project=other_project, kind="land", demand=9)
    client.force_login(district_official)
    url = reverse("supervision:issue_new", args=[project.code])

    form = client.get(url, {"factor": land.pk}).context["form"]
    assert form.initial["category"] == IssueCategory.LAND
    assert "40" in form.initial["title"] and "亩" in form.initial["title"]

    response = client.post(
        f"{url}?factor={land.pk}",
        {k: form.initial[k] for k in ("title", "category", "description")}
        | {"difficulty": "ordinary"},
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert (issue.project, issue.category) == (project, IssueCategory.LAND)

    # another project's factor prefills nothing
    assert client.get(url, {"factor": theirs.pk}).context["form"].initial == {}
