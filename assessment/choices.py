"""Choices of the assessment. Each knows its label and, where it has one, its colour, so the
pages, the API, the charts and the exports agree."""

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
                block('[data-theme="dark"]', "on_dark"),
                block('[data-theme="light"]', "on_light"),
                "",
            ]
        )


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
