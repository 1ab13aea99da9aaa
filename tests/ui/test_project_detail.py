"""The project page and "my projects": facts, chain, plan against actual, colour history with
each check's reason, issues, history of changes; scoped."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from projects import services
from projects.choices import Role
from projects.models import ProjectYear
from tests.factories import PersonFactory, ProjectFactory, UserFactory, chain_role
from tests.ui.conftest import PERIOD, YEAR

pytestmark = pytest.mark.django_db


def page(code: str) -> str:
    return reverse("web:project_detail", args=[code])


def test_district_official_opens_a_project_of_their_district(client, district_official, portfolio):
    client.force_login(district_official)
    response = client.get(page("SN-000"), {"period": PERIOD})
    assert response.status_code == 200
    body = response.content.decode()
    assert "市南区重点项目000" in body
    assert "未报送月度完成投资" in body  # the red colour's reason
    assert [c["check"] for c in response.context["checks"]][:1] == ["progress"]
    assert response.context["chart"]["series"][0]["name"] == "当月完成"


def test_official_of_another_district_gets_404(client, other_official, portfolio):
    client.force_login(other_official)
    assert client.get(page("SN-000")).status_code == 404


def test_unknown_project_is_404(client, city_official, portfolio):
    client.force_login(city_official)
    assert client.get(page("NOPE")).status_code == 404


def test_revised_plan_shows_beside_the_original(client, district_official, portfolio):
    project = portfolio["district"][1]
    services.project_year_set(
        project=project, year=YEAR, annual_plan=Decimal("900"), reason="用地调整", actor=None
    )
    client.force_login(district_official)
    response = client.get(page(project.code), {"period": PERIOD})
    body = response.content.decode()
    assert "用地调整" in body
    assert "1,200.00 → 900.00" in body
    names = [s["name"] for s in response.context["chart"]["series"]]
    assert "年初计划" in names  # the original plan is drawn too
    assert ProjectYear.objects.get(project=project, year=YEAR).original_plan == Decimal("1200")


def test_history_shows_who_changed_what(client, district_official, regions):
    project = ProjectFactory(code="SN-H", region=regions["district"])
    services.project_update(project=project, actor=district_official, owner_company="青岛建设集团")
    client.force_login(district_official)
    history = client.get(page(project.code)).context["history"]
    latest, created = history[0], history[-1]
    assert latest["who"] == "shinan"
    assert ("建设单位", "—", "青岛建设集团") in latest["changes"]
    assert created["changes"] == [("新建", "", "")]


def test_my_projects_lists_the_leaders_projects(client, regions, portfolio):
    person = PersonFactory(name="李区长", region=regions["district"])
    leader = UserFactory(
        username="leader", role=Role.LEADER, region=regions["district"], person=person
    )
    for project in portfolio["district"][:2]:
        services.chain_assign(
            project=project, role=chain_role("leader"), person=person, on=dt.date(2024, 1, 1)
        )
    client.force_login(leader)
    response = client.get(reverse("web:my_projects"), {"period": PERIOD})
    assert [p.code for p in response.context["projects"]] == ["SN-000", "SN-001"]
    assert [p.code for p in response.context["attention"]] == ["SN-000"]  # the red one


def test_my_projects_explains_when_the_login_has_no_person(client, district_official, portfolio):
    client.force_login(district_official)
    response = client.get(reverse("web:my_projects"))
    assert response.status_code == 200
    assert "尚未关联" in response.content.decode()


def test_project_page_shows_the_required_monthly_amount(client, city_official, portfolio):
    from django.urls import reverse

    from tests.ui.conftest import PERIOD

    client.force_login(city_official)
    project = portfolio["district"][1]  # 1,000 of 1,200 done by October, best month 100
    response = client.get(reverse("web:project_detail", args=[project.code]), {"period": PERIOD})
    body = response.content.decode()
    assert response.context["forecast"].forecast_completed == 1200
    assert "需月均完成 100.00 万元才能完成年度计划" in body
    assert 'id="project-forecast"' in body
