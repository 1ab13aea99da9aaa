"""Plausibility checks of a monthly report at entry (合理性检查) — the one place of these rules.

The sheet, the upload and the API call `check()` before they write; what it finds are warnings
the user must confirm (the report then records them and who confirmed), not refusals: a negative
amount or one beyond the money range is refused by the field itself. Thresholds are in
`PlausibilitySettings` (admin); a threshold of 0 switches its check off.

Rules, for an amount A of project P in month M of year Y:
- `above_remaining_plan`: A > N × (annual plan of Y − completed in Y before M) (plan set);
- `above_total`: A > P's total investment (when it is set);
- `absurd`: A > the configured absolute ceiling (a unit slip: 元 typed as 万元);
- `repeated`: A ≠ 0 and the N − 1 months before M carry exactly A (a copied figure);
- `december_spike`: M = 12 and A > N × the average of January–November of Y (年底突击);
- `not_started`: A > 0 while P's stage is before 在建 (not started).

`check()` is set-wise: three queries whatever the number of entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from core.formatting import wan

from .choices import Stage
from .models import MonthlyReport, PlausibilitySettings, Project, ProjectYear


@dataclass(frozen=True)
class Entry:
    """One amount to check: the project, the month and the amount entered."""

    project: Project
    year: int
    month: int
    amount: Decimal


@dataclass(frozen=True)
class PlausibilityWarning:
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def check(entries: Sequence[Entry]) -> dict[int, list[PlausibilityWarning]]:
    """The warnings of each entry (by its index; entries without any are absent)."""
    if not entries:
        return {}
    rules = PlausibilitySettings.current()
    ids = {entry.project.pk for entry in entries}
    years = {entry.year for entry in entries}
    plans: dict[tuple[int, int], Decimal | None] = dict(
        ((pid, year), plan)
        for pid, year, plan in ProjectYear.objects.filter(
            project_id__in=ids, year__in=years
        ).values_list("project_id", "year", "annual_plan")
    )
    # every month of the years concerned and of the year before (the run of equal months)
    window = Q(year__in=years) | Q(year__in={year - 1 for year in years})
    amounts: dict[int, dict[tuple[int, int], Decimal]] = defaultdict(dict)
    for pid, year, month, amount in (
        MonthlyReport.objects.filter(window, project_id__in=ids)
        .order_by()
        .values_list("project_id", "year", "month", "completed_investment")
    ):
        amounts[pid][(year, month)] = amount
    found: dict[int, list[PlausibilityWarning]] = {}
    for index, entry in enumerate(entries):
        warnings = _check_one(entry, rules, plans, amounts[entry.project.pk])
        if warnings:
            found[index] = warnings
    return found


def _check_one(  # noqa: C901  (the rules one after another, as the docstring lists them)
    entry: Entry,
    rules: PlausibilitySettings,
    plans: dict[tuple[int, int], Decimal | None],
    months: dict[tuple[int, int], Decimal],
) -> list[PlausibilityWarning]:
    amount, project = entry.amount, entry.project
    out: list[PlausibilityWarning] = []
    if amount <= 0:
        return out
    before = sum(
        (a for (y, m), a in months.items() if y == entry.year and m < entry.month), Decimal(0)
    )
    plan = plans.get((project.pk, entry.year))
    if rules.plan_multiple and plan:
        remaining = max(plan - before, Decimal(0))
        if amount > rules.plan_multiple * remaining:
            out.append(
                PlausibilityWarning(
                    "above_remaining_plan",
                    _(
                        "本月 %(a)s 万元超过剩余年度计划 %(r)s 万元的 %(n)s 倍"
                        "（年度计划 %(p)s 万元，本年已完成 %(b)s 万元）"
                    )
                    % {
                        "a": wan(amount),
                        "r": wan(remaining),
                        "n": _number(rules.plan_multiple),
                        "p": wan(plan),
                        "b": wan(before),
                    },
                )
            )
    if project.total_investment and amount > project.total_investment:
        out.append(
            PlausibilityWarning(
                "above_total",
                _("本月 %(a)s 万元超过项目总投资 %(t)s 万元")
                % {"a": wan(amount), "t": wan(project.total_investment)},
            )
        )
    if rules.absurd_amount and amount > rules.absurd_amount:
        out.append(
            PlausibilityWarning(
                "absurd",
                _("本月 %(a)s 万元超过单月上限 %(m)s 万元，请检查单位是否为万元")
                % {"a": wan(amount), "m": wan(rules.absurd_amount)},
            )
        )
    if rules.repeat_months > 1:
        y, m, same = entry.year, entry.month, 1
        for _step in range(rules.repeat_months - 1):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            if months.get((y, m)) != amount:
                break
            same += 1
        if same >= rules.repeat_months:
            out.append(
                PlausibilityWarning(
                    "repeated",
                    _("已连续 %(n)s 个月填报相同金额 %(a)s 万元，请核实是否照抄上月")
                    % {"n": same, "a": wan(amount)},
                )
            )
    if entry.month == 12 and rules.december_multiple:
        average = (
            sum(
                (a for (y, m), a in months.items() if y == entry.year and m < 12),
                Decimal(0),
            )
            / 11
        )
        if average > 0 and amount > rules.december_multiple * average:
            out.append(
                PlausibilityWarning(
                    "december_spike",
                    _("12 月 %(a)s 万元超过 1—11 月月均 %(v)s 万元的 %(n)s 倍（年底突击？）")
                    % {
                        "a": wan(amount),
                        "v": wan(average.quantize(Decimal("0.01"))),
                        "n": _number(rules.december_multiple),
                    },
                )
            )
    if project.stage not in Stage.started() and project.stage != Stage.WITHDRAWN:
        out.append(
            PlausibilityWarning(
                "not_started",
                _("项目尚未开工（当前阶段：%(s)s），却填报了完成投资")
                % {"s": Stage(project.stage).label},
            )
        )
    return out


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def messages(warnings: Sequence[PlausibilityWarning]) -> list[str]:
    return [w.message for w in warnings]
