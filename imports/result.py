"""What an import returns: every error found (row, column, reason) or the counts of what it did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# progress(phase, done, total): phase is "read", "validate" or "write"; total may be None.
Progress = Callable[[str, int, int | None], None]

FILE_ROW = 0  # RowError.row for errors about the file or the whole import, not one row
HEADER_ROW = 1


@dataclass(frozen=True)
class RowError:
    """One problem: the row number as Excel shows it, the column header, the reason (Chinese)."""

    row: int
    column: str
    reason: str
    kind: str = ""  # machine-readable tag where a caller may act on it, e.g. "plan_revision"

    def __str__(self) -> str:
        if self.row == FILE_ROW:
            return f"【{self.column}】{self.reason}" if self.column else self.reason
        return _("第 %(row)s 行【%(column)s】%(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    """Errors (nothing was written if there is any) or the counts of what was written."""

    kind: str  # "ledger" or "reports"
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    counts: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, reason: str, kind: str = "") -> None:
        self.errors.append(RowError(row, column, str(reason), kind))

    def sorted_errors(self) -> list[RowError]:
        """By row; within a row, in the order found (which follows the columns)."""
        return sorted(self.errors, key=lambda e: e.row)

    def summary(self) -> str:
        c = self.counts
        if self.kind == "reports":
            return _("月报新增 %(new)s 条，更新 %(upd)s 条，未变 %(same)s 条。") % {
                "new": c["reports_created"],
                "upd": c["reports_updated"],
                "same": c["reports_unchanged"],
            }
        parts = [
            _("新增 %(new)s 个项目，更新 %(upd)s 个，未变 %(same)s 个")
            % {
                "new": c["projects_created"],
                "upd": c["projects_updated"],
                "same": c["projects_unchanged"],
            },
            _("月报新增 %(new)s 条，更新 %(upd)s 条，未变 %(same)s 条")
            % {
                "new": c["reports_created"],
                "upd": c["reports_updated"],
                "same": c["reports_unchanged"],
            },
            _("年度计划新增 %(new)s 个，更新 %(upd)s 个（其中调整 %(rev)s 个）")
            % {
                "new": c["plans_created"],
                "upd": c["plans_updated"],
                "rev": c["plans_revised"],
            },
            _("阶段变更 %(n)s 次") % {"n": c["stage_changes"]},
            _("责任人变更 %(n)s 项，新建人员 %(p)s 名，新建单位 %(u)s 个")
            % {"n": c["chain_assigned"], "p": c["people_created"], "u": c["units_created"]},
        ]
        return "；".join(parts) + "。"
