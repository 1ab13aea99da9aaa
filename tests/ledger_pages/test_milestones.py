"""节点与前期手续 from the browser: add, edit, complete (with a permit number), reopen — each
through its service, with history; another district's milestones are not found; the approvals
view counts what each district lacks, what is overdue and 多证连发."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from projects import services
from projects.choices import MilestoneKind, Stage
from projects.models import Milestone
from projects.selectors import approvals_overview
from tests.factories import PersonFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 11, 20)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2024, 11, 20, 10, 0))


def _milestone(project, **values):
    base = {"kind": MilestoneKind.LAND, "name": "用地预审", "due_date": dt.date(2024, 10, 1)}
    return Milestone.objects.create(project=project, **(base | values))


def test_district_official_adds_edits_completes_and_reopens_a_permit(
    client, district_official, project
):
    client.force_login(district_official)
    url = reverse("projects:project_milestones", args=[project.code])
    leader = PersonFactory(name="王主任", region=project.region)

    response = client.post(
        url,
        {
            "kind": MilestoneKind.CONSTRUCTION_PERMIT,
            "name": "施工许可证",
            "due_date": "2024-12-31",
            "responsible": leader.pk,
            "permit_number": "",
            "issuing_authority": "区住建局",
            "note": "",
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(project=project)
    assert (milestone.name, milestone.responsible, milestone.issuing_authority) == (
        "施工许可证",
        leader,
        "区住建局",
    )
    assert milestone.history.get().history_user == district_official

    response = client.post(
        url,
        {
            "milestone": milestone.pk,
            "kind": MilestoneKind.CONSTRUCTION_PERMIT,
            "name": "建筑工程施工许可证",
            "due_date": "2024-11-30",
            "issuing_authority": "区住建局",
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.name, milestone.due_date) == ("建筑工程施工许可证", dt.date(2024, 11, 30))
    assert Milestone.objects.count() == 1

    complete = reverse("projects:milestone_action", args=[project.code, milestone.pk, "complete"])
    client.post(complete, {"done_on": "2024-11-18", "permit_number": "370202202411180101"})
    milestone.refresh_from_db()
    assert (milestone.done_on, milestone.permit_number) == (
        dt.date(2024, 11, 18),
        "370202202411180101",
    )

    reopen = reverse("projects:milestone_action", args=[project.code, milestone.pk, "reopen"])
    client.post(reopen)
    milestone.refresh_from_db()
    assert milestone.done_on is None and milestone.permit_number == "370202202411180101"
    assert milestone.history.count() == 4  # added, edited, completed, reopened
    page = client.get(url).content.decode()
    assert "建筑工程施工许可证" in page and "370202202411180101" in page


def test_bad_input_is_shown_beside_the_field_and_changes_nothing(
    client, district_official, project
):
    client.force_login(district_official)
    url = reverse("projects:project_milestones", args=[project.code])

    response = client.post(
        url,
        {
            "kind": MilestoneKind.CONSTRUCTION,
            "name": "主体封顶",
            "due_date": "2024-02-30",
            "permit_number": "X-1",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]

    response = client.post(
        url,
        {
            "kind": MilestoneKind.CONSTRUCTION,
            "name": "主体封顶",
            "due_date": "2024-12-01",
            "permit_number": "X-1",
        },
    )
    assert response.status_code == 200
    assert "批文" in " ".join(response.context["form"].errors["permit_number"])
    assert not Milestone.objects.exists()

    milestone = _milestone(project)
    future = reverse("projects:milestone_action", args=[project.code, milestone.pk, "complete"])
    response = client.post(future, {"done_on": "2024-12-01"}, follow=True)
    assert "不能晚于今天" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_a_person_of_another_district_cannot_be_responsible(project, district_official, regions):
    stranger = PersonFactory(name="外区人员", region=regions["other"])
    with pytest.raises(ValidationError) as raised:
        services.milestone_save(
            project=project,
            values={
                "kind": MilestoneKind.LAND,
                "name": "用地",
                "due_date": TODAY,
                "responsible": stranger,
            },
            actor=district_official,
        )
    assert "responsible" in raised.value.message_dict


def test_another_districts_milestones_are_not_found_by_any_route(
    client, district_official, other_project
):
    milestone = _milestone(other_project)
    client.force_login(district_official)
    assert (
        client.get(reverse("projects:project_milestones", args=[other_project.code])).status_code
        == 404
    )
    for action in ("complete", "reopen"):
        url = reverse("projects:milestone_action", args=[other_project.code, milestone.pk, action])
        assert client.post(url, {"done_on": "2024-11-01"}).status_code == 404
    milestone.refresh_from_db()
    assert milestone.done_on is None
    with pytest.raises(PermissionDenied):
        services.milestone_complete(milestone=milestone, on=TODAY, actor=district_official)


def test_a_milestone_of_another_project_cannot_be_edited_through_mine(
    client, district_official, project, regions
):
    mine_too = ProjectFactory(code="QD-009", region=regions["district"])
    theirs = _milestone(mine_too)
    client.force_login(district_official)
    url = reverse("projects:project_milestones", args=[project.code])
    assert client.get(url, {"edit": theirs.pk}).status_code == 404
    action = reverse("projects:milestone_action", args=[project.code, theirs.pk, "complete"])
    assert client.post(action, {"done_on": "2024-11-01"}).status_code == 404


def test_a_withdrawn_project_is_frozen(client, district_official, project):
    project.stage = Stage.WITHDRAWN
    project.save()
    client.force_login(district_official)
    response = client.get(reverse("projects:project_milestones", args=[project.code]))
    assert response.status_code == 302


def test_approvals_view_counts_lacking_overdue_and_several_permits(
    client,
    district_official,
    city_official,
    project,
    other_project,
    regions,
    django_assert_num_queries,
):
    _milestone(project, name="用地预审", due_date=dt.date(2024, 10, 1))  # overdue
    _milestone(project, kind=MilestoneKind.ENVIRONMENT, name="环评", due_date=dt.date(2025, 1, 1))
    _milestone(
        project, kind=MilestoneKind.CONSTRUCTION, name="主体封顶", due_date=dt.date(2024, 1, 1)
    )
    together = ProjectFactory(code="QD-010", region=regions["district"])
    for kind in (MilestoneKind.PLANNING_PERMIT, MilestoneKind.CONSTRUCTION_PERMIT):
        _milestone(together, kind=kind, name=kind.label, done_on=dt.date(2024, 9, 9))
    _milestone(other_project, due_date=dt.date(2024, 1, 1))

    summary, rows = approvals_overview(user=district_official, on=TODAY)
    assert [(d["region"].name, d["lacking"], d["overdue"], d["several"]) for d in summary] == [
        ("市南区", 1, 1, 1)
    ]
    assert [m.name for m in rows] == ["用地预审", "环评"]

    summary, rows = approvals_overview(user=city_official, on=TODAY)
    assert [(d["region"].name, d["lacking"], d["overdue"], d["several"]) for d in summary] == [
        ("市南区", 1, 1, 1),
        ("市北区", 1, 1, 0),
    ]
    summary, _rows = approvals_overview(user=city_official, region=regions["other"].code, on=TODAY)
    assert [d["region"].name for d in summary] == ["市北区"]

    client.force_login(district_official)
    client.get(reverse("projects:approvals"))  # warm the session and translation
    queries = 6  # session, user, the header's, districts, open approvals, 多证连发
    with django_assert_num_queries(queries):
        page = client.get(reverse("projects:approvals")).content.decode()
    assert "用地预审" in page and "市北区测试项目" not in page
    for n in range(5):  # more projects and people: the same queries
        more = ProjectFactory(code=f"QD-1{n}", region=regions["district"])
        _milestone(more, responsible=PersonFactory(region=regions["district"]))
    with django_assert_num_queries(queries):
        page = client.get(reverse("projects:approvals")).content.decode()
    assert page.count("用地预审") == 6
