"""The measures of DOMAIN.md, reproduced from data built to match the articles' own figures."""

import datetime as dt
from decimal import Decimal

import pytest

from assessment import measures
from assessment.measures import ratio
from assessment.models import ProjectStatus
from core.periods import Period
from projects.choices import Level, Stage
from projects.models import Category, Person, Unit
from tests.measures.conftest import (
    add_issues,
    assign_leader,
    build_project,
    compute,
    every_month,
    move_stage,
)

pytestmark = pytest.mark.django_db


def district_rows(regions, **kwargs):
    rows = measures.summary(
        projects_qs=None,
        year=kwargs.pop("year", 2024),
        month=kwargs.pop("month", 10),
        group_by="region",
        parent=regions["city"],
    )
    return {row["key"]: row for row in rows}


def level_rows(region, year=2024, month=10):
    rows = measures.summary(
        projects_qs=measures.projects_under(region), year=year, month=month, group_by="level"
    )
    return {row["key"]: row for row in rows}


def test_resolution_rate_is_196_of_222(regions):
    # Binzhou: "收集的222个项目问题，推送解决了196个，办结率达到了88.3%"
    project = build_project(regions["district"], plan="1000", reports=every_month("50"))
    add_issues(project, total=222, resolved=196)
    compute()
    row = district_rows(regions)["370202"]
    assert (row["issues"], row["issues_resolved"]) == (222, 196)
    assert round(row["resolution_rate"], 3) == Decimal("0.883")
    assert measures.row_json(row)["resolution_rate"] == pytest.approx(196 / 222, abs=1e-6)


def test_statistics_rate_is_34_of_44(regions):
    # Jiaozhou: "44个省市重点项目，已全部开工；34个项目已纳统，纳统率为77.3%"
    for n in range(44):
        build_project(
            regions["district"],
            level=Level.CITY,
            plan="100",
            in_statistics=n < 34,
            statistics_date=dt.date(2024, 3, 1) if n < 34 else None,
        )
    compute(year=2024, month=8)
    row = district_rows(regions, month=8)["370202"]
    assert (row["started"], row["in_statistics"]) == (44, 34)
    assert round(row["statistics_rate"], 3) == Decimal("0.773")


def test_level_rates_of_boshan_2020_are_ratios_of_sums(regions):
    # Boshan 2020: "省市区重大项目年度投资完成率分别达到185.9%、103.7%、106.5%"
    district = regions["district"]
    # two provincial projects at 250% and 143%: the mean would be 196.6%, the group's rate is
    # the ratio of the sums, 1859 / 1000.
    build_project(district, level=Level.PROVINCIAL, year=2020, plan="400", reports={12: "1000"})
    build_project(district, level=Level.PROVINCIAL, year=2020, plan="600", reports={12: "859"})
    build_project(district, level=Level.CITY, year=2020, plan="3000", reports={6: "3111"})
    build_project(district, level=Level.DISTRICT, year=2020, plan="2000", reports={3: "2130"})
    compute(year=2020, month=12, today=dt.date(2021, 1, 10))
    rows = level_rows(district, year=2020, month=12)
    assert list(rows) == ["provincial", "city", "district"]
    assert [round(rows[k]["investment_rate"], 3) for k in rows] == [
        Decimal("1.859"),
        Decimal("1.037"),
        Decimal("1.065"),
    ]
    assert rows["provincial"]["completed_ytd"] == Decimal("1859.00")
    assert rows["provincial"]["annual_plan"] == Decimal("1000.00")


def test_time_progress_of_january_to_october_is_83_3_percent_and_laiwu_levels_exceed_it(
    regions,
):
    # Laiwu 2024: "1-10月份，省、市、区重点项目投资完成率分别达到110.9%、91%、90.2%，均超过时间进度"
    district = regions["district"]
    build_project(district, level=Level.PROVINCIAL, plan="1000", reports={10: "1109"})
    build_project(district, level=Level.CITY, plan="1000", reports={10: "910"})
    build_project(district, level=Level.DISTRICT, plan="1000", reports={10: "902"})
    compute()
    rows = level_rows(district)
    for key, rate in (("provincial", "1.109"), ("city", "0.910"), ("district", "0.902")):
        assert rows[key]["investment_rate"] == Decimal(rate)
        assert round(rows[key]["time_progress"], 3) == Decimal("0.833")
        assert rows[key]["investment_rate"] > rows[key]["time_progress"]
    assert Period(2024, 10).label == "2024年1—10月"


