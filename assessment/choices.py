"""Choices of the assessment. Each knows its label and, where it has one, its colour, so the
pages, the API, the charts and the exports agree."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Colour(models.TextChoices):
    """四色管理, ordered from best to worst. The one palette of the product: pages (CSS
    generated from `css()`), charts, the meeting screen's themes and spreadsheet fills all take
    their colours from here."""

    GREEN = "green", _("绿")
    WHITE = "white", _("白")
    YELLOW = "yellow", _("黄")
    RED = "red", _("红")

    @property
    def severity(self) -> int:
        return {"green": 0, "white": 1, "yellow": 2, "red": 3}[self.value]

    @property
    def meaning(self) -> str:
        return str(
            {
                "green": _("超计划推进"),
                "white": _("正常推进"),
                "yellow": _("进度较慢"),
                "red": _("基本停滞"),
            }[self.value]
        )

    @property
    def hex(self) -> str:
        """On a white page and in charts."""
        return PALETTE[self.value][0]

    @property
    def tint(self) -> str:
        """A light fill behind text: spreadsheet cells, highlighted rows (RRGGBB)."""
        return PALETTE[self.value][1]

    @property
    def on_dark(self) -> str:
        """On the meeting screen's dark theme."""
        return PALETTE[self.value][2]

    @property
    def on_light(self) -> str:
        """On the meeting screen's light theme (projectors wash colours out)."""
        return PALETTE[self.value][3]

    @classmethod
    def css(cls) -> str:
        """The colours as CSS custom properties (`--green` …) for the pages (`:root`) and the
        meeting screen's themes (`[data-theme]`)."""

        def block(selector: str, pick: str) -> str:
            props = " ".join(f"--{c.value}: {getattr(c, pick)};" for c in cls)
            tints = " ".join(f"--{c.value}-tint: #{c.tint};" for c in cls)
            return f"{selector} {{ {props} {tints} }}"

        return "\n".join(
            [
                "/* Generated from assessment.choices.Colour: edit the palette there. */",
                block(":root", "hex"),
                f":root {{ --unrated: {UNRATED_HEX}; }}",
                block('[data-theme="dark"]', "on_dark"),
                block('[data-theme="light"]', "on_light"),
                "",
            ]
        )


# Projects counted in the portfolio but given no colour (not under construction nor due to
# start: ProjectSet.UNRATED), shown as a fifth, neutral segment wherever colours are counted.
UNRATED_HEX = "#8a9099"

# value: (page and chart, fill tint RRGGBB, screen dark theme, screen light theme)
PALETTE = {
    "green": ("#2e9d4f", "C6E7CF", "#3cc46b", "#1f8a45"),
    "white": ("#c9cdd4", "F2F3F5", "#e8e8e8", "#9aa3ad"),
    "yellow": ("#f0b400", "FCE8A6", "#f5c518", "#c99700"),
    "red": ("#d9342b", "F5C2BE", "#ff5a4f", "#c62828"),
}


class RankingScope(models.TextChoices):
    DISTRICT = "district", _("县市区")
    LEADER = "leader", _("包联领导")
    UNIT = "unit", _("责任单位")


class ProjectSet(models.TextChoices):
    """The sets of projects a period's measures count (DOMAIN.md's definitions), each as its
    conditions on the period's ProjectStatus rows: a measure's numerator or denominator, and
    the list behind a figure. `assessment.measures` counts with these conditions and the project
    list filters with them (`?set=`), so a figure and the list it opens count the same
    projects."""

    PORTFOLIO = "portfolio", _("本期重点项目")
    NEW_START_PLANNED = "new_start_planned", _("计划新开工")
    NEW_START_STARTED = "new_start_started", _("已新开工")
    FINISH_PLANNED = "finish_planned", _("计划当年竣工")
    FINISHED = "finished", _("已竣工")
    STARTED = "started", _("已开工")
    IN_STATISTICS = "in_statistics", _("已纳统")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    POOL = "pool_at_start", _("年初谋划储备")
    CONVERTED = "converted", _("年内落地转化")
    FOUR_NEW = "four_new", _("“四新”项目")
    UNRATED = "unrated", _("未评价（无四色）")

    @property
    def conditions(self) -> dict[str, object]:
        """Field lookups on ProjectStatus (every set is within the period's portfolio: the
        projects that have a status row for the period)."""
        conditions: dict[str, dict[str, object]] = {
            "portfolio": {},
            "new_start_planned": {"new_start": True},
            "new_start_started": {"new_start": True, "started": True},
            "finish_planned": {"planned_finish": True},
            "finished": {"planned_finish": True, "finished": True},
            "started": {"started": True},
            "in_statistics": {"started": True, "in_statistics": True},
            "under_construction": {"under_construction": True},
            "pool_at_start": {"pool_at_start": True},
            "converted": {"pool_at_start": True, "converted": True},
            "four_new": {"four_new": True},
            "unrated": {"colour": ""},
        }
        return conditions[self.value]

    @property
    def denominator(self) -> ProjectSet | None:
        """For a rate's numerator, the set it is divided by (开工率: 已新开工 / 计划新开工 …)."""
        pairs = {
            "new_start_started": ProjectSet.NEW_START_PLANNED,
            "finished": ProjectSet.FINISH_PLANNED,
            "in_statistics": ProjectSet.STARTED,
            "converted": ProjectSet.POOL,
        }
        return pairs.get(self.value)

    @property
    def rate_label(self) -> str | None:
        """The rate a numerator/denominator pair makes (开工率 …), for either set of the pair."""
        numerator = self if self.denominator else self.numerator
        if numerator is None:
            return None
        return str(
            {
                "new_start_started": _("开工率"),
                "finished": _("竣工率"),
                "in_statistics": _("纳统率"),
                "converted": _("落地转化率"),
            }[numerator.value]
        )

    @property
    def numerator(self) -> ProjectSet | None:
        """For a rate's denominator, the set divided by it."""
        return next((s for s in ProjectSet if s.denominator == self), None)


class AssessmentSubject(models.TextChoices):
    """Who an assessment ranks: the region's districts (县市区), or its own departments (市直部门:
    the units of kind 部门 of the region, ranked on the projects they are responsible for)."""

    DISTRICT = "district", _("县市区")
    DEPARTMENT = "department", _("市直部门")


class AssessmentKind(models.TextChoices):
    """The two assessments (考核) of a year, each of the statuses at its period's end."""

    HALF_YEAR = "half_year", _("半年考核")
    YEAR_END = "year_end", _("年终考核")

    @property
    def month(self) -> int:
        return 6 if self == AssessmentKind.HALF_YEAR else 12
