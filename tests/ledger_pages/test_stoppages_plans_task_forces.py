"""停工/复工, the 12-cell monthly plan and task forces (issue #11 items 2, 3, 7): the services'
rules, history and permissions; the pages and the API through them; another district refused
by every route; how a stopped project counts; query counts of the new pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessment import measures
from assessment.models import ProjectStatus
from assessment.recompute import recompute_period
from core.models import DeletionForbidden
from core.periods import Period
from projects import services, stoppages
from projects.choices import Stage, StoppageReason
from projects.models import MonthlyPlan, Project, Stoppage, TaskForce, TaskForceMember
from tests.factories import PersonFactory, ProjectFactory, ProjectYearFactory, UnitFactory
from web import dashboard

pytestmark = pytest.mark.django_db

D = dt.date


MAY_6 = D(2024, 5, 6)


def stop(project, actor, on=MAY_6, reason=StoppageReason.FUNDING, note=""):
    return services.project_stop(project=project, reason=reason, on=on, note=note, actor=actor)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- 停工 / 复工: the services ----------------------------------------------------------------


def test_a_district_official_stops_and_resumes_a_project_with_history(project, district_official):
    stoppage = stop(project, district_official, note="资金未到位")
    assert stoppage.is_open and stoppage.reason == StoppageReason.FUNDING
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION  # a stopped project stays 在建
    resumed = services.project_resume(project=project, on=D(2024, 6, 1), actor=district_official)
    assert resumed.resumed_on == D(2024, 6, 1) and not resumed.is_open
    history = list(Stoppage.history.filter(id=stoppage.pk).order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert {h.history_user for h in history} == {district_official}
    with pytest.raises(DeletionForbidden):
        resumed.delete()


def test_a_stopped_project_cannot_change_stage_until_it_resumes(project, district_official):
    stop(project, district_official)
    with pytest.raises(ValidationError) as exc:
        services.project_set_stage(
            project=project, stage=Stage.COMPLETED, on=D(2024, 9, 1), actor=district_official
        )
    assert "请先登记复工" in str(exc.value)
    services.project_resume(project=project, on=D(2024, 6, 1), actor=district_official)
    moved = services.project_set_stage(
        project=project, stage=Stage.COMPLETED, on=D(2024, 9, 1), actor=district_official
    )
    assert moved.stage == Stage.COMPLETED


def test_only_a_project_under_construction_can_be_stopped(regions, district_official):
    signed = ProjectFactory(region=regions["district"], stage=Stage.SIGNED, actual_start=None)
    with pytest.raises(ValidationError) as exc:
        stop(signed, district_official)
    assert "只有在建项目才能登记停工" in str(exc.value)
    assert not Stoppage.objects.exists()


def test_one_open_stoppage_at_most_by_the_service_and_the_database(project, district_official):
    stop(project, district_official)
    with pytest.raises(ValidationError):
        stop(project, district_official, on=D(2024, 7, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Stoppage.objects.create(project=project, reason="land", stopped_on=D(2024, 8, 1))


@pytest.mark.parametrize(
    ("stopped", "resumed", "field"),
    [
        (D(2024, 5, 6), D(2024, 5, 5), "resumed_on"),  # resume before the stop
        (D(2024, 5, 6), timezone.localdate() + dt.timedelta(days=1), "resumed_on"),  # future
    ],
)
def test_resume_dates_are_checked(project, district_official, stopped, resumed, field):
    stop(project, district_official, on=stopped)
    with pytest.raises(ValidationError) as exc:
        services.project_resume(project=project, on=resumed, actor=district_official)
    assert field in exc.value.message_dict
    assert Stoppage.objects.get().is_open


def test_stop_dates_and_reason_are_checked(project, district_official):
    future = timezone.localdate() + dt.timedelta(days=1)
    for kwargs, field in [
        ({"on": future}, "stopped_on"),
        ({"on": D(2024, 1, 1)}, "stopped_on"),  # before the actual start (2024-03-01)
        ({"reason": StoppageReason.OTHER}, "note"),  # 其他 without the text
    ]:
        with pytest.raises(ValidationError) as exc:
            stop(project, district_official, **kwargs)
        assert field in exc.value.message_dict
    assert not Stoppage.objects.exists()


def test_another_districts_official_and_a_viewer_cannot_stop(project, other_official, viewer):
    for user in (other_official, viewer):
        with pytest.raises(PermissionDenied):
            stop(project, user)
    assert not Stoppage.objects.exists()


def test_a_city_official_stops_any_districts_project(other_project, city_official):
    assert stop(other_project, city_official).project == other_project


# --- 停工 / 复工: the page, the list filter, the badge, the API -------------------------------


def test_the_page_stops_then_resumes_and_the_project_page_shows_the_badge(
    client, district_official, project
):
    client.force_login(district_official)
    url = reverse("projects:project_stoppage", args=[project.code])
    response = client.post(url, {"reason": "land", "stopped_on": "2024-05-06", "note": "征地"})
    assert response.status_code == 302
    page = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert 'id="stoppage-badge"' in page and "用地" in page and 'id="resume-project"' in page
    assert client.post(url, {"resumed_on": "2024-06-10"}).status_code == 302
    assert Stoppage.objects.get().resumed_on == D(2024, 6, 10)
    page = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert 'id="stoppage-badge"' not in page and 'id="stop-project"' in page
    assert "停工/复工" in page  # in 变更记录


def test_a_bad_stop_is_shown_beside_the_field_and_changes_nothing(
    client, district_official, project
):
    client.force_login(district_official)
    url = reverse("projects:project_stoppage", args=[project.code])
    response = client.post(url, {"reason": "other", "stopped_on": "2024-05-06", "note": ""})
    assert response.status_code == 200
    assert "停工原因为“其他”时须填写说明" in response.content.decode()
    assert response.context["form"].errors["note"]
    assert not Stoppage.objects.exists()


def test_another_district_gets_404_on_the_page_and_the_api(
    client, district_official, other_project
):
    client.force_login(district_official)
    url = reverse("projects:project_stoppage", args=[other_project.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "land", "stopped_on": "2024-05-06"}).status_code == 404
    response = api(district_official).post(
        f"/api/v1/projects/{other_project.code}/stoppages/",
        {"reason": "land", "stopped_on": "2024-05-06"},
        format="json",
    )
    assert response.status_code == 404
    assert not Stoppage.objects.exists()


def test_the_api_stops_resumes_and_shows_stopped_since(district_official, project):
    client = api(district_official)
    base = f"/api/v1/projects/{project.code}/"
    created = client.post(
        base + "stoppages/", {"reason": "weather", "stopped_on": "2024-12-20"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert client.get(base).json()["stopped_since"] == "2024-12-20"
    listed = client.get("/api/v1/projects/", {"stopped": "true"}).json()
    assert [p["code"] for p in listed["results"]] == [project.code]
    bad = client.post(base + "resume/", {"resumed_on": "2024-12-01"}, format="json")
    assert bad.status_code == 400 and "resumed_on" in bad.json()
    assert (
        client.post(base + "resume/", {"resumed_on": "2025-02-20"}, format="json").status_code
        == 200
    )
    assert client.get(base).json()["stopped_since"] is None
    assert [s["resumed_on"] for s in client.get(base + "stoppages/").json()] == ["2025-02-20"]


def test_the_list_filter_shows_the_stopped_projects(client, district_official, regions, project):
    ProjectFactory(region=regions["district"])
    stop(project, district_official)
    client.force_login(district_official)
    response = client.get(reverse("projects:project_list"), {"stopped": "true"})
    rows = list(response.context["page"].object_list)
    assert [p.code for p in rows] == [project.code]
    assert "停工中" in response.content.decode()


# --- How a 停工 month counts -------------------------------------------------------------------


def test_a_stopped_project_stays_under_construction_and_is_counted_as_stopped(
    regions, district_official
):
    """Three projects of the district: A stopped in 2023 and resumed in March 2024, B stopped in
    May 2024 and still stopped, C never stopped. At the end of 2024-06: one stopped (B); 复工率
    of 1—6月 = A resumed / (A, B stopped at some time) = 1 / 2."""
    a, b, _c = (
        ProjectFactory(region=regions["district"], actual_start=D(2023, 1, 1)) for _ in "abc"
    )
    stop(a, district_official, on=D(2023, 11, 1))
    services.project_resume(project=a, on=D(2024, 3, 1), actor=district_official)
    stop(b, district_official, on=D(2024, 5, 6))
    projects = Project.objects.filter(region=regions["district"])
    figure = stoppages.resumption(projects, start=D(2024, 1, 1), end=D(2024, 6, 30))
    assert figure == {"stopped": 1, "affected": 2, "resumed": 1, "rate": Decimal("0.5")}
    # at the end of 2024-02, A was still stopped and B not yet: stopped = 1 (A), rate 0 / 1
    early = stoppages.resumption(projects, start=D(2024, 1, 1), end=D(2024, 2, 29))
    assert (early["stopped"], early["rate"]) == (1, Decimal("0"))
    # the stage (and so 开工率, 在建 counts and colours) is untouched
    assert set(projects.values_list("stage", flat=True)) == {Stage.CONSTRUCTION}


def test_the_overview_count_links_to_a_list_with_the_same_count(
    client, city_official, district_official, regions
):
    stopped = [ProjectFactory(region=regions["district"]) for _ in range(2)]
    ProjectFactory(region=regions["district"])
    for p in stopped:
        stop(p, district_official, on=D(2024, 5, 6))
    period = Period(2024, 6)
    figure = dashboard.stoppage_figure(
        dashboard.projects_in(city_official, regions["city"]), region=regions["city"], period=period
    )
    assert figure["stopped"] == 2
    client.force_login(city_official)
    response = client.get(figure["url"])
    assert response.context["page"].paginator.count == 2


def test_the_definitions_page_documents_the_rule(client, city_official):
    client.force_login(city_official)
    html = client.get(reverse("web:definitions")).content.decode()
    assert measures.definition("stopped") in html and "停工的项目仍计为在建" in html
    assert measures.definition("resumption_rate") in html


# --- The monthly plan --------------------------------------------------------------------------

TWELVE = [Decimal("100")] * 12


def test_twelve_months_that_sum_to_the_plan_are_saved_with_history(project, district_official):
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    rows = services.monthly_plan_set(
        project=project, year=2024, amounts=TWELVE, actor=district_official
    )
    assert [r.month for r in rows] == list(range(1, 13))
    assert MonthlyPlan.history.filter(history_user=district_official).count() == 12
    # unchanged months write nothing; one changed month writes one history row
    again = [*TWELVE[:11], Decimal("100")]
    services.monthly_plan_set(project=project, year=2024, amounts=again, actor=district_official)
    assert MonthlyPlan.history.count() == 12


def test_a_sum_that_differs_is_refused_with_the_difference_unless_confirmed(
    project, district_official
):
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    short = [*TWELVE[:11], Decimal("50")]
    with pytest.raises(ValidationError) as exc:
        services.monthly_plan_set(
            project=project, year=2024, amounts=short, actor=district_official
        )
    message = exc.value.message_dict["confirm_mismatch"][0]
    assert "1,150.00" in message and "1,200.00" in message and "相差 -50.00 万元" in message
    assert not MonthlyPlan.objects.exists()
    services.monthly_plan_set(
        project=project, year=2024, amounts=short, confirm_mismatch=True, actor=district_official
    )
    assert MonthlyPlan.objects.count() == 12


def test_some_cells_blank_is_refused_and_all_blank_removes_the_monthly_plan(
    project, district_official
):
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    partial = [*TWELVE[:6], *[None] * 6]
    with pytest.raises(ValidationError) as exc:
        services.monthly_plan_set(
            project=project, year=2024, amounts=partial, actor=district_official
        )
    assert set(exc.value.message_dict) == {f"m{m}" for m in range(7, 13)}
    services.monthly_plan_set(project=project, year=2024, amounts=TWELVE, actor=district_official)
    services.monthly_plan_set(
        project=project, year=2024, amounts=[None] * 12, actor=district_official
    )
    assert not MonthlyPlan.objects.exists()
    assert MonthlyPlan.history.filter(history_type="-").count() == 12  # the removal is kept


def test_the_monthly_plan_page_shows_the_difference_then_saves(client, district_official, project):
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    client.force_login(district_official)
    url = reverse("projects:project_monthly_plan", args=[project.code, 2024])
    data = {f"m{m}": "100" for m in range(1, 13)} | {"m12": "90"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "相差 -10.00 万元" in response.content.decode()
    assert not MonthlyPlan.objects.exists()
    assert client.post(url, data | {"confirm_mismatch": "on"}).status_code == 302
    assert MonthlyPlan.objects.count() == 12


def test_a_saved_monthly_plan_recomputes_the_projects_time_progress(
    project, district_official, celery_eager, django_capture_on_commit_callbacks
):
    """时间进度 reads the monthly plan (1—m月计划 ÷ 年度计划): front-loaded months move it."""
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    for month in (1, 2):
        recompute_period(year=2024, month=month)
    status = ProjectStatus.objects.get(project=project, year=2024, month=2)
    assert status.time_progress.quantize(Decimal("0.0001")) == Decimal("0.1667")  # 2 / 12
    front = [Decimal("300")] * 2 + [Decimal("60")] * 10
    with django_capture_on_commit_callbacks(execute=True):
        services.monthly_plan_set(
            project=project, year=2024, amounts=front, actor=district_official
        )
    status = ProjectStatus.objects.get(project=project, year=2024, month=2)
    assert status.time_progress == Decimal("0.5")


def test_another_districts_monthly_plan_is_not_found(client, district_official, other_project):
    ProjectYearFactory(project=other_project, year=2024)
    client.force_login(district_official)
    url = reverse("projects:project_monthly_plan", args=[other_project.code, 2024])
    assert client.get(url).status_code == 404
    assert client.post(url, {f"m{m}": "100" for m in range(1, 13)}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.monthly_plan_set(
            project=other_project, year=2024, amounts=TWELVE, actor=district_official
        )


# --- Task forces -------------------------------------------------------------------------------


def test_a_task_force_is_set_up_members_join_and_leave_and_it_is_dissolved(
    project, district_official, regions
):
    lead = PersonFactory(region=regions["district"], name="王组长")
    member = PersonFactory(region=regions["city"], name="李成员")  # a region above: may serve
    tf = services.task_force_create(
        project=project,
        name="重点项目专班",
        lead=lead,
        established_on=D(2024, 4, 1),
        actor=district_official,
    )
    m = services.task_force_member_add(
        task_force=tf, person=member, duty="要素协调", actor=district_official
    )
    with pytest.raises(ValidationError):
        services.task_force_member_add(task_force=tf, person=member, actor=district_official)
    services.task_force_member_remove(member=m, actor=district_official)
    assert TaskForceMember.objects.get().left_on is not None  # ended, not deleted
    services.task_force_member_add(task_force=tf, person=member, actor=district_official)
    services.task_force_dissolve(task_force=tf, on=D(2024, 12, 31), actor=district_official)
    tf.refresh_from_db()
    assert tf.dissolved_on == D(2024, 12, 31)
    with pytest.raises(ValidationError):
        services.task_force_member_add(
            task_force=tf, person=PersonFactory(region=regions["district"]), actor=district_official
        )
    assert TaskForce.history.filter(history_user=district_official).count() == 2
    assert TaskForceMember.history.count() == 3


def test_a_person_of_another_district_cannot_join(project, district_official, regions):
    tf = services.task_force_create(project=project, name="专班", actor=district_official)
    with pytest.raises(ValidationError) as exc:
        services.task_force_member_add(
            task_force=tf, person=PersonFactory(region=regions["other"]), actor=district_official
        )
    assert "person" in exc.value.message_dict


def test_another_districts_official_cannot_set_up_a_task_force(other_project, district_official):
    with pytest.raises(PermissionDenied):
        services.task_force_create(project=other_project, name="专班", actor=district_official)


def test_the_pages_create_a_task_force_add_a_person_inline_and_show_it(
    client, district_official, project, regions
):
    unit = UnitFactory(region=regions["district"], name="市南区发改局")
    client.force_login(district_official)
    url = reverse("projects:project_task_forces", args=[project.code])
    assert client.post(url, {"name": "", "established_on": "2024-04-01"}).status_code == 200
    assert not TaskForce.objects.exists()
    assert client.post(url, {"name": "攻坚专班", "established_on": "2024-04-01"}).status_code == 302
    tf = TaskForce.objects.get()
    member = {"form": "member", "member-task_force": tf.pk, "member-duty": "手续办理"}
    refused = client.post(url, member)  # neither a listed person nor a new one
    assert refused.status_code == 200 and refused.context["member_form"].errors["person"]
    response = client.post(url, member | {"member-new_name": "赵六", "member-new_unit": unit.pk})
    assert response.status_code == 302
    assert TaskForceMember.objects.get().person.name == "赵六"
    page = client.get(reverse("web:project_detail", args=[project.code])).content.decode()
    assert "攻坚专班" in page and "赵六" in page and "手续办理" in page


def test_another_districts_task_force_pages_are_not_found(client, district_official, other_project):
    tf = TaskForce.objects.create(project=other_project, name="专班")
    client.force_login(district_official)
    assert (
        client.get(reverse("projects:project_task_forces", args=[other_project.code])).status_code
        == 404
    )
    url = reverse("projects:task_force_action", args=[other_project.code, tf.pk, "dissolve"])
    assert client.post(url, {"dissolved_on": "2024-05-01"}).status_code == 404
    tf.refresh_from_db()
    assert tf.dissolved_on is None


# --- Query counts of the new pages ------------------------------------------------------------


def test_the_new_pages_cost_a_constant_number_of_queries(
    client, district_official, project, regions, django_assert_max_num_queries
):
    ProjectYearFactory(project=project, year=2024, annual_plan=Decimal("1200"))
    for n in range(3):
        tf = services.task_force_create(project=project, name=f"专班{n}", actor=district_official)
        for _ in range(3):
            services.task_force_member_add(
                task_force=tf,
                person=PersonFactory(region=regions["district"]),
                actor=district_official,
            )
    stop(project, district_official)
    client.force_login(district_official)
    # session + user, project, stoppages (page of stoppages)
    with django_assert_max_num_queries(6):
        assert (
            client.get(reverse("projects:project_stoppage", args=[project.code])).status_code == 200
        )
    # session + user, project, project year (+ revisions), monthly plans
    with django_assert_max_num_queries(8):
        url = reverse("projects:project_monthly_plan", args=[project.code, 2024])
        assert client.get(url).status_code == 200
    # session + user, project, task forces, their members; the pickers' people and units
    with django_assert_max_num_queries(12):
        url = reverse("projects:project_task_forces", args=[project.code])
        assert client.get(url).status_code == 200
