"""The stored year-end forecast (issue #17): written by the recompute, known answers, the naive
fallback saying so, ratios of sums for groups, no future data, the early warnings, and the
/api/v1/forecast/ endpoint (scoping, 400s, constant queries) and `forecast_rate` on projects."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from assessment import backtest, forecast
from assessment.models import ProjectForecast
from assessment.recompute import recompute_period, recompute_projects
from core.periods import Period
from projects.choices import Level, Stage
from projects.models import MonthlyReport, Project, ProjectYear

pytestmark = pytest.mark.django_db

# the shape every project follows: 30 % by June, the rest later (a year-end rush)
SHAPE = [D(x) for x in ("2", "3", "5", "5", "7", "8", "8", "8", "9", "10", "15", "20")]  # Σ 100


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2025, 1, 20, 10, 0), tick=False):
        yield


def _project(region, code, *, level=Level.CITY) -> Project:
    return Project.objects.create(
        code=code,
        name=f"项目{code}",
        region=region,
        level=level,
        stage=Stage.CONSTRUCTION,
        total_investment=D("100000"),
        planned_start=dt.date(2020, 3, 1),
        actual_start=dt.date(2020, 3, 1),
    )


def _year(project, year, plan, scale, months=range(1, 13), shape=SHAPE):
    ProjectYear.objects.create(project=project, year=year, annual_plan=plan, original_plan=plan)
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            project=project, year=year, month=m, completed_investment=shape[m - 1] * scale
        )
        for m in months
    )


@pytest.fixture
def shaped(regions):
    """Two projects per district following SHAPE exactly in 2022, 2023 and 2024 (at
    different sizes), 2024 computed for June."""
    made = {}
    for key, region in (("a", regions["district"]), ("b", regions["other"])):
        for i, scale in enumerate((D("10"), D("4"))):
            p = _project(region, f"{key}{i}")
            for year in (2022, 2023):
                _year(p, year, D("1000"), scale * (1 + (year - 2022)))
            _year(p, 2024, D("1200") if i else D("800"), scale, months=range(1, 7))
            made[f"{key}{i}"] = p
    recompute_period(year=2024, month=6)
    return made


def _row(project, month=6):
    return ProjectForecast.objects.get(project=project, year=2024, month=month)


def test_a_project_following_the_seasonal_shape_is_forecast_exactly(shaped):
    row = _row(shaped["a0"])
    assert row.method == forecast.SEASONAL
    assert row.share == D("0.3")  # 2+3+5+5+7+8 of 100
    assert row.completed_ytd == D("300")  # 30 × 10
    assert row.forecast_completed == D("1000.00")  # the year it will have: 100 × 10
    assert row.forecast_rate == D("1.25")  # of the 800 planned


def test_interval_contains_the_forecast(shaped):
    row = _row(shaped["a0"])
    # the shape did not move between the years: the band is the point itself
    assert row.forecast_low <= row.forecast_completed <= row.forecast_high


def test_no_earlier_year_falls_back_to_naive_and_says_so(regions):
    p = _project(regions["district"], "new")
    _year(p, 2024, D("1200"), D("5"), months=range(1, 5))  # 2+3+5+5 = 15 × 5 = 75
    recompute_period(year=2024, month=4)
    row = _row(p, 4)
    assert row.method == forecast.FALLBACK_NAIVE
    assert row.forecast_completed == forecast.naive(D("75"), 4) == D("225.00")


def test_required_monthly_amount_against_the_best_month(shaped):
    row = _row(shaped["a1"])  # plan 1200, 30 × 4 = 120 done, best month 8 × 4 = 32
    assert row.required_monthly == D("180.00")  # (1200 - 120) / 6
    assert row.best_month == D("32.00")
    assert row.cannot_reach
    # a0 needs (800 - 300) / 6 = 83.33 a month and has done at most 80: flagged too
    assert _row(shaped["a0"]).required_monthly == D("83.33")
    assert _row(shaped["a0"]).cannot_reach


def test_a_project_that_can_still_make_it_is_not_flagged(regions):
    p = _project(regions["district"], "ok")
    _year(p, 2023, D("1000"), D("10"))
    _year(p, 2024, D("400"), D("10"), months=range(1, 7))  # 300 done, best month 80
    recompute_period(year=2024, month=6)
    row = _row(p)
    assert row.required_monthly == D("16.67")  # (400 - 300) / 6
    assert not row.cannot_reach


def test_no_future_data_reaches_a_past_forecast(shaped):
    before = _row(shaped["a0"]).forecast_completed
    # later months of 2024 and a whole 2025 with another shape arrive, the period is recomputed
    flat = [D("1")] * 12
    MonthlyReport.objects.bulk_create(
        MonthlyReport(project=shaped["a0"], year=2024, month=m, completed_investment=D("500"))
        for m in range(7, 13)
    )
    _year(shaped["b0"], 2025, D("10"), D("1000"), shape=flat)
    recompute_period(year=2024, month=6)
    assert _row(shaped["a0"]).forecast_completed == before
    assert forecast.learn_shares(Period(2024, 6)).years == [2022, 2023]


def test_incremental_recompute_keeps_the_forecast_in_step(shaped, monkeypatch):
    def relearn(*args, **kwargs):
        raise AssertionError("a saved report must not reread every earlier year")

    monkeypatch.setattr(forecast, "learn_shares", relearn)  # the whole run's shares are kept
    MonthlyReport.objects.filter(project=shaped["a0"], year=2024, month=6).update(
        completed_investment=D("140")  # 80 → 140: ytd 360
    )
    recompute_projects(project_ids=[shaped["a0"].pk], year=2024, month=6)
    assert _row(shaped["a0"]).forecast_completed == D("1200.00")  # 360 / 0.3
    assert ProjectForecast.objects.filter(year=2024, month=6).count() == 4


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_api_groups_are_ratios_of_sums(shaped, city_official):
    body = _api(city_official).get("/api/v1/forecast/", {"period": "2024-06"}).json()
    rows = {r["key"]: r for r in body["rows"]}
    a = rows["370202"]
    # a0: 1000 of 800; a1: 400 of 1200 → (1000 + 400) / 2000 = 0.7, not the mean 0.79
    assert D(a["forecast_completed"]) == D("1400.00")
    assert D(a["annual_plan"]) == D("2000.00")
    assert D(a["forecast_rate"]) == D("0.7")
    assert a["method"] == "seasonal"
    assert D(body["total"]["forecast_rate"]) == D("0.7")  # both districts alike
    assert set(body["behind"]) == {"370202", "370203"}  # 70 % < 100 %
    level = _api(city_official).get("/api/v1/forecast/", {"period": "2024-06", "group_by": "level"})
    assert {r["key"]: r["projects"] for r in level.json()["rows"]}[Level.CITY] == 4


def test_api_is_scoped(shaped, district_official):
    client = _api(district_official)
    body = client.get("/api/v1/forecast/", {"period": "2024-06"}).json()
    assert body["region"]["code"] == "370202"
    assert body["total"]["projects"] == 2
    assert client.get("/api/v1/forecast/", {"region": "370203"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2024-13"}, "period"),
        ({"group_by": "leader"}, "group_by"),
        ({"region": "x"}, "region"),
    ],
)
def test_api_bad_parameters_are_400_with_field_messages(shaped, city_official, params, field):
    response = _api(city_official).get("/api/v1/forecast/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_api_queries_do_not_grow_with_projects(
    shaped, regions, city_official, django_assert_max_num_queries
):
    client = _api(city_official)
    client.get("/api/v1/forecast/", {"period": "2024-06"})
    for i in range(5):
        p = _project(regions["other"], f"more{i}")
        _year(p, 2024, D("100"), D("1"), months=range(1, 7))
    recompute_period(year=2024, month=6)
    # session, user, the user's region, the asked region, the period's freshness check,
    # the children, the grouped forecasts
    # 7 on SQLite, 6 on PostgreSQL (the vendors differ by one statement): constant either way
    with django_assert_max_num_queries(7):
        body = client.get("/api/v1/forecast/", {"period": "2024-06", "region": "370200"}).json()
    assert body["total"]["projects"] == 9


def test_project_endpoint_has_forecast_rate(shaped, city_official):
    body = (
        _api(city_official)
        .get(f"/api/v1/projects/{shaped['a0'].code}/", {"period": "2024-06"})
        .json()
    )
    assert body["forecast_rate"] == 1.25


def test_backtest_learns_the_shape_and_beats_naive(shaped, capsys):
    # 2023 replayed (learning from 2022): every project follows the shape, so seasonal is exact
    result = backtest.run(1)
    assert result.years == [2023]
    june = {r.method: r for r in result.rows if r.month == 6}
    assert june[forecast.SEASONAL].mape == pytest.approx(0, abs=1e-9)
    assert june[forecast.NAIVE].mape == pytest.approx(0.4)  # 30 % × 2 = 60 % of the year
    assert june[forecast.SEASONAL].ratio == pytest.approx(0, abs=1e-9)
    call_command("backtest_forecast", "--years", "1")
    out = capsys.readouterr().out
    assert "seasonal" in out and "达标" in out


# --- The shares are learned once a year and kept ------------------------------------------------


def test_the_twelve_months_are_learned_from_one_reading(shaped):
    from assessment.models import ForecastShare

    # the June run learned and kept every month of 2024
    assert sorted(set(ForecastShare.objects.filter(year=2024).values_list("month", flat=True))) == [
        *range(1, 13)
    ]
    for m in (1, 6, 12):  # what one reading gives equals what each month alone would learn
        kept = forecast.stored_shares(Period(2024, m))
        alone = forecast.learn_shares(Period(2024, m))
        assert kept.overall == alone.overall
        assert kept.cells == alone.cells


def test_a_later_whole_run_of_the_year_reuses_the_kept_shares(shaped, monkeypatch):
    def reread(*args, **kwargs):
        raise AssertionError("the year's shares are kept: no rereading of the earlier years")

    expected = forecast.learn_shares(Period(2024, 7))
    MonthlyReport.objects.bulk_create(
        MonthlyReport(project=p, year=2024, month=7, completed_investment=D("8") * 10)
        for p in shaped.values()
    )
    monkeypatch.setattr(forecast, "_history_year", reread)
    recompute_period(year=2024, month=7)
    row = _row(shaped["a0"], month=7)
    assert row.share == expected.cells[(shaped["a0"].region_id, shaped["a0"].level)].share


def test_a_changed_report_of_an_earlier_year_drops_the_later_years_shares(
    shaped, django_capture_on_commit_callbacks
):
    from assessment.models import ForecastShare
    from projects import services

    before = _row(shaped["a0"]).forecast_completed
    report = MonthlyReport.objects.get(project=shaped["a0"], year=2023, month=12)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_update(
            report=report,
            completed_investment=report.completed_investment * 5,  # a bigger year-end rush
            expected_version=report.version,
            correction_reason="更正",
        )
    assert not ForecastShare.objects.filter(year=2024).exists()  # learned from 2023: dropped
    recompute_period(year=2024, month=6)
    assert ForecastShare.objects.filter(year=2024, month=6).exists()  # learned again
    assert _row(shaped["a0"]).forecast_completed > before  # a smaller share of the year by June


def test_the_nightly_run_relearns_shares_older_than_the_setting(shaped, settings):
    from assessment.models import ForecastShare

    settings.FORECAST_RELEARN_DAYS = 7
    assert forecast.forget_learned(older=True) == 0  # learned just now
    with time_machine.travel(dt.datetime(2025, 1, 28, 10, 0), tick=False):
        assert forecast.forget_learned(older=True) > 0
    assert not ForecastShare.objects.exists()


# --- The forecast on the agenda and the meeting screen ------------------------------------------


@pytest.fixture
def meeting(shaped, regions):
    from meetings import services as meeting_services

    # a monthly meeting on 2024-07-20: June is fully reported (its window closed in early July)
    return meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2024, 7, 20)
    )


def test_the_agenda_keeps_the_forecast_of_its_month(meeting, shaped, regions, city_official):
    from assessment import forecast_reads
    from meetings.agenda import meeting_agenda

    agenda = meeting_agenda(meeting)
    assert agenda["period"] == "2024-06"
    _rows, total = forecast_reads.groups(
        city_official, region=regions["city"], period=Period(2024, 6), group_by="region"
    )
    kept = agenda["forecast"]["total"]
    assert D(kept["forecast_rate"]) == total["forecast_rate"]
    assert D(kept["forecast_completed"]) == total["forecast_completed"]
    assert kept["method_label"] == str(total["method_label"])
    # a0 and a1 cannot make the year at their best month: the largest required amount first
    listed = agenda["forecast"]["cannot_reach"]
    assert {"a0", "a1"} <= {p["project"] for p in listed}
    required = [D(p["required_monthly"]) for p in listed]
    assert required == sorted(required, reverse=True)
    assert next(p for p in listed if p["project"] == "a1")["required_monthly"] == "180.00"
    behind = [r["key"] for r in agenda["forecast"]["behind"]]
    rates = [D(r["forecast_rate"]) for r in agenda["forecast"]["behind"]]
    assert rates == sorted(rates) and all(r < 1 for r in rates)
    assert set(behind) <= {regions["district"].code, regions["other"].code}
    # later forecasts do not change the agenda's: it is kept with the meeting
    ProjectForecast.objects.filter(year=2024, month=6).update(forecast_completed=D("1"))
    assert meeting_agenda(meeting)["forecast"] == agenda["forecast"]


def test_the_meeting_page_and_screen_show_the_kept_forecast(meeting, client, city_official):
    from django.urls import reverse

    client.force_login(city_official)
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="agenda-forecast"' in html
    assert "按最好月份也完不成年度计划的项目" in html
    rate = meeting.agenda["forecast"]["total"]["forecast_rate"]
    screen = client.get(reverse("web:screen"), {"meeting": meeting.pk})
    assert screen.status_code == 200
    assert screen.context["forecast"]["forecast_rate"] == D(rate)
    assert 'id="screen-forecast"' in screen.content.decode()


def test_an_agenda_without_forecasts_says_nothing_of_them(regions):
    from meetings import services as meeting_services

    meeting = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=dt.date(2024, 7, 20)
    )
    assert meeting.agenda["forecast"] is None
