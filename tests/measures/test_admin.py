"""Admin pages of the measures: thresholds and weights are editable, computed statuses and
published rankings are read-only and scoped."""

import pytest
from django.test import Client

from assessment import rankings
from assessment.models import ProjectStatus, RankingIndicator
from tests.measures.conftest import build_project, compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client = Client()
    client.force_login(user)
    return client


def test_admin_pages_open(regions, admin_client):
    build_project(regions["district"], plan="100", reports={10: "10"})
    compute()
    rankings.publish(scope="district", parent=regions["city"], year=2024, month=10)
    for model in (
        "projectstatus",
        "rankingsnapshot",
        "rankingindicator",
        "rankingsettings",
        "periodcomputation",
        "recomputerequest",
    ):
        response = admin_client.get(f"/admin/assessment/{model}/")
        assert response.status_code == 200, model
    status = ProjectStatus.objects.get()
    page = admin_client.get(f"/admin/assessment/projectstatus/{status.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # read-only


def test_ranking_weights_are_editable_in_the_admin(admin_client):
    indicator = RankingIndicator.objects.get(measure="investment_rate")
    response = admin_client.post(
        f"/admin/assessment/rankingindicator/{indicator.pk}/change/",
        {"measure": "investment_rate", "weight": "50", "cap": "1.2", "order": 1, "active": "on"},
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.weight, str(indicator.cap)) == (50, "1.2000")


def test_statuses_in_the_admin_are_scoped(regions, django_user_model):
    build_project(regions["district"], plan="100", reports={10: "10"})
    build_project(regions["other"], plan="100", reports={10: "10"})
    compute()
    official = django_user_model.objects.create_user(
        "shinan-admin", password="pw-123456", region=regions["district"], is_staff=True
    )
    official.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="view_projectstatus")
    )
    client = Client()
    client.force_login(official)
    page = client.get("/admin/assessment/projectstatus/")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