def test_time_progress_follows_the_monthly_plan_where_a_project_has_one(regions):
    district = regions["district"]
    # planned: 60 a month in months 1..10 → 600 of 1200 planned by October = 50%
    build_project(district, plan="1200", monthly_plan=every_month("60"), reports={1: "600"})
    build_project(district, plan="1200", reports={1: "600"})  # no monthly plan: 10/12
    compute()
    statuses = ProjectStatus.objects.order_by("project_id")
    assert [s.time_progress for s in statuses] == [Decimal("0.5"), Decimal("0.833333")]
    # the group: (600 + 1200 × 10/12) / 2400 = 1600 / 2400
    row = district_rows(regions)["370202"]
    assert row["time_progress"] == Decimal(1600) / Decimal(2400)


def test_investment_rate_against_the_original_plan_shows_a_cut_plan(regions):
    # the plan was cut from 2000 to 1000: 90% of the current plan is 45% of the original one
    build_project(regions["district"], plan="1000", original="2000", reports={5: "900"})
    compute()
    row = district_rows(regions)["370202"]
    assert row["investment_rate"] == Decimal("0.9")
    assert row["investment_rate_original"] == Decimal("0.45")
    status = ProjectStatus.objects.get()
    assert (status.investment_rate, status.investment_rate_original) == (
        Decimal("0.9"),
        Decimal("0.45"),
    )


def test_rates_with_a_zero_denominator_are_null_never_zero(regions):
    build_project(regions["district"], plan="0", reports={})
    compute()
    rows = district_rows(regions)
    row = rows["370202"]
    for name in (
        "investment_rate",
        "start_rate",
        "finish_rate",
        "resolution_rate",
        "four_new_share",
        "conversion_rate",
    ):
        assert row[name] is None, name
    assert measures.row_json(row)["investment_rate"] is None
    # a district without any project is listed, with null rates and m/12 time progress
    empty = rows["370203"]
    assert empty["projects"] == 0
    assert empty["statistics_rate"] is None
    assert empty["time_progress"] == Decimal(10) / Decimal(12)
    assert ratio(5, 0) is None and ratio(5, None) is None


def test_start_and_finish_rates_count_dates_up_to_the_end_of_the_period(regions):
    district = regions["district"]
    build_project(district, new_start=True, plan="10", actual_start=dt.date(2024, 3, 5))
    build_project(district, new_start=True, plan="10", actual_start=dt.date(2024, 10, 31))
    build_project(
        district,
        new_start=True,
        plan="10",
        stage=Stage.SIGNED,
        actual_start=dt.date(2024, 11, 2),  # after the period
        planned_start=dt.date(2024, 9, 1),
    )
    build_project(district, planned_finish=True, plan="10", actual_completion=dt.date(2024, 9, 30))
    build_project(district, planned_finish=True, plan="10", actual_completion=None)
    compute()
    row = district_rows(regions)["370202"]
    assert (row["new_start_planned"], row["new_start_started"]) == (3, 2)
    assert row["start_rate"] == Decimal(2) / Decimal(3)
    assert (row["finish_planned"], row["finished"]) == (2, 1)
    assert row["finish_rate"] == Decimal("0.5")


def test_issues_are_counted_over_the_year_up_to_the_end_of_the_period(regions):
    project = build_project(regions["district"], plan="10", reports={1: "1"})
    add_issues(project, total=4, resolved=3, on_time=2)  # raised March 2024
    add_issues(project, total=5, resolved=5, year=2023)  # last year's: not counted
    compute(month=2)  # the 2024 issues were raised in March: none yet in 1–2月
    assert district_rows(regions, month=2)["370202"]["issues"] == 0
    compute()
    row = district_rows(regions)["370202"]
    assert (row["issues"], row["issues_resolved"], row["issues_on_time"]) == (4, 3, 2)
    assert row["on_time_rate"] == Decimal("0.5")
    compute(month=3)  # resolved in April: still open at the end of March
    assert district_rows(regions, month=3)["370202"]["issues_resolved"] == 0


