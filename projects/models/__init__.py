"""The data model of the ledger (台账), DOMAIN.md "The organisation" and "Projects".

Money is in 万元 (10,000 CNY) as exact decimals. Regions are keyed by their national
administrative division code (GB/T 2260 style), so a region's descendants are exactly the
regions whose code starts with its `prefix` — scoping is a prefix match on an indexed column.

Business records are never hard-deleted (`core.models.NoDeleteModel`): projects are withdrawn
(退库), chain assignments are ended, plans are revised with the original kept. Every change to
projects, plans, reports and chains is kept by django-simple-history (who, when, before, after).
"""

from .chains import ChainAssignment, TaskForce, TaskForceMember
from .delivery import FactorGuarantee, Milestone, Stoppage
from .people import Person, Unit, User
from .plans import MonthlyPlan, PlanRevision, ProjectYear
from .projects import Project, ProjectQuerySet, StageChange, Withdrawal
from .reference import Category, ChainRole
from .regions import Region, RegionBoundary, ancestor_codes, region_prefix
from .reporting import MonthStatus, ReportingGap, ReportingMonth, ReportingRule, ReportingWindow
from .reports import MonthlyReport, PlausibilitySettings

__all__ = [
    "Category",
    "ChainAssignment",
    "ChainRole",
    "FactorGuarantee",
    "Milestone",
    "MonthStatus",
    "MonthlyPlan",
    "MonthlyReport",
    "Person",
    "PlanRevision",
    "PlausibilitySettings",
    "Project",
    "ProjectQuerySet",
    "ProjectYear",
    "Region",
    "RegionBoundary",
    "ReportingGap",
    "ReportingMonth",
    "ReportingRule",
    "ReportingWindow",
    "StageChange",
    "Stoppage",
    "TaskForce",
    "TaskForceMember",
    "Unit",
    "User",
    "Withdrawal",
    "ancestor_codes",
    "region_prefix",
]
