"""Reading a holiday schedule file (the State Council's 节假日安排 of a year, or corrections).

UTF-8 CSV (a BOM is fine), one day per line: `date,type,name` — the header row is optional and
may be Chinese (`日期,类型,名称`); `type` is `holiday` / `workday` (or 休 / 班, 放假 / 上班);
lines starting with `#` are comments. Every day of a holiday is listed, weekends included, and
every adjusted working day (调休上班). See data/holidays/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .services import HolidayDay
from .workdays import package_years

HOLIDAY_WORDS = {"holiday", "休", "放假", "假", "节假日", "off"}
WORKDAY_WORDS = {"workday", "班", "上班", "调休上班", "work"}
HEADER_WORDS = {"date", "日期"}
# A full schedule of a year the calendar package does not know must at least contain these.
REQUIRED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (10, 1): "国庆节"}


@dataclass
class ParsedSchedule:
    days: list[HolidayDay] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({day.date.year for day in self.days})


def parse_schedule(content: bytes | str) -> ParsedSchedule:
    """Parses the file; every bad line is reported with its line number and reason."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParsedSchedule(errors=[_("文件不是 UTF-8 编码。")])
    result = ParsedSchedule()
    seen: dict[dt.date, int] = {}
    for line_no, row in enumerate(csv.reader(io.StringIO(content)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if line_no == 1 and cells[0].lower() in HEADER_WORDS:
            continue
        if len(cells) < 2:
            result.errors.append(_("第 %(n)s 行：应为“日期,类型,名称”三列。") % {"n": line_no})
            continue
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            result.errors.append(
                _("第 %(n)s 行：日期“%(v)s”格式不正确，应为 YYYY-MM-DD。")
                % {"n": line_no, "v": cells[0]}
            )
            continue
        kind = cells[1].lower()
        if kind in HOLIDAY_WORDS:
            is_workday = False
        elif kind in WORKDAY_WORDS:
            is_workday = True
        else:
            result.errors.append(
                _("第 %(n)s 行：类型“%(v)s”无法识别，应为 holiday（放假）或 workday（上班）。")
                % {"n": line_no, "v": cells[1]}
            )
            continue
        if day in seen:
            result.errors.append(
                _("第 %(n)s 行：日期 %(d)s 与第 %(m)s 行重复。")
                % {"n": line_no, "d": day, "m": seen[day]}
            )
            continue
        seen[day] = line_no
        name = cells[2] if len(cells) > 2 else ""
        result.days.append(HolidayDay(date=day, is_workday=is_workday, name=name[:50]))
    if not result.days and not result.errors:
        result.errors.append(_("文件中没有任何日期。"))
    return result


def completeness_errors(parsed: ParsedSchedule) -> list[str]:
    """For years the calendar package does not know, a full schedule must list the fixed-date
    holidays; otherwise the file is probably a partial correction (use --partial)."""
    errors = []
    holidays = {day.date for day in parsed.days if not day.is_workday}
    for year in parsed.years:
        if year in package_years():
            continue
        missing = [
            name
            for (month, day), name in REQUIRED_HOLIDAYS.items()
            if dt.date(year, month, day) not in holidays
        ]
        if missing:
            errors.append(
                _(
                    "%(y)s 年的安排不完整（缺少%(m)s），不能作为全年安排载入；"
                    "如仅为个别日期的修正，请加 --partial。"
                )
                % {"y": year, "m": "、".join(missing)}
            )
    return errors