def test_four_new_share_is_completed_investment_of_four_new_projects(regions):
    # Jiaozhou: "“四新”投资占比达65.7%"
    four_new = Category.objects.get(code="four_new")
    project = build_project(regions["district"], plan="1000", reports={8: "657"})
    project.categories.add(four_new)
    build_project(regions["district"], plan="1000", reports={8: "343"})
    compute(month=8)
    row = district_rows(regions, month=8)["370202"]
    assert row["four_new_completed"] == Decimal("657.00")
    assert row["four_new_share"] == Decimal("0.657")


def test_conversion_rate_counts_pool_projects_that_started_this_year(regions):
    district = regions["district"]
    pool = []
    for _n in range(3):
        project = build_project(district, stage=Stage.CONCEIVED, actual_start=None)
        move_stage(project, to_stage=Stage.CONCEIVED, on=dt.date(2023, 5, 1))
        pool.append(project)
    move_stage(
        pool[0], to_stage=Stage.CONSTRUCTION, on=dt.date(2024, 5, 10), from_stage="conceived"
    )
    move_stage(
        pool[1], to_stage=Stage.CONSTRUCTION, on=dt.date(2024, 11, 3), from_stage="conceived"
    )
    newcomer = build_project(district, stage=Stage.CONCEIVED, actual_start=None)
    move_stage(newcomer, to_stage=Stage.CONCEIVED, on=dt.date(2024, 2, 1))  # not in the pool
    compute()
    row = district_rows(regions)["370202"]
    assert (row["pool_at_start"], row["converted"]) == (3, 1)
    assert row["conversion_rate"] == Decimal(1) / Decimal(3)


def test_leader_of_a_period_is_the_one_holding_the_role_at_its_end(regions):
    district = regions["district"]
    wang = Person.objects.create(name="王副区长", region=district)
    li = Person.objects.create(name="李副区长", region=district)
    project = build_project(district, plan="100", reports={1: "50"})
    assign_leader(project, wang, start=dt.date(2024, 1, 1), end=dt.date(2024, 10, 15))
    assign_leader(project, li, start=dt.date(2024, 10, 15))
    compute(month=9)
    compute(month=10)
    september = measures.summary(
        projects_qs=None, year=2024, month=9, group_by="leader", parent=None
    )
    october = measures.summary(
        projects_qs=None, year=2024, month=10, group_by="leader", parent=None
    )
    assert [(r["key"], r["name"]) for r in september] == [(str(wang.pk), "王副区长")]
    assert [(r["key"], r["name"]) for r in october] == [(str(li.pk), "李副区长")]


def test_grouping_by_category_counts_a_project_in_each_of_its_categories(regions):
    project = build_project(regions["district"], plan="100", reports={1: "40"})
    project.categories.add(*Category.objects.filter(code__in=["four_new", "manufacturing"]))
    rows = {
        r["key"]: r
        for r in (
            compute()
            and measures.summary(projects_qs=None, year=2024, month=10, group_by="category")
        )
    }
    assert rows["four_new"]["projects"] == rows["manufacturing"]["projects"] == 1
    assert rows["livelihood"]["projects"] == 0
    assert rows["four_new"]["investment_rate"] == Decimal("0.4")


def test_grouping_by_unit(regions):
    unit = Unit.objects.create(name="市南区发展和改革局", region=regions["district"])
    build_project(regions["district"], plan="100", reports={1: "30"}, unit=unit)
    build_project(regions["district"], plan="100", reports={1: "50"}, unit=unit)
    compute()
    rows = measures.summary(projects_qs=None, year=2024, month=10, group_by="unit")
    assert [(r["key"], r["name"], r["projects"]) for r in rows] == [
        (str(unit.pk), "市南区发展和改革局", 2)
    ]
    assert rows[0]["investment_rate"] == Decimal("0.4")


