"""Why a project has its colour, in words — the wording half of the four-colour checks
(`assessment.colours` decides them in SQL).

`results()` words each applied check's verdict from the numbers stored with the status (with
the formatting the pages use, `core.formatting`), in the reader's language; `reason()` joins the
failing ones, red first: "投资完成率 41.2%，时间进度 83.3%，落后 42.1 个百分点". The wording
reads only stored values, so a period's reasons never change afterwards. Pure: no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import cnmonth, number
from core.periods import Period

from .choices import Colour

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


def _progress(status, verdict: str) -> tuple[str, dict]:  # noqa: ARG001  (one signature for all)
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


def _start(status, verdict: str) -> tuple[str, dict]:  # noqa: ARG001  (one signature for all)
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


def _milestones(status, verdict: str) -> tuple[str, dict]:  # noqa: ARG001  (one signature for all)
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
        since = Period(status.year, status.month).lookback_start(status.reporting_window or 1)
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
