"""Choices of the projects app. Each knows its label and, where it has one, its colour, so the
templates, the API and the charts agree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县市区")
    TOWN = "town", _("镇街")


class Level(models.TextChoices):
    """项目级别. Counting is by level."""

    PROVINCIAL = "provincial", _("省重点")
    CITY = "city", _("市重点")
    DISTRICT = "district", _("区重点")

    @classmethod
    def from_text(cls, text: str) -> "Level | None":
        """省级/市级/区级, 省重点…, or the English value."""
        text = (text or "").strip().lower()
        aliases = {
            "省级": cls.PROVINCIAL,
            "省重点": cls.PROVINCIAL,
            "省": cls.PROVINCIAL,
            "市级": cls.CITY,
            "市重点": cls.CITY,
            "市": cls.CITY,
            "区级": cls.DISTRICT,
            "区重点": cls.DISTRICT,
            "区": cls.DISTRICT,
            "县级": cls.DISTRICT,
            "县重点": cls.DISTRICT,
        }
        if text in aliases:
            return aliases[text]
        return cls(text) if text in cls.values else None


class Stage(models.TextChoices):
    """建设阶段: the pool lifecycle, 四个一批."""

    CONCEIVED = "conceived", _("谋划")
    RESERVE = "reserve", _("储备")
    NEGOTIATING = "negotiating", _("在谈")
    SIGNED = "signed", _("签约")
    CONSTRUCTION = "construction", _("在建")
    COMPLETED = "completed", _("竣工")
    OPERATING = "operating", _("投产")
    WITHDRAWN = "withdrawn", _("退库")

    @classmethod
    def from_text(cls, text: str) -> "Stage | None":
        text = (text or "").strip()
        for value, label in cls.choices:
            if text in (value, str(label)):
                return cls(value)
        return None

    @classmethod
    def planning(cls) -> list[str]:
        """The planning pool: 谋划 and 储备 (conversion rate's denominator)."""
        return [cls.CONCEIVED, cls.RESERVE]

    @classmethod
    def started(cls) -> list[str]:
        """Stages at or after 开工."""
        return [cls.CONSTRUCTION, cls.COMPLETED, cls.OPERATING]


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    TOWN_OFFICE = "town_office", _("镇街办事处")
    COMPANY = "company", _("企业")
    OTHER = "other", _("其他")


class Role(models.TextChoices):
    """What a user may do within their region scope."""

    ADMIN = "admin", _("管理员")
    REVIEWER = "reviewer", _("审核人")
    OFFICIAL = "official", _("经办人")
    LEADER = "leader", _("领导")
    VIEWER = "viewer", _("只读")

    @property
    def rank(self) -> int:
        """What a role may do, ordered: a user grants roles up to their own rank only."""
        return {"admin": 4, "reviewer": 3, "official": 2, "leader": 1, "viewer": 0}[self.value]

    @classmethod
    def editors(cls) -> list[str]:
        return [cls.ADMIN, cls.REVIEWER, cls.OFFICIAL]

    @classmethod
    def reviewers(cls) -> list[str]:
        return [cls.ADMIN, cls.REVIEWER]


class MilestoneKind(models.TextChoices):
    """前期手续 approvals and construction nodes."""

    PROJECT_APPROVAL = "project_approval", _("立项")
    LAND = "land", _("用地")
    PLANNING_PERMIT = "planning_permit", _("规划许可")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可")
    ENVIRONMENT = "environment", _("环评")
    ENERGY = "energy", _("能评")
    CONSTRUCTION = "construction", _("建设节点")
    OTHER = "other", _("其他")


class FactorKind(models.TextChoices):
    """要素保障: what a project needs and what has been secured, each in its own unit."""

    LAND = "land", _("用地指标")
    ENERGY = "energy", _("能耗")
    EMISSION = "emission", _("排放总量替代指标")
    WATER = "water", _("水资源")
    CREDIT = "credit", _("授信/贷款")
    SPECIAL_BOND = "special_bond", _("专项债")
    CENTRAL_BUDGET = "central_budget", _("中央预算内资金")
    TREASURY_BOND = "treasury_bond", _("超长期特别国债")

    @property
    def unit(self) -> str:
        return {
            "land": "亩",
            "energy": "吨标准煤",
            "emission": "吨",
            "water": "万立方米",
        }.get(self.value, "万元")


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class StoppageReason(models.TextChoices):
    """停工原因."""

    FUNDING = "funding", _("资金")
    LAND = "land", _("用地")
    ENVIRONMENT = "environment", _("环保")
    WEATHER = "weather", _("天气/季节")
    OTHER = "other", _("其他")
