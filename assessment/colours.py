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

Two halves:
- **Deciding** is SQL: `layers()` are expressions over the figures `projects.measures` computes,
  so `projects.recompute` colours a whole period in the statement that writes it. Each check's
  verdict (`ok`, a colour, or blank where it does not apply) and the numbers it compared
  (rates and gap, months late, months since the start, overdue milestones, months without a
  report) are stored as columns of `ProjectStatus`, with the colour.
- **Wording** is Python, at the edge: `assessment.reasons` words each check's verdict for an
  official from those stored numbers, in the reader's language.
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

from core.periods import Period, month_start

from .choices import Colour
from .measures import project_rates
from .models import ColourRules, ProjectStatus
from .reasons import NOT_APPLICABLE, OK, verdict_field

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

    def as_sql(self, compiler, connection):  # noqa: ARG002  (Django's expression API)
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
