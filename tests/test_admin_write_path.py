"""The admin is never a second, unguarded way to change business records, and nobody takes it
over: business records are read-only there (for a superuser too), installation-wide settings
are a superuser's, and a staff user never reaches a superuser, a token or a power above their
own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessment.models import ColourRules, RankingIndicator, RankingSettings
from meetings import services as meeting_services
from projects import services
from projects.choices import Role, Stage
from projects.models import (
    ChainAssignment,
    FactorGuarantee,
    Milestone,
    MonthlyPlan,
    PlanRevision,
    ProjectYear,
    StageChange,
    TaskForce,
    User,
)
from supervision import services as supervision_services
from supervision.models import Issue, SupervisionSettings
from tests.factories import PersonFactory, UserFactory, chain_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.cn", "pw-123456-root")


@pytest.fixture
def root_client(root):
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def records(regions, project, district_official, reviewer):
    """One of every business record of a project."""
    services.project_year_set(project=project, year=2024, annual_plan=Decimal("1000"))
    services.project_year_set(
        project=project, year=2024, annual_plan=Decimal("800"), reason="压减", actor=reviewer
    )
    year = ProjectYear.objects.get(project=project, year=2024)
    MonthlyPlan.objects.create(project_year=year, month=1, amount=Decimal("10"))
    report = services.report_create(
        project=project, year=2024, month=3, completed_investment=Decimal("50")
    )
    services.chain_assign(
        project=project, role=chain_role("leader"), person=PersonFactory(region=project.region)
    )
    Milestone.objects.create(project=project, name="施工许可", due_date=dt.date(2024, 5, 1))
    FactorGuarantee.objects.create(project=project, kind="land", demand=Decimal("10"))
    TaskForce.objects.create(project=project, name="专班")
    services.project_set_stage(project=project, stage=Stage.RESERVE)
    withdrawal = services.withdrawal_request(
        project=project, reason="不再实施", actor=district_official
    )
    issue = supervision_services.issue_create(
        project=project, title="用地未落实", category="land", actor=district_official
    )
    meeting = meeting_services.meeting_create(
        kind="weekly", region=regions["city"], date=dt.date(2024, 4, 1)
    )
    inspection = supervision_services.inspection_create(
        project=project, date=dt.date(2024, 4, 2), kind="patrol", summary="现场", findings=[]
    )
    return {
        "project": project,
        "projectyear": year,
        "planrevision": PlanRevision.objects.get(project_year=year),
        "monthlyplan": MonthlyPlan.objects.get(project_year=year),
        "monthlyreport": report,
        "chainassignment": ChainAssignment.objects.get(project=project),
        "milestone": Milestone.objects.get(project=project),
        "factorguarantee": FactorGuarantee.objects.get(project=project),
        "taskforce": TaskForce.objects.get(project=project),
        "stagechange": StageChange.objects.filter(project=project).first(),
        "withdrawal": withdrawal,
        "issue": issue,
        "meeting": meeting,
        "inspection": inspection,
    }


APPS = {"issue": "supervision", "inspection": "supervision", "meeting": "meetings"}


@pytest.mark.parametrize(
    "model",
    [
        "project",
        "projectyear",
        "planrevision",
        "monthlyplan",
        "monthlyreport",
        "chainassignment",
        "milestone",
        "factorguarantee",
        "taskforce",
        "stagechange",
        "withdrawal",
        "issue",
        "meeting",
        "inspection",
    ],
)
def test_a_business_record_posted_in_the_admin_is_refused_even_for_a_superuser(
    root_client, records, model
):
    obj = records[model]
    app = APPS.get(model, "projects")
    before = type(obj).objects.filter(pk=obj.pk).values().get()
    change = reverse(f"admin:{app}_{model}_change", args=[obj.pk])
    assert root_client.get(change).status_code == 200  # shown, read-only
    assert b'name="_save"' not in root_client.get(change).content
    posted = root_client.post(change, {"name": "改", "title": "改", "reason": "改"})
    assert posted.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).values().get() == before
    if model != "issue":  # an issue is recorded through issue_create (next test)
        assert root_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_an_issue_added_in_the_admin_goes_through_its_service(root_client, project):
    response = root_client.post(
        reverse("admin:supervision_issue_add"),
        {
            "project": project.pk,
            "title": "电力接入慢",
            "description": "",
            "category": "utilities",
            "difficulty": "ordinary",
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    issue = Issue.objects.get(title="电力接入慢")
    assert list(issue.transitions.values_list("action", flat=True)) == ["collect"]


def test_reverting_a_project_to_an_old_version_in_the_admin_is_refused(root_client, records):
    project = records["project"]
    services.project_update(project=project, name="新名称")
    old = project.history.earliest()
    url = reverse("admin:projects_project_simple_history", args=[project.pk, old.history_id])
    assert root_client.post(url, {"name": old.name}).status_code == 404
    project.refresh_from_db()
    assert project.name == "新名称"


# --- Installation-wide settings: superusers only ----------------------------------------------


@pytest.fixture
def staff_with_every_permission(district_official):
    district_official.is_staff = True
    district_official.save()
    district_official.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(district_official)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:assessment_colourrules_changelist",
        "admin:assessment_rankingindicator_changelist",
        "admin:assessment_rankingsettings_changelist",
        "admin:projects_category_changelist",
        "admin:projects_chainrole_changelist",
        "admin:supervision_supervisionsettings_changelist",
        "admin:supervision_holidayoverride_changelist",
        "admin:supervision_holidayschedule_changelist",
        "admin:authtoken_tokenproxy_changelist",
        "admin:auth_group_changelist",
        "admin:django_celery_beat_periodictask_changelist",
    ],
)
def test_district_staff_with_every_model_permission_cannot_reach_installation_settings(
    staff_with_every_permission, root_client, url_name
):
    assert staff_with_every_permission.get(reverse(url_name)).status_code == 403
    assert root_client.get(reverse(url_name)).status_code == 200


def test_district_staff_cannot_change_the_colour_rules_or_the_upload_limit(
    staff_with_every_permission,
):
    rules, conf = ColourRules.current(), SupervisionSettings.current()
    staff_with_every_permission.post(
        reverse("admin:assessment_colourrules_change", args=[rules.pk]),
        {"green_min_points": "0", "red_over_points": "99"},
    )
    staff_with_every_permission.post(
        reverse("admin:supervision_supervisionsettings_change", args=[conf.pk]),
        {"max_upload_mb": "500"},
    )
    indicator = RankingIndicator.objects.get(measure="investment_rate")
    staff_with_every_permission.post(
        reverse("admin:assessment_rankingindicator_change", args=[indicator.pk]),
        {"measure": "investment_rate", "weight": "99", "order": 1, "active": "on"},
    )
    assert ColourRules.current().red_over_points == rules.red_over_points
    assert SupervisionSettings.current().max_upload_mb == conf.max_upload_mb
    assert RankingIndicator.objects.get(pk=indicator.pk).weight == indicator.weight
    assert RankingSettings.current().praised_top == 7


def test_the_index_shows_district_staff_no_installation_settings(staff_with_every_permission):
    page = staff_with_every_permission.get(reverse("admin:index")).content.decode()
    for label in ("四色管理阈值", "排名指标与权重", "督导设置", "Token", "Periodic tasks"):
        assert label not in page


# --- Users: no takeover -------------------------------------------------------------------------


@pytest.fixture
def city_admin_client(city_official):
    city_official.is_staff = True
    city_official.save()
    city_official.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["projects", "authtoken"])
    )
    client = Client()
    client.force_login(city_official)
    return client


def test_a_city_admin_never_sees_a_superuser_nor_resets_their_password(
    city_admin_client, root, regions
):
    root.region = regions["city"]
    root.save()
    listed = city_admin_client.get(reverse("admin:projects_user_changelist"))
    assert root not in listed.context["cl"].result_list
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    response = city_admin_client.post(
        password_url, {"password1": "taken-over-123", "password2": "taken-over-123"}
    )
    assert response.status_code in (302, 403, 404)
    root.refresh_from_db()
    assert root.check_password("pw-123456-root")


def test_a_city_admin_cannot_read_api_tokens(city_admin_client, root):
    token = Token.objects.create(user=root)
    page = city_admin_client.get(reverse("admin:authtoken_tokenproxy_changelist"))
    assert page.status_code == 403
    assert token.key not in page.content.decode()


def test_a_city_admin_grants_neither_staff_nor_superuser_nor_a_role_above_their_own(
    city_admin_client, regions
):
    clerk = UserFactory(username="clerk", role=Role.VIEWER, region=regions["district"])
    url = reverse("admin:projects_user_change", args=[clerk.pk])
    form = city_admin_client.get(url).context["adminform"].form
    assert {"is_superuser", "is_staff", "groups", "user_permissions"}.isdisjoint(form.fields)
    assert Role.ADMIN in dict(form.fields["role"].choices)  # their own rank: admin
    reviewer_admin = UserFactory(username="rev", role=Role.REVIEWER, region=regions["city"])
    reviewer_admin.is_staff = True
    reviewer_admin.save()
    reviewer_admin.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = Client()
    client.force_login(reviewer_admin)
    form = client.get(url).context["adminform"].form
    assert Role.ADMIN not in dict(form.fields["role"].choices)
    data = {
        "username": "clerk",
        "role": Role.ADMIN,
        "region": regions["district"].pk,
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    client.post(url, data)
    clerk.refresh_from_db()
    assert (clerk.role, clerk.is_superuser, clerk.is_staff) == (Role.VIEWER, False, False)


def test_a_user_admin_never_reaches_an_admin_of_a_higher_rank(regions):
    official = UserFactory(username="boss", role=Role.ADMIN, region=regions["district"])
    clerk_admin = UserFactory(username="clerkadmin", role=Role.OFFICIAL, region=regions["district"])
    clerk_admin.is_staff = True
    clerk_admin.save()
    clerk_admin.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = Client()
    client.force_login(clerk_admin)
    response = client.get(reverse("admin:projects_user_change", args=[official.pk]))
    assert response.status_code in (302, 403)
