"""Chinese working days (工作日): statutory holidays and adjusted working days (调休).

Where a day's status comes from, in order:
1. `HolidayOverride` — the admin table, filled by `load_holidays FILE.csv` with the State
   Council's schedule of a new year, or by hand to correct any day;
2. the `chinesecalendar` package, for the years it knows (2004–2026 in version 1.11);
3. for a year neither knows: Monday–Friday minus the fixed-date holidays (1 Jan, 1 May,
   1–3 Oct). Such a date is *provisional* (待确认) unless the year's full schedule has been
   loaded (`HolidaySchedule`), and deadlines computed through it are recomputed when it is
   (`services.deadlines_recompute`).

Never an error for an unknown year (work must not stop), never a silent guess: every result
says whether it is provisional.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import NamedTuple

import chinese_calendar
from django.conf import settings

from projects.models import ReportingRule, ReportingWindow

from .models import HolidayOverride, HolidaySchedule

FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}
# A safety stop: no deadline is more than this many calendar days away per working day asked.
_MAX_SPAN_PER_DAY = 30


class Deadline(NamedTuple):
    date: dt.date
    provisional: bool


@cache
def package_years() -> frozenset[int]:
    """The years the installed chinesecalendar package has data for."""
    return frozenset(day.year for day in chinese_calendar.holidays)


class WorkCalendar:
    """A snapshot of the calendar (overrides and loaded years) for a batch of computations.

    Build it with `WorkCalendar.load()` (two small queries) or, in tests, with explicit data.
    """

    def __init__(
        self,
        overrides: dict[dt.date, bool] | None = None,
        schedule_years: set[int] | frozenset[int] = frozenset(),
    ):
        self.overrides = dict(overrides or {})
        self.schedule_years = frozenset(schedule_years)

    @classmethod
    def load(cls) -> WorkCalendar:
        overrides = dict(HolidayOverride.objects.values_list("date", "is_workday"))
        years = set(HolidaySchedule.objects.values_list("year", flat=True))
        return cls(overrides, years)

    def knows(self, year: int) -> bool:
        """True if the year's schedule is authoritative (package or a loaded schedule)."""
        return year in self.schedule_years or year in package_years()

    def day(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, provisional)."""
        if day in self.overrides:
            return self.overrides[day], False
        if day.year in package_years():
            return chinese_calendar.is_workday(day), False
        weekday = day.weekday() < 5
        if day.year in self.schedule_years:
            return weekday, False
        return weekday and (day.month, day.day) not in FIXED_HOLIDAYS, True

    def is_workday(self, day: dt.date) -> bool:
        return self.day(day)[0]

    def add_workdays(self, start: dt.date, count: int) -> Deadline:
        """The `count`-th working day after `start` (start itself not counted): a deadline of
        5 working days set on Monday 28 Sep 2026 is Saturday 10 Oct 2026 (调休)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day, found, provisional = start, 0, False
        limit = start + dt.timedelta(days=_MAX_SPAN_PER_DAY * count)
        while found < count:
            day += dt.timedelta(days=1)
            if day > limit:  # pragma: no cover - only with a corrupted override table
                raise ValueError(f"no {count} working days within {limit - start} after {start}")
            working, uncertain = self.day(day)
            provisional = provisional or uncertain
            if working:
                found += 1
        return Deadline(day, provisional)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many working days `end` lies after `start`."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count

    def workdays_at_least(self, start: dt.date, end: dt.date, n: int) -> bool:
        """`workdays_between(start, end) >= n`, counting no further than n (the overdue job
        asks it of every overdue issue, most of them long overdue)."""
        count, day = 0, start
        while count < n and day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count >= n


def add_workdays(start: dt.date, count: int) -> Deadline:
    """Convenience: `WorkCalendar.load().add_workdays(start, count)`."""
    return WorkCalendar.load().add_workdays(start, count)


def reporting_closes(year: int, month: int, calendar: WorkCalendar | None = None) -> dt.date:
    """The last day of a month's reporting window (DOMAIN.md: districts enter the previous
    month "within the first working days of the month"): the REPORTING_WINDOW_WORKDAYS-th
    working day of the next month. From the day after, the month counts as fully reported."""
    calendar = calendar or WorkCalendar.load()
    last_day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return calendar.add_workdays(last_day, settings.REPORTING_WINDOW_WORKDAYS).date


class Window(NamedTuple):
    opens: dt.date
    closes: dt.date
    explicit: bool


def reporting_window(year: int, month: int, calendar: WorkCalendar | None = None) -> Window:
    """The days a district enters the month (year, month): an explicit `ReportingWindow` row of
    that month, else the `ReportingRule` — the opens_workday-th to the closes_workday-th working
    day of the next month (调休 included)."""
    row = ReportingWindow.objects.filter(year=year, month=month).first()
    if row is not None:
        return Window(row.opens, row.closes, True)
    rule = ReportingRule.current()
    calendar = calendar or WorkCalendar.load()
    last_day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return Window(
        calendar.add_workdays(last_day, rule.opens_workday).date,
        calendar.add_workdays(last_day, rule.closes_workday).date,
        False,
    )


def reporting_window_closes(year: int, month: int) -> dt.date:
    """Registered with `projects.cycle` (the late check)."""
    return reporting_window(year, month).closes
