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
past its start in April). The checks are SQL expressions over the figures `projects.measures`
stores in `ProjectStatus`, so `projects.recompute` colours a whole period in the same statement
that writes it; each check's verdict, numbers and a reason worded for an official go into
`ProjectStatus.checks`, and the failing checks' reasons (red first) into `ProjectStatus.reason`:
"投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Expression,
    F,
    Func,
    IntegerField,
    JSONField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import (
    Abs,
    Cast,
    ExtractMonth,
    ExtractYear,
    JSONObject,
    Round,
    Substr,
)
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Colour
from .measures import Period, month_start, project_rates, report_lookback
from .models import ColourRules, ProjectStatus

CHECKS = {
    "progress": gettext_lazy("投资进度"),
    "start": gettext_lazy("按期开工"),
    "statistics": gettext_lazy("开工纳统"),
    "milestones": gettext_lazy("节点"),
    "reporting": gettext_lazy("月报"),
}
OK = "ok"  # a check that applies and finds nothing wrong (not a colour)


# --- SQL helpers (same expressions on SQLite and PostgreSQL) ----------------------------------


class Fixed1(Func):
    """A number as text with one decimal: 41.2."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"printf(%s, {sql})", ("%.1f", *params)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(round(({sql})::numeric, 1), 'FM999999999990.0')", params


class StripNulls(Func):
    """A JSON object without its null members (the checks that do not apply)."""

    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_patch('{{}}', {sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"jsonb_strip_nulls({sql})", params


class Join(Func):
    """Strings joined, NULL as empty: a flat `a || b || c` (Concat nests one level per piece,
    which overflows SQLite's parser on long messages)."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(expression_params)
        return "(" + " || ".join(parts) + ")", params


def text(expression) -> Cast:
    return Cast(expression, CharField())


def sql_format(template: str, **values) -> Expression:
    """A translated message with %(name)s placeholders as an SQL string expression."""
    parts = re.split(r"%\((\w+)\)s", str(template).replace("%%", "%"))
    pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(values[part])
        elif part:
            pieces.append(Value(part))
    if len(pieces) == 1:
        return pieces[0]
    return Join(*pieces)


def month_index(field: str):
    return ExtractYear(field) * 12 + ExtractMonth(field)


def month_text(field: str) -> Expression:
    return sql_format(_("%(y)s年%(m)s月"), y=text(ExtractYear(field)), m=text(ExtractMonth(field)))


def percent(expression) -> Expression:
    return Fixed1(expression * Value(Decimal(100)))


def verdict_case(*whens: When, default: str) -> Case:
    return Case(*whens, default=Value(default), output_field=CharField())


# --- The checks -------------------------------------------------------------------------------


class Column(Expression):
    """A column of the derived table the expressions read (aliased like ProjectStatus's table):
    a figure computed by an earlier layer that is not a model field."""

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


RATE_FIELDS = ("investment_rate", "investment_rate_original", "time_progress")
GAP = Column("gap_points", DecimalField())
MONTHS_LATE = Column("months_late", IntegerField())
MONTHS_SINCE_START = Column("months_since_start", IntegerField())


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
    """One check: where it applies, its verdict (ok/green/white/yellow/red) and reason there,
    and the numbers it used (over the figures and the layer-1 inputs)."""

    code: str
    applies: Q
    verdict: Expression
    reason: Expression
    numbers: dict

    @property
    def verdict_column(self) -> Column:
        return Column(f"v_{self.code}", CharField())

    @property
    def reason_column(self) -> Column:
        return Column(f"r_{self.code}", TextField())

    def is_(self, verdict: str) -> Exact:
        return Exact(self.verdict_column, Value(verdict))

    def applied(self) -> IsNull:
        return IsNull(self.verdict_column, False)

    def json(self) -> Case:
        return Case(
            When(
                self.applied(),
                then=JSONObject(
                    verdict=self.verdict_column, reason=self.reason_column, **self.numbers
                ),
            ),
            default=RawSQL("NULL", (), output_field=JSONField()),  # SQL NULL, not JSON null
            output_field=JSONField(),
        )


def checks(rules: ColourRules, period: Period) -> list[Check]:
    """The checks of DOMAIN.md with `rules`' thresholds, for `period`."""
    rate, progress = F("investment_rate"), F("time_progress")
    green, yellow, red = rules.green_min_points, rules.yellow_max_points, rules.red_over_points
    progress_check = Check(
        code="progress",
        applies=Q(under_construction=True, annual_plan__gt=0),
        verdict=verdict_case(
            When(GreaterThanOrEqual(GAP, Value(green)), then=Value(Colour.GREEN)),
            When(GreaterThan(GAP, Value(-yellow)), then=Value(Colour.WHITE)),
            When(GreaterThanOrEqual(GAP, Value(-red)), then=Value(Colour.YELLOW)),
            default=Colour.RED,
        ),
        reason=sql_format(
            _("投资完成率 %(rate)s%%，时间进度 %(progress)s%%，%(direction)s %(gap)s 个百分点"),
            rate=percent(rate),
            progress=percent(progress),
            direction=Case(
                When(GreaterThanOrEqual(GAP, Value(0)), then=Value(_("超前"))),
                default=Value(_("落后")),
                output_field=CharField(),
            ),
            gap=Fixed1(Abs(GAP)),
        ),
        numbers={
            "investment_rate": Round(rate, 6),
            "time_progress": Round(progress, 6),
            "gap_points": Round(GAP, 2),
        },
    )

    start_check = Check(
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
        reason=Case(
            When(
                LessThan(MONTHS_LATE, Value(0)),
                then=sql_format(_("计划于 %(planned)s 开工"), planned=month_text("planned_start")),
            ),
            When(
                Exact(MONTHS_LATE, Value(0)),
                then=sql_format(
                    _("计划于 %(planned)s 开工，尚未开工"), planned=month_text("planned_start")
                ),
            ),
            default=sql_format(
                _("计划于 %(planned)s 开工，至今未开工，已滞后 %(months)s 个月"),
                planned=month_text("planned_start"),
                months=text(MONTHS_LATE),
            ),
            output_field=TextField(),
        ),
        numbers={"months_late": MONTHS_LATE},
    )

    statistics_check = Check(
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
        reason=Case(
            When(in_statistics=True, then=Value(_("已纳统"))),
            When(
                GreaterThanOrEqual(MONTHS_SINCE_START, Value(rules.statistics_yellow_months)),
                then=sql_format(
                    _("%(start)s 开工已 %(months)s 个月，尚未纳统"),
                    start=month_text("actual_start"),
                    months=text(MONTHS_SINCE_START),
                ),
            ),
            default=sql_format(_("%(start)s 开工，尚未纳统"), start=month_text("actual_start")),
            output_field=TextField(),
        ),
        numbers={"months_since_start": MONTHS_SINCE_START},
    )

    milestone_check = Check(
        code="milestones",
        applies=Q(milestones_overdue__gt=0),
        verdict=verdict_case(
            When(milestone_overdue_days__gt=rules.milestone_red_days, then=Value(Colour.RED)),
            default=Colour.YELLOW,
        ),
        reason=sql_format(
            _("%(count)s 个节点逾期未完成，最早的“%(name)s”已逾期 %(days)s 天"),
            count=text(F("milestones_overdue")),
            name=F("milestone_overdue_name"),
            days=text(F("milestone_overdue_days")),
        ),
        numbers={"overdue": F("milestones_overdue"), "days": F("milestone_overdue_days")},
    )

    window = rules.reporting_red_months
    window_start = month_start(period.index - window + 1)
    since = report_lookback(period, window)
    silent = Q(months_without_report__isnull=True) | Q(months_without_report__gte=window)
    reporting_check = Check(
        code="reporting",
        applies=Q(under_construction=True)
        & (Q(actual_start__isnull=True) | Q(actual_start__lt=window_start)),
        verdict=verdict_case(When(silent, then=Value(Colour.RED)), default=OK),
        reason=Case(
            When(
                months_without_report__isnull=True,
                then=Value(
                    _("%(since)s以来未报送月度完成投资")
                    % {"since": _("%(y)s年%(m)s月") % {"y": since.year, "m": since.month}}
                ),
            ),
            When(
                months_without_report__gte=window,
                then=sql_format(
                    _("已连续 %(months)s 个月未报送月度完成投资"),
                    months=text(F("months_without_report")),
                ),
            ),
            default=Value(_("按月报送")),
            output_field=TextField(),
        ),
        numbers={"months_without_report": F("months_without_report")},
    )
    return [progress_check, start_check, statistics_check, milestone_check, reporting_check]


COLOURED = Q(under_construction=True) | Q(new_start=True, started=False)


def verdicts(all_checks: list[Check]) -> dict[str, Expression]:
    """Layer 2: each check's verdict and reason where it applies (NULL where it does not)."""
    layer = {}
    for check in all_checks:
        layer[check.verdict_column.name] = Case(
            When(check.applies, then=check.verdict), default=None, output_field=CharField()
        )
        layer[check.reason_column.name] = Case(
            When(check.applies, then=check.reason), default=None, output_field=TextField()
        )
    return layer


def outcome(all_checks: list[Check]) -> dict[str, Expression]:
    """Layer 3: the colour (worst verdict), the reason (failing checks, red first) and the
    checks as JSON, from the layer-2 verdicts."""
    progress_check = all_checks[0]

    def any_(verdict: str) -> Q:
        q = Q()
        for check in all_checks:
            q |= Q(check.is_(verdict))
        return q

    failing = [
        Case(
            When(check.is_(verdict), then=Join(Value("；"), check.reason_column)),
            default=Value(""),
            output_field=TextField(),
        )
        for verdict in (Colour.RED, Colour.YELLOW)
        for check in all_checks
    ]
    colour = Case(
        When(~COLOURED, then=Value("")),
        When(any_(Colour.RED), then=Value(Colour.RED)),
        When(any_(Colour.YELLOW), then=Value(Colour.YELLOW)),
        When(progress_check.is_(Colour.GREEN), then=Value(Colour.GREEN)),
        default=Value(Colour.WHITE),
        output_field=CharField(),
    )
    reason = Case(
        When(~COLOURED, then=Value("")),
        When(any_(Colour.RED) | any_(Colour.YELLOW), then=Substr(Join(*failing), 2)),
        When(progress_check.applied(), then=progress_check.reason_column),
        default=Value(_("正常推进：未发现进度滞后、逾期或漏报")),
        output_field=TextField(),
    )
    checks_json = StripNulls(JSONObject(**{check.code: check.json() for check in all_checks}))
    return {
        "colour": colour,
        "checks": Case(
            When(COLOURED, then=checks_json),
            default=Value({}, output_field=JSONField()),
            output_field=JSONField(),
        ),
        "reason": reason,
    }


def layers(rules: ColourRules, period: Period) -> list[dict[str, Expression]]:
    """The SQL expressions that turn a period's figures (projects.measures.FIGURE_COLUMNS) into
    its rates, colours, checks and reasons, in three layers: each layer reads the figures and
    the columns of the layers before it (by name), so nothing is computed twice per row."""
    all_checks = checks(rules, period)
    return [inputs(period), verdicts(all_checks), outcome(all_checks)]


def check_list(checks_json: dict | None) -> list[dict]:
    """A status's checks in display order, each with its code and label: for pages and letters."""
    checks_json = checks_json or {}
    return [
        {"check": code, "label": str(label), **checks_json[code]}
        for code, label in CHECKS.items()
        if code in checks_json
    ]
