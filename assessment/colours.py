"""Four-colour management (四色管理) — the one home of the colour checks (DOMAIN.md).

Every project under construction, or due to start this year and not yet started, gets one
colour per period: the worst verdict of the checks below (red > yellow > white > green). A check
that does not apply is skipped; with no failing check and no progress figure (no annual plan
yet) the colour is white. Thresholds come from `ColourRules` (admin-editable).

- **progress** (在建项目): d = investment rate − time progress, in points.
  green d ≥ +G; white −Y < d < +G; yellow −R ≤ d ≤ −Y; red d < −R   (defaults G=10, Y=10, R=30)
- **start** (新开工项目 not yet started, with a planned start date): yellow from the planned
  month, red `start_red_months` (3) months after it.
- **statistics** (在建, started on a known date, not 纳统): yellow `statistics_yellow_months` (1)
  months after the start month, red after `statistics_red_months` (2).
- **milestones**: a milestone past due and not done on the period's last day: yellow; more
  than `milestone_red_days` (30) days past due: red.
- **reporting** (在建 for the whole window): no monthly report in the last
  `reporting_red_months` (2) months up to the period's month: red.

Month counts are calendar months between the months (a project started in March is one month
past its start in April).

Two halves, one module:
- **Deciding** is SQL: `layers()` are expressions over the figures `projects.measures` computes,
  so `projects.recompute` colours a whole period in the statement that writes it. Each check's
  verdict (`ok`, a colour, or blank where it does not apply) and the numbers it compared
  (rates and gap, months late, months since the start, overdue milestones, months without a
  report) are stored as columns of `ProjectStatus`, with the colour.
- **Wording** is Python, at the edge (with the formatting of `templatetags.portfolio`, as the
  pages show the same numbers): `results()` words each
  check's verdict for an official from those stored numbers, in the reader's language, and
  `reason()` joins the failing ones, red first:
  "投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点".
  The wording reads only stored values, so a period's reasons never change afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Expression,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear, Round
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import cnmonth, number
from core.periods import Period, month_start

from .choices import Colour
from .measures import project_rates, report_lookback
from .models import ColourRules, ProjectStatus

CHECKS = {
    "progress": gettext_lazy("投资进度"),
    "start": gettext_lazy("按期开工"),
    "statistics": gettext_lazy("开工纳统"),
    "milestones": gettext_lazy("节点"),
    "reporting": gettext_lazy("月报"),
}
OK = "ok"  # a check that applies and finds nothing wrong (not a colour)
NOT_APPLICABLE = ""  # the verdict column of a check that does not apply


def verdict_field(code: str) -> str:
    """The ProjectStatus column holding a check's verdict."""
    return f"{code}_verdict"


# --- Deciding: SQL over the figures (same expressions on SQLite and PostgreSQL) ---------------


