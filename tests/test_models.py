"""Model rules of the foundation: uniqueness, one person per chain role, withdrawal needs a
reason and a reviewer's approval, plans keep their original, history is kept, no deletes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import DeletionForbidden
from projects import services
from projects.choices import Stage, WithdrawalStatus
from projects.models import (
    ChainAssignment,
    MonthlyReport,
    Project,
    Region,
    StageChange,
    region_prefix,
)
from tests.factories import PersonFactory, ProjectFactory, chain_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("370000", "37"),
        ("370200", "3702"),
        ("370211", "370211"),
        ("370211001", "370211001"),
        ("370211001000", "370211001"),
    ],
)
def test_region_prefix_follows_gbt2260(code, prefix):
    assert region_prefix(code) == prefix


def test_region_code_must_lie_within_parent(regions):
    bad = Region(code="370302", name="错误", level="county", parent=regions["city"])
    with pytest.raises(ValidationError) as err:
        bad.full_clean()
    assert "code" in err.value.message_dict


def test_project_code_is_unique(project):
    duplicate = Project(code=project.code, name="重复", region=project.region, level="city")
    with pytest.raises(ValidationError) as err:
        duplicate.full_clean()
    assert "code" in err.value.message_dict


def test_project_region_must_be_a_district(regions):
    with pytest.raises(ValidationError) as err:
        services.project_create(code="X1", name="城市级", region=regions["city"], level="city")
    assert "region" in err.value.message_dict


def test_one_report_per_project_and_month(project):
    services.report_create(project=project, year=2024, month=3, completed_investment=Decimal("5"))
    with pytest.raises(ValidationError):
        services.report_create(
            project=project, year=2024, month=3, completed_investment=Decimal("6")
        )
    assert MonthlyReport.objects.filter(project=project).count() == 1


def test_report_rejects_negative_and_bad_month(project):
    with pytest.raises(ValidationError) as err:
        services.report_create(
            project=project, year=2024, month=13, completed_investment=Decimal("-1")
        )
    assert {"month", "completed_investment"} <= set(err.value.message_dict)


def test_stale_report_edit_is_refused_not_lost(project, district_official):
    report = services.report_create(
        project=project, year=2024, month=4, completed_investment=Decimal("10")
    )
    services.report_update(
        report=report,
        expected_version=1,
        completed_investment=Decimal("11"),
        actor=district_official,
    )
    with pytest.raises(services.ConflictError):
        services.report_update(
            report=report, expected_version=1, completed_investment=Decimal("12")
        )
    report.refresh_from_db()
    assert report.completed_investment == Decimal("11.00")
    assert report.version == 2


def test_report_history_keeps_who_before_and_after(project, district_official):
    report = services.report_create(
        project=project,
        year=2024,
        month=5,
        completed_investment=Decimal("10"),
        actor=district_official,
    )
    services.report_update(
        report=report, completed_investment=Decimal("20"), actor=district_official
    )
    history = list(report.history.order_by("history_date"))
    assert [h.completed_investment for h in history] == [Decimal("10.00"), Decimal("20.00")]
    assert history[-1].history_user == district_official
    assert history[-1].history_type == "~"


def test_one_current_person_per_chain_role(project):
    role = chain_role("leader")
    first, second = PersonFactory(region=project.region), PersonFactory(region=project.region)
    services.chain_assign(project=project, role=role, person=first, on=dt.date(2024, 1, 1))
    services.chain_assign(project=project, role=role, person=second, on=dt.date(2024, 6, 1))
    rows = ChainAssignment.objects.filter(project=project, role=role).order_by("start_date")
    assert [(r.person, r.end_date) for r in rows] == [(first, dt.date(2024, 6, 1)), (second, None)]
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainAssignment.objects.create(
            project=project, role=role, person=first, start_date=dt.date(2024, 7, 1)
        )


def test_plan_revision_keeps_original_and_needs_reason(project):
    services.project_year_set(project=project, year=2024, annual_plan=Decimal("1000"))
    with pytest.raises(ValidationError):
        services.project_year_set(project=project, year=2024, annual_plan=Decimal("800"))
    py = services.project_year_set(
        project=project, year=2024, annual_plan=Decimal("800"), reason="土地指标未落实，调减计划"
    )
    assert (py.original_plan, py.annual_plan, py.is_revised) == (
        Decimal("1000.00"),
        Decimal("800.00"),
        True,
    )
    assert py.revisions.get().reason == "土地指标未落实，调减计划"


def test_withdrawal_needs_reason(project, district_official):
    with pytest.raises(ValidationError):
        services.withdrawal_request(project=project, reason="  ", actor=district_official)


def test_withdrawal_needs_a_reviewer_other_than_requester(project, district_official, reviewer):
    withdrawal = services.withdrawal_request(
        project=project, reason="企业投资意向变化", actor=district_official
    )
    with pytest.raises(ValidationError):
        services.withdrawal_review(withdrawal=withdrawal, actor=district_official, approve=True)
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    services.withdrawal_review(withdrawal=withdrawal, actor=reviewer, approve=True)
    project.refresh_from_db()
    withdrawal.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN
    assert withdrawal.status == WithdrawalStatus.APPROVED
    assert withdrawal.previous_stage == Stage.CONSTRUCTION
    assert StageChange.objects.filter(project=project, to_stage=Stage.WITHDRAWN).exists()


def test_withdrawn_is_not_a_plain_stage_move(project):
    with pytest.raises(ValidationError):
        services.project_set_stage(project=project, stage=Stage.WITHDRAWN)


def test_business_records_are_never_deleted(project):
    with pytest.raises(DeletionForbidden):
        project.delete()
    with pytest.raises(DeletionForbidden):
        Project.objects.all().delete()
    assert Project.objects.filter(pk=project.pk).exists()


def test_project_update_records_history_and_bumps_version(project, district_official):
    updated = services.project_update(
        project=project, name="新名称", actor=district_official, expected_version=1
    )
    assert updated.version == 2
    assert project.history.count() == 2
    with pytest.raises(services.ConflictError):
        services.project_update(project=project, name="又一个", expected_version=1)


def test_stage_moves_are_recorded(regions):
    project = ProjectFactory(region=regions["district"], stage=Stage.RESERVE, actual_start=None)
    services.project_set_stage(project=project, stage=Stage.CONSTRUCTION, on=dt.date(2024, 4, 2))
    project.refresh_from_db()
    assert project.actual_start == dt.date(2024, 4, 2)
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage) == (Stage.RESERVE, Stage.CONSTRUCTION)


def test_withdrawn_project_and_its_reports_are_frozen(project, district_official, reviewer):
    report = services.report_create(
        project=project, year=2024, month=6, completed_investment=Decimal("10")
    )
    withdrawal = services.withdrawal_request(
        project=project, reason="项目终止", actor=district_official
    )
    services.withdrawal_review(withdrawal=withdrawal, actor=reviewer, approve=True)
    with pytest.raises(ValidationError):
        services.project_update(project=project, name="改名")
    with pytest.raises(ValidationError):
        services.report_update(report=report, completed_investment=Decimal("20"))
    report.refresh_from_db()
    project.refresh_from_db()
    assert (project.name, report.completed_investment) == ("市南区测试项目", Decimal("10.00"))
