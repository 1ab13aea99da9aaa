"""Admin pages of the supervision app: every page opens, rows are scoped like the projects admin,
new issues go through the service, holiday corrections recompute deadlines, nothing is deleted."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from meetings import services as meeting_services
from supervision.choices import IssueStatus
from supervision.models import HolidayOverride, Issue

pytestmark = pytest.mark.django_db

MODELS = [
    "issue",
    "issuetransition",
    "issueattachment",
    "notification",
    "meeting",
    "reminderletter",
    "inspection",
    "holidayoverride",
    "holidayschedule",
    "supervisionsettings",
]


@pytest.fixture
def staff_district_official(district_official):
    district_official.is_staff = True
    district_official.save()
    district_official.user_permissions.set(
        Permission.objects.filter(content_type__app_label="supervision")
    )
    return district_official


@pytest.mark.parametrize("model", MODELS)
def test_every_admin_page_opens(clock, admin_client, make_issue, regions, model):
    issue = make_issue(IssueStatus.ASSIGNED)
    meeting_services.meeting_create(
        kind="weekly", region=regions["city"], date=dt.date(2026, 9, 28)
    )
    app = "meetings" if model in ("meeting", "reminderletter") else "supervision"
    changelist = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    if model == "issue":
        change = admin_client.get(reverse("admin:supervision_issue_change", args=[issue.pk]))
        assert change.status_code == 200
        assert "施工许可证办理进度慢" in change.content.decode()


def test_district_staff_sees_only_own_district_issues(
    clock, client, make_issue, other_project, staff_district_official
):
    own = make_issue()
    theirs = make_issue(project=other_project)
    client.force_login(staff_district_official)
    page = client.get(reverse("admin:supervision_issue_changelist")).content.decode()
    assert f"/{own.pk}/change/" in page and f"/{theirs.pk}/change/" not in page
    response = client.get(reverse("admin:supervision_issue_change", args=[theirs.pk]))
    assert response.status_code == 302  # not found in the scoped queryset → back to the list


def test_adding_an_issue_in_the_admin_records_its_first_transition(
    clock, client, project, staff_district_official
):
    client.force_login(staff_district_official)
    response = client.post(
        reverse("admin:supervision_issue_add"),
        {
            "project": project.pk,
            "title": "管网配套滞后",
            "description": "",
            "category": "utilities",
            "difficulty": "ordinary",
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    issue = Issue.objects.get(title="管网配套滞后")
    assert issue.raised_by == staff_district_official
    assert list(issue.transitions.values_list("action", flat=True)) == ["collect"]


def test_a_holiday_corrected_in_the_admin_moves_deadlines(clock, admin_client, make_issue):
    issue = make_issue(IssueStatus.ASSIGNED)
    response = admin_client.post(
        reverse("admin:supervision_holidayoverride_add"),
        {"date": "2026-10-09", "is_workday": "", "name": "台风停工"},
    )
    assert response.status_code == 302
    assert HolidayOverride.objects.get().year == 2026
    issue.refresh_from_db()
    assert issue.deadline == dt.date(2026, 10, 12)


def test_nothing_can_be_deleted_in_the_admin(clock, admin_client, make_issue):
    issue = make_issue()
    response = admin_client.get(reverse("admin:supervision_issue_delete", args=[issue.pk]))
    assert response.status_code == 403