class Column(Expression):
    """A column of the derived table the expressions read (aliased like ProjectStatus's table):
    a figure computed by an earlier layer, read by name."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Column({self.name!r})"

    def resolve_expression(self, *args, **kwargs):
        return self

    def as_sql(self, compiler, connection):
        qn = connection.ops.quote_name
        return f"{qn(ProjectStatus._meta.db_table)}.{qn(self.name)}", []


GAP = Column("gap_points", DecimalField())
MONTHS_LATE = Column("months_late", IntegerField())
MONTHS_SINCE_START = Column("months_since_start", IntegerField())


def month_index(field: str):
    return ExtractYear(field) * 12 + ExtractMonth(field)


def inputs(period: Period) -> dict[str, Expression]:
    """Layer 1, over the figures: the rates, and the numbers the checks compare."""
    rates = project_rates(period)
    return {
        **rates,
        "gap_points": Round(
            (rates["investment_rate"] - rates["time_progress"]) * Value(Decimal(100)),
            4,
            output_field=DecimalField(),
        ),
        "months_late": Value(period.index) - month_index("planned_start"),
        "months_since_start": Value(period.index) - month_index("actual_start"),
    }


@dataclass(frozen=True)
class Check:
    """One check: where it applies and its verdict there (ok/green/white/yellow/red), over
    the figures and the layer-1 inputs."""

    code: str
    applies: Q
    verdict: Expression

    @property
    def column(self) -> Column:
        return Column(verdict_field(self.code), CharField())

    def is_(self, verdict: str) -> Exact:
        return Exact(self.column, Value(verdict))


def verdict_case(*whens: When, default: str) -> Case:
    return Case(*whens, default=Value(default), output_field=CharField())


def checks(rules: ColourRules, period: Period) -> list[Check]:
    """The checks of DOMAIN.md with `rules`' thresholds, for `period`."""
    green, yellow, red = rules.green_min_points, rules.yellow_max_points, rules.red_over_points
    window_start = month_start(period.index - rules.reporting_red_months + 1)
    silent = Q(months_without_report__isnull=True) | Q(
        months_without_report__gte=rules.reporting_red_months
    )
    return [
        Check(
            code="progress",
            applies=Q(under_construction=True, annual_plan__gt=0),
            verdict=verdict_case(
                When(GreaterThanOrEqual(GAP, Value(green)), then=Value(Colour.GREEN)),
                When(GreaterThan(GAP, Value(-yellow)), then=Value(Colour.WHITE)),
                When(GreaterThanOrEqual(GAP, Value(-red)), then=Value(Colour.YELLOW)),
                default=Colour.RED,
            ),
        ),
        Check(
            code="start",
            applies=Q(new_start=True, started=False, planned_start__isnull=False),
            verdict=verdict_case(
                When(LessThan(MONTHS_LATE, Value(0)), then=Value(OK)),
                When(
                    GreaterThanOrEqual(MONTHS_LATE, Value(rules.start_red_months)),
                    then=Value(Colour.RED),
                ),
                default=Colour.YELLOW,
            ),
        ),
        Check(
            code="statistics",
            applies=Q(under_construction=True, actual_start__isnull=False),
            verdict=verdict_case(
                When(in_statistics=True, then=Value(OK)),
                When(
                    GreaterThanOrEqual(MONTHS_SINCE_START, Value(rules.statistics_red_months)),
                    then=Value(Colour.RED),
                ),
                When(
                    GreaterThanOrEqual(MONTHS_SINCE_START, Value(rules.statistics_yellow_months)),
                    then=Value(Colour.YELLOW),
                ),
                default=OK,
            ),
        ),
        Check(
            code="milestones",
            applies=Q(milestones_overdue__gt=0),
            verdict=verdict_case(
                When(milestone_overdue_days__gt=rules.milestone_red_days, then=Value(Colour.RED)),
                default=Colour.YELLOW,
            ),
        ),
        Check(
            code="reporting",
            applies=Q(under_construction=True)
            & (Q(actual_start__isnull=True) | Q(actual_start__lt=window_start)),
            verdict=verdict_case(When(silent, then=Value(Colour.RED)), default=OK),
        ),
    ]


COLOURED = Q(under_construction=True) | Q(new_start=True, started=False)


def verdicts(all_checks: list[Check]) -> dict[str, Expression]:
    """Layer 2: each check's verdict where it applies (blank where it does not, and for every
    check of a project that gets no colour)."""
    return {
        verdict_field(check.code): Case(
            When(COLOURED & check.applies, then=check.verdict),
            default=Value(NOT_APPLICABLE),
            output_field=CharField(),
        )
        for check in all_checks
    }


def outcome(all_checks: list[Check]) -> dict[str, Expression]:
    """Layer 3: the colour — the worst verdict — from the layer-2 verdicts."""

    def any_(verdict: str) -> Q:
        q = Q()
        for check in all_checks:
            q |= Q(check.is_(verdict))
        return q

    progress = all_checks[0]
    return {
        "colour": Case(
            When(~COLOURED, then=Value("")),
            When(any_(Colour.RED), then=Value(Colour.RED)),
            When(any_(Colour.YELLOW), then=Value(Colour.YELLOW)),
            When(progress.is_(Colour.GREEN), then=Value(Colour.GREEN)),
            default=Value(Colour.WHITE),
            output_field=CharField(),
        )
    }


def layers(rules: ColourRules, period: Period) -> list[dict[str, Expression]]:
    """The SQL expressions that turn a period's figures (projects.measures.FIGURE_COLUMNS) into
    its rates, numbers, verdicts and colour, in three layers: each layer reads the figures and
    the columns of the layers before it (by name), so nothing is computed twice per row."""
    all_checks = checks(rules, period)
    return [inputs(period), verdicts(all_checks), outcome(all_checks)]


# --- Wording: Python, from a status's stored numbers ------------------------------------------