def test_summary_of_a_province_groups_projects_by_city_prefix(regions):
    build_project(regions["district"], plan="100", reports={1: "10"})
    build_project(regions["other"], plan="100", reports={1: "30"})
    build_project(regions["other_city_district"], plan="100", reports={1: "90"})
    compute()
    rows = measures.summary(
        projects_qs=None, year=2024, month=10, group_by="region", parent=regions["province"]
    )
    by_key = {r["key"]: r for r in rows}
    assert by_key["370200"]["investment_rate"] == Decimal("0.2")  # 40 / 200
    assert by_key["370100"]["investment_rate"] == Decimal("0.9")


@pytest.mark.parametrize("group_by", ["region", "level", "leader", "unit", "category"])
def test_the_total_of_a_summary_equals_the_total_of_its_projects(regions, group_by):
    # summary_with_total sums the groups' sums (one query) where the grouping partitions the
    # rows; it must give exactly what measures.total computes on its own
    unit = Unit.objects.create(name="市南区发展和改革局", region=regions["district"])
    leader = Person.objects.create(name="王副区长", region=regions["district"])
    first = build_project(regions["district"], plan="300", reports={1: "100"}, unit=unit)
    assign_leader(first, leader, start=dt.date(2024, 1, 1))
    first.categories.add(*Category.objects.filter(code__in=["four_new", "manufacturing"]))
    build_project(regions["district"], plan="100", reports={2: "20"}, new_start=True)
    build_project(regions["other"], plan="200", reports={3: "250"}, planned_finish=True)
    build_project(regions["other"], stage=Stage.RESERVE, actual_start=None)  # no plan, no key
    compute()
    rows, total = measures.summary_with_total(
        projects_qs=None, year=2024, month=10, group_by=group_by, parent=regions["city"]
    )
    expected = measures.total(projects_qs=None, year=2024, month=10, within=regions["city"])
    assert total == expected
    assert total["projects"] == 4 and total["investment_rate"] == Decimal("370") / 600
    assert rows == measures.summary(
        projects_qs=None, year=2024, month=10, group_by=group_by, parent=regions["city"]
    )


def test_a_district_keeps_the_projects_it_had_in_a_period_after_one_moves(regions):
    # "Region … kept as they were for the period": a project moved from 市南区 to 市北区 in
    # November still counts in 市南区's October figures and ranking, and not in 市北区's
    project = build_project(regions["district"], plan="100", reports={10: "80"})
    build_project(regions["other"], plan="100", reports={10: "10"})
    compute()
    project.region = regions["other"]
    project.save()
    rows = district_rows(regions)
    assert rows["370202"]["projects"] == 1 and rows["370202"]["completed_ytd"] == Decimal("80")
    assert rows["370203"]["projects"] == 1 and rows["370203"]["completed_ytd"] == Decimal("10")


def test_withdrawn_projects_leave_the_portfolio_from_their_withdrawal(regions):
    project = build_project(regions["district"], plan="100", reports={1: "10"})
    project.stage = Stage.WITHDRAWN
    project.save()
    move_stage(project, to_stage=Stage.WITHDRAWN, on=dt.date(2024, 9, 20))
    compute(month=8)
    compute(month=9)
    assert ProjectStatus.objects.filter(month=8).count() == 1
    assert ProjectStatus.objects.filter(month=9).count() == 0


@pytest.mark.parametrize(
    "text", ["2024-13", "2024/10", "24-10", "", "abcd-ef", "1999-01", "2024-1"]
)
def test_bad_periods_are_refused_with_a_readable_message(text):
    with pytest.raises(ValueError, match=r"期间|年份|月份"):
        Period.parse(text)


def test_period_arithmetic():
    assert Period.parse("2024-01") == Period(2024, 1)
    assert Period(2024, 1).previous() == Period(2023, 12)
    assert Period(2024, 3).shifted(-3) == Period(2023, 12)
    assert Period(2024, 2).end == dt.date(2024, 2, 29)
    assert Period.latest_complete(dt.date(2025, 1, 3)) == Period(2024, 12)
