"""Deadlines in Chinese working days: statutory holidays, adjusted working days (调休), the
admin table, and years nobody knows yet (provisional, 待确认)."""

import datetime as dt

import pytest

from supervision.models import HolidayOverride, HolidaySchedule
from supervision.workdays import Deadline, WorkCalendar, add_workdays, package_years

D = dt.date


def test_calendar_package_knows_2004_to_2026_and_not_2027():
    years = package_years()
    assert min(years) == 2004
    assert 2026 in years
    assert 2027 not in years


def test_five_working_days_across_national_day_end_on_the_adjusted_saturday():
    # Assigned Mon 28 Sep 2026: 29, 30 Sep; 1–7 Oct holiday; 8, 9 Oct; Sat 10 Oct is a working
    # day (调休) — the fifth.
    assert WorkCalendar().add_workdays(D(2026, 9, 28), 5) == Deadline(D(2026, 10, 10), False)


def test_adjusted_saturday_is_a_working_day_and_a_national_day_weekday_is_not():
    calendar = WorkCalendar()
    assert calendar.is_workday(D(2026, 10, 10))  # Saturday, 调休上班
    assert not calendar.is_workday(D(2026, 10, 7))  # Wednesday, 国庆
    assert not calendar.is_workday(D(2026, 10, 3))  # plain Saturday


def test_five_working_days_across_spring_festival():
    # Fri 13 Feb 2026: Sat 14 Feb is a working day (调休); 15–23 Feb holiday; then 24–27 Feb.
    assert WorkCalendar().add_workdays(D(2026, 2, 13), 5) == Deadline(D(2026, 2, 27), False)


def test_plain_week_counts_weekdays_only():
    # Mon 9 Nov 2026 + 5 → Mon 16 Nov (the weekend skipped).
    assert WorkCalendar().add_workdays(D(2026, 11, 9), 5) == Deadline(D(2026, 11, 16), False)


def test_unknown_year_uses_weekdays_and_fixed_holidays_and_is_provisional():
    # Wed 30 Dec 2026: Thu 31 Dec; Fri 1 Jan 2027 (fixed holiday); Mon 4 … Thu 7 Jan.
    deadline = WorkCalendar().add_workdays(D(2026, 12, 30), 5)
    assert deadline == Deadline(D(2027, 1, 7), True)


def test_a_deadline_inside_a_known_year_is_not_provisional_even_late_in_december():
    assert WorkCalendar().add_workdays(D(2026, 12, 21), 5).provisional is False


def test_fixed_date_holidays_of_an_unknown_year():
    calendar = WorkCalendar()
    assert calendar.day(D(2027, 10, 1)) == (False, True)  # Friday, 国庆 (fixed date)
    assert calendar.day(D(2027, 5, 3)) == (True, True)  # a Monday: unknown, counted as work
    assert calendar.day(D(2027, 5, 1)) == (False, True)  # Saturday anyway


@pytest.mark.django_db
def test_admin_override_wins_over_the_calendar_package():
    HolidayOverride.objects.create(date=D(2026, 10, 12), is_workday=False, name="台风停工")
    # 29, 30 Sep, 8, 9, 10 Oct as before; but asked for 6, Mon 12 Oct is now off → Tue 13.
    assert add_workdays(D(2026, 9, 28), 6) == Deadline(D(2026, 10, 13), False)


@pytest.mark.django_db
def test_a_loaded_schedule_makes_its_year_final():
    HolidaySchedule.objects.create(year=2027)
    HolidayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    HolidayOverride.objects.create(date=D(2027, 1, 4), is_workday=False, name="元旦")
    assert add_workdays(D(2026, 12, 30), 5) == Deadline(D(2027, 1, 8), False)


def test_workdays_between_counts_days_after_start_up_to_end():
    calendar = WorkCalendar()
    assert calendar.workdays_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert calendar.workdays_between(D(2026, 10, 10), D(2026, 10, 10)) == 0


def test_at_least_n_workdays_agrees_with_the_count():
    calendar = WorkCalendar()
    spans = [(D(2026, 9, 30), D(2026, 10, 8)), (D(2026, 10, 10), D(2026, 10, 10))]
    spans += [(D(2026, 9, 1), D(2026, 11, 30)), (D(2026, 12, 1), D(2026, 9, 1))]
    for start, end in spans:
        count = calendar.workdays_between(start, end)
        for n in range(0, count + 3):
            assert calendar.workdays_at_least(start, end, n) == (count >= n), (start, end, n)