def _progress(status, verdict: str) -> tuple[str, dict]:
    gap = Decimal(status.gap_points)
    reason = _("投资完成率 %(rate)s%%，时间进度 %(progress)s%%，%(direction)s %(gap)s 个百分点") % {
        "rate": number(Decimal(status.investment_rate) * 100),
        "progress": number(Decimal(status.time_progress) * 100),
        "direction": _("超前") if gap >= 0 else _("落后"),
        "gap": number(abs(gap)),
    }
    numbers = {
        "investment_rate": round(float(status.investment_rate), 6),
        "time_progress": round(float(status.time_progress), 6),
        "gap_points": round(float(gap), 2),
    }
    return reason, numbers


def _start(status, verdict: str) -> tuple[str, dict]:
    planned, months = cnmonth(status.planned_start), status.months_late
    if months < 0:
        reason = _("计划于 %(planned)s 开工") % {"planned": planned}
    elif months == 0:
        reason = _("计划于 %(planned)s 开工，尚未开工") % {"planned": planned}
    else:
        reason = _("计划于 %(planned)s 开工，至今未开工，已滞后 %(months)s 个月") % {
            "planned": planned,
            "months": months,
        }
    return reason, {"months_late": months}


def _statistics(status, verdict: str) -> tuple[str, dict]:
    start, months = cnmonth(status.actual_start), status.months_since_start
    if status.in_statistics:
        reason = _("已纳统")
    elif verdict != OK:  # past the months the rules allow
        reason = _("%(start)s 开工已 %(months)s 个月，尚未纳统") % {
            "start": start,
            "months": months,
        }
    else:
        reason = _("%(start)s 开工，尚未纳统") % {"start": start}
    return reason, {"months_since_start": months}


def _milestones(status, verdict: str) -> tuple[str, dict]:
    reason = _("%(count)s 个节点逾期未完成，最早的“%(name)s”已逾期 %(days)s 天") % {
        "count": status.milestones_overdue,
        "name": status.milestone_overdue_name,
        "days": status.milestone_overdue_days,
    }
    return reason, {"overdue": status.milestones_overdue, "days": status.milestone_overdue_days}


def _reporting(status, verdict: str) -> tuple[str, dict]:
    months = status.months_without_report
    if verdict == OK:
        reason = _("按月报送")
    elif months is None:
        since = report_lookback(Period(status.year, status.month), status.reporting_window or 1)
        reason = _("%(since)s以来未报送月度完成投资") % {"since": cnmonth(since)}
    else:
        reason = _("已连续 %(months)s 个月未报送月度完成投资") % {"months": months}
    return reason, {"months_without_report": months}


WORDING = {
    "progress": _progress,
    "start": _start,
    "statistics": _statistics,
    "milestones": _milestones,
    "reporting": _reporting,
}


@dataclass(frozen=True)
class CheckResult:
    """One applied check of a status: its verdict, the reason in words and its numbers."""

    check: str
    verdict: str
    reason: str
    numbers: dict

    @property
    def label(self) -> str:
        return str(CHECKS[self.check])


def results(status) -> list[CheckResult]:
    """The checks that applied to `status` (a ProjectStatus), in display order."""
    out = []
    for code in CHECKS:
        verdict = getattr(status, verdict_field(code))
        if verdict != NOT_APPLICABLE:
            reason, numbers = WORDING[code](status, verdict)
            out.append(CheckResult(check=code, verdict=verdict, reason=reason, numbers=numbers))
    return out


def reason(status) -> str:
    """Why `status` has its colour: the failing checks' reasons, red ones first; else the
    progress figures; else "正常推进…". Blank for a project without a colour."""
    if not status.colour:
        return ""
    applied = results(status)
    failing = [r for r in applied if r.verdict == Colour.RED]
    failing += [r for r in applied if r.verdict == Colour.YELLOW]
    if failing:
        return _("；").join(r.reason for r in failing)
    progress = next((r for r in applied if r.check == "progress"), None)
    if progress is not None:
        return progress.reason
    return _("正常推进：未发现进度滞后、逾期或漏报")


def checks_dict(status) -> dict:
    """`status`'s checks as {check: {verdict, reason, …numbers}} (JSON values), the checks that
    did not apply left out; {} for a project without a colour."""
    if not status.colour:
        return {}
    return {
        r.check: {"verdict": r.verdict, "reason": r.reason, **r.numbers} for r in results(status)
    }


def check_list(checks_json: dict | None) -> list[dict]:
    """A status's checks in display order, each with its code and label: for pages and letters."""
    checks_json = checks_json or {}
    return [
        {"check": code, "label": str(label), **checks_json[code]}
        for code, label in CHECKS.items()
        if code in checks_json
    ]
