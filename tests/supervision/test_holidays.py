"""A year nobody knows yet: the deadline is provisional (待确认) and is recomputed when the year's
schedule is loaded (`load_holidays`), all or nothing, with every bad line reported."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from supervision.choices import IssueStatus
from supervision.models import HolidayOverride, HolidaySchedule, Issue
from supervision.workflow import RECOMPUTE_DEADLINE

pytestmark = pytest.mark.django_db

# A schedule for 2027 made up for the tests (NOT the State Council's: it had not been published
# when this was written). It differs from the provisional rule on Mon 4 Jan, which it gives off.
TEST_2027 = """日期,类型,名称
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-04,holiday,元旦
2027-01-09,workday,元旦
2027-05-01,holiday,劳动节
2027-10-01,holiday,国庆节
2027-10-02,holiday,国庆节
2027-10-03,holiday,国庆节
"""


@pytest.fixture
def december(clock):
    clock.move_to(dt.datetime(2026, 12, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    return clock


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    path = tmp_path / "2027.csv"
    path.write_text(TEST_2027, encoding="utf-8-sig")
    return path


def test_deadline_running_into_an_unknown_year_is_provisional(
    december, make_issue, api, city_official
):
    issue = make_issue(IssueStatus.ASSIGNED)
    assert issue.deadline == dt.date(2027, 1, 7)
    assert issue.deadline_provisional is True
    data = api(city_official).get(f"/api/v1/issues/{issue.pk}/").json()
    assert (data["deadline"], data["deadline_provisional"]) == ("2027-01-07", True)


def test_loading_the_year_recomputes_provisional_deadlines(
    december, make_issue, schedule_file, api, city_official
):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    assert (issue.deadline, issue.deadline_provisional) == (dt.date(2027, 1, 7), True)

    call_command("load_holidays", str(schedule_file), stdout=None)

    issue.refresh_from_db()
    # 31 Dec; 1–4 Jan off; 5, 6, 7, 8 Jan → Fri 8 Jan, final.
    assert (issue.deadline, issue.deadline_provisional) == (dt.date(2027, 1, 8), False)
    row = issue.transitions.get(action=RECOMPUTE_DEADLINE)
    assert row.from_status == row.to_status == IssueStatus.IN_PROGRESS
    assert row.details["previous_deadline"] == "2027-01-07"
    assert row.details["deadline"] == "2027-01-08"
    assert HolidaySchedule.objects.filter(year=2027).exists()
    data = api(city_official).get(f"/api/v1/issues/{issue.pk}/").json()
    assert (data["deadline"], data["deadline_provisional"]) == ("2027-01-08", False)


def test_loading_twice_changes_nothing_the_second_time(december, make_issue, schedule_file):
    issue = make_issue(IssueStatus.ASSIGNED)
    call_command("load_holidays", str(schedule_file))
    call_command("load_holidays", str(schedule_file))
    assert HolidayOverride.objects.filter(year=2027).count() == 9
    assert issue.transitions.filter(action=RECOMPUTE_DEADLINE).count() == 1


def test_closed_issues_keep_their_deadline(december, make_issue, schedule_file):
    issue = make_issue(IssueStatus.CLOSED)
    before = (issue.deadline, issue.deadline_provisional)
    call_command("load_holidays", str(schedule_file))
    issue.refresh_from_db()
    assert (issue.deadline, issue.deadline_provisional) == before


def test_bad_lines_are_all_reported_and_nothing_is_written(december, make_issue, tmp_path, capsys):
    issue = make_issue(IssueStatus.ASSIGNED)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,type,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-01-09,上课,y\n"
        "2027-01-01,workday,重复\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("load_holidays", str(bad))
    err = capsys.readouterr().err
    assert "第 3 行" in err and "2027-13-01" in err
    assert "第 4 行" in err and "上课" in err
    assert "第 5 行" in err and "重复" in err
    assert not HolidayOverride.objects.exists()
    assert not HolidaySchedule.objects.exists()
    issue.refresh_from_db()
    assert issue.deadline_provisional is True


def test_an_incomplete_year_is_not_taken_for_a_schedule(december, tmp_path, capsys):
    partial = tmp_path / "fix.csv"
    partial.write_text("2027-01-04,holiday,元旦补休\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_holidays", str(partial))
    assert "--partial" in capsys.readouterr().err
    assert not HolidayOverride.objects.exists()


def test_a_partial_correction_is_loaded_but_keeps_the_year_provisional(
    december, make_issue, tmp_path
):
    issue = make_issue(IssueStatus.ASSIGNED)
    partial = tmp_path / "fix.csv"
    partial.write_text("2027-01-04,holiday,元旦补休\n", encoding="utf-8")
    call_command("load_holidays", str(partial), "--partial")
    issue.refresh_from_db()
    assert (issue.deadline, issue.deadline_provisional) == (dt.date(2027, 1, 8), True)
    assert not HolidaySchedule.objects.exists()


def test_correcting_a_day_of_a_known_year_moves_the_deadlines_it_touches(
    clock, make_issue, tmp_path
):
    issue = make_issue(IssueStatus.ASSIGNED)
    assert issue.deadline == dt.date(2026, 10, 10)
    fix = tmp_path / "fix.csv"
    fix.write_text("2026-10-09,holiday,台风停工\n", encoding="utf-8")
    call_command("load_holidays", str(fix), "--partial")
    issue.refresh_from_db()
    assert issue.deadline == dt.date(2026, 10, 12)


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("load_holidays", "/nonexistent/2027.csv")


def test_explicit_deadlines_are_not_recomputed(december, make_issue, schedule_file, unit):
    from supervision import services
    from supervision.workflow import Action

    issue = make_issue()
    issue = services.issue_transition(
        issue=issue, action=Action.ASSIGN, unit=unit, deadline=dt.date(2027, 1, 4)
    )
    call_command("load_holidays", str(schedule_file))
    assert Issue.objects.get(pk=issue.pk).deadline == dt.date(2027, 1, 4)


def test_the_shipped_2026_file_agrees_with_the_calendar_package():
    from django.conf import settings

    from supervision.holidays import parse_schedule
    from supervision.workdays import WorkCalendar

    parsed = parse_schedule((Path(settings.BASE_DIR) / "data/holidays/2026.csv").read_bytes())
    assert parsed.errors == []
    package = WorkCalendar()
    assert len(parsed.days) == 39
    for day in parsed.days:
        assert package.is_workday(day.date) == day.is_workday, day
