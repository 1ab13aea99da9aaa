"""factory-boy factories for the domain. Regions use real Qingdao codes so prefixes work."""

import datetime as dt
from decimal import Decimal

import factory

from projects.choices import Level, RegionLevel, Role, Stage
from projects.models import (
    ChainRole,
    MonthlyReport,
    Person,
    Project,
    ProjectYear,
    Region,
    Unit,
    User,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"3702{n + 11:02d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = RegionLevel.COUNTY


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    region = factory.SubFactory(RegionFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"人员{n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICIAL
    region = factory.SubFactory(RegionFactory)
    password = factory.django.Password("pw-123456")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    region = factory.SubFactory(RegionFactory)
    level = Level.DISTRICT
    stage = Stage.CONSTRUCTION
    total_investment = Decimal("10000.00")
    actual_start = dt.date(2024, 3, 1)


class ProjectYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectYear

    project = factory.SubFactory(ProjectFactory)
    year = 2024
    annual_plan = Decimal("1200.00")
    original_plan = factory.SelfAttribute("annual_plan")


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    project = factory.SubFactory(ProjectFactory)
    year = 2024
    month = 1
    completed_investment = Decimal("100.00")


def chain_role(code: str) -> ChainRole:
    return ChainRole.objects.get(code=code)


def stored_status(
    project, year: int, month: int, colour: str, *, rate="0.35", progress="0.75", **fields
):
    """A ProjectStatus row as the recompute job writes it for a project under construction
    whose colour comes from the progress check (investment rate `rate` against time progress
    `progress`): its reason reads "投资完成率 35.0%，时间进度 75.0%，落后 40.0 个百分点". Blank
    `colour`: a project without a colour. `fields` override any column (another check's
    verdict and numbers, say). Like the recompute, it records the period as computed
    (`PeriodComputation`), which makes it the latest computed period if it is the newest."""
    from django.utils import timezone

    from assessment.models import PeriodComputation, ProjectStatus

    rate = None if rate is None else Decimal(rate)
    progress = None if progress is None else Decimal(progress)
    gap = None if rate is None or progress is None else (rate - progress) * 100
    values = {
        "region_id": project.region_id,
        "level": project.level,
        "annual_plan": Decimal("1200.00"),
        "original_plan": Decimal("1200.00"),
        "completed_ytd": Decimal("600.00"),
        "investment_rate": rate,
        "time_progress": progress,
        "gap_points": gap,
        "started": bool(colour),
        "under_construction": bool(colour),
        "progress_verdict": colour if gap is not None else "",
        "colour": colour,
        "computed_at": timezone.now(),
        **fields,
    }
    PeriodComputation.objects.update_or_create(
        year=year, month=month, defaults={"finished_at": timezone.now(), "runs": 1}
    )
    return ProjectStatus.objects.create(project=project, year=year, month=month, **values)
