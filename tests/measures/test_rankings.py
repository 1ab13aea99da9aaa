"""Rankings: composite score, shared ranks, null rates, flags, movement; published snapshots are
immutable, corrections are new versions with a reason, old versions stay readable."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import rankings
from assessment.choices import RankingScope
from assessment.models import RankingIndicator, RankingSettings, RankingSnapshot, SnapshotImmutable
from core.models import DeletionForbidden
from core.periods import Period
from projects.choices import RegionLevel
from projects.models import Person, Region
from tests.measures.conftest import assign_leader, build_project, compute

pytestmark = pytest.mark.django_db

DISTRICT = RankingScope.DISTRICT


@pytest.fixture
def city(regions):
    """青岛市 with four more districts (six in all)."""
    for code, name in (
        ("370211", "西海岸新区"),
        ("370212", "崂山区"),
        ("370213", "李沧区"),
        ("370214", "城阳区"),
    ):
        Region.objects.create(
            code=code, name=name, level=RegionLevel.COUNTY, parent=regions["city"]
        )
    return regions["city"]


def investment_only():
    RankingIndicator.objects.exclude(measure="investment_rate").update(active=False)


def with_rates(rates: dict, month=10):
    """One project per district code with the given investment rate (plan 1000)."""
    for code, rate in rates.items():
        build_project(
            Region.objects.get(code=code), plan="1000", reports={month: str(int(rate * 1000))}
        )


def by_key(body):
    return {row["key"]: row for row in body["rows"]}


def live(city, period="2024-10", scope=DISTRICT):
    p = Period.parse(period)
    return rankings.ranking(scope=scope, parent=city, year=p.year, month=p.month)


def test_ties_share_a_rank_1_2_2_4(city):
    investment_only()
    with_rates({"370202": 0.9, "370203": 0.8, "370211": 0.8, "370212": 0.7})
    compute()
    body = live(city)
    ranked = [(row["key"], row["rank"], row["score"]) for row in body["rows"]]
    assert ranked[:4] == [
        ("370202", 1, 90.0),
        ("370203", 2, 80.0),
        ("370211", 2, 80.0),
        ("370212", 4, 70.0),
    ]
    # districts without any project have no score and rank after all others
    assert [(k, r, s) for k, r, s in ranked[4:]] == [("370213", 5, None), ("370214", 5, None)]
    assert body["version"] is None and body["published_at"] is None


def test_default_score_weights_investment_40_start_20_finish_20_resolution_20(city):
    assert {i.measure: i.weight for i in rankings.indicators()} == {
        "investment_rate": Decimal("40"),
        "start_rate": Decimal("20"),
        "finish_rate": Decimal("20"),
        "resolution_rate": Decimal("20"),
    }
    items = rankings.indicators()
    row = {
        "investment_rate": Decimal("0.9"),
        "start_rate": Decimal("1"),
        "finish_rate": Decimal("0.5"),
        "resolution_rate": Decimal("0.8"),
    }
    assert rankings.score(row, items) == Decimal("82.00")  # (36 + 20 + 10 + 16) / 100


def test_a_null_rate_is_left_out_and_the_other_weights_count_in_its_place(city):
    items = rankings.indicators()
    only_investment = {
        "investment_rate": Decimal("0.9"),
        "start_rate": None,
        "finish_rate": None,
        "resolution_rate": None,
    }
    assert rankings.score(only_investment, items) == Decimal("90.00")
    partly = {**only_investment, "start_rate": Decimal("0.6")}
    assert rankings.score(partly, items) == Decimal("80.00")  # (36 + 12) / 60
    nothing = dict.fromkeys(only_investment)
    assert rankings.score(nothing, items) is None


def test_a_cap_limits_what_an_overshooting_rate_scores(city):
    investment = RankingIndicator.objects.get(measure="investment_rate")
    investment.cap = Decimal("1.2")
    investment.save()
    row = {"investment_rate": Decimal("1.859"), "start_rate": Decimal("1")}
    assert rankings.score(row, rankings.indicators()) == Decimal("113.33")  # (48 + 20) / 60


def test_the_monthly_ranking_flags_no_one_whatever_the_settings(city):
    """Praise and call-in belong to the half-year and year-end assessments (test_assessments)."""
    investment_only()
    settings = RankingSettings.current()
    settings.praised_top, settings.called_in_bottom = 1, 1
    settings.save()
    with_rates({"370202": 0.9, "370203": 0.8, "370211": 0.7, "370212": 0.7})
    compute()
    body = live(city)
    assert [row["rank"] for row in body["rows"][:4]] == [1, 2, 3, 3]
    assert not any(row["praised"] or row["called_in"] for row in body["rows"])
    assert (body["praised_top"], body["called_in_bottom"]) == (0, 0)


def test_defaults_praise_the_top_7_and_call_in_the_bottom_3(city):
    settings = RankingSettings.current()
    assert (settings.praised_top, settings.called_in_bottom, settings.publish_day) == (7, 3, 5)


def test_movement_against_the_previous_month(city):
    investment_only()
    for code, (september, october) in {
        "370202": ("300", "100"),
        "370203": ("200", "700"),
        "370211": ("100", "250"),
    }.items():
        build_project(
            Region.objects.get(code=code), plan="1000", reports={9: september, 10: october}
        )
    compute(month=9)
    compute(month=10)
    rows = by_key(live(city))
    # September: 202 (30%), 203 (20%), 211 (10%); October: 203 (90%), 211 (35%), 202 (40%)
    assert (rows["370203"]["rank"], rows["370203"]["movement"]) == (1, 1)
    assert (rows["370202"]["rank"], rows["370202"]["movement"]) == (2, -1)
    assert (rows["370211"]["rank"], rows["370211"]["movement"]) == (3, 0)
    # a period whose previous month was never computed has no movement
    assert all(row["movement"] is None for row in live(city, "2024-09")["rows"])


def test_ranking_rows_carry_every_summary_measure(city):
    with_rates({"370202": 0.5})
    compute()
    row = by_key(live(city))["370202"]
    for field in (
        "rank",
        "key",
        "name",
        "score",
        "movement",
        "praised",
        "called_in",
        "projects",
        "annual_plan",
        "completed_ytd",
        "investment_rate",
        "time_progress",
        "start_rate",
        "finish_rate",
        "statistics_rate",
        "resolution_rate",
        "green",
        "white",
        "yellow",
        "red",
    ):
        assert field in row, field
    assert row["annual_plan"] == "1000.00" and row["investment_rate"] == 0.5


def test_leader_ranking_ranks_the_people_carrying_projects(city, regions):
    investment_only()
    wang = Person.objects.create(name="王市长", region=city)
    li = Person.objects.create(name="李市长", region=city)
    for person, completed in ((wang, "300"), (li, "900"), (li, "700")):
        project = build_project(regions["district"], plan="1000", reports={10: completed})
        assign_leader(project, person, start=dt.date(2024, 1, 1))
    compute()
    rows = live(city, scope=RankingScope.LEADER)["rows"]
    assert [(r["name"], r["rank"], r["projects"], r["score"]) for r in rows] == [
        ("李市长", 1, 2, 80.0),
        ("王市长", 2, 1, 30.0),
    ]


def test_publishing_freezes_the_ranking(city, city_official):
    investment_only()
    with_rates({"370202": 0.5, "370203": 0.6})
    compute()
    snapshot = rankings.publish(
        scope=DISTRICT, parent=city, year=2024, month=10, user=city_official
    )
    assert snapshot.version == 1 and snapshot.published_by == city_official
    # later data changes the live figures, not the published ranking
    build_project(Region.objects.get(code="370202"), plan="1000", reports={10: "1000"})
    compute()
    body = live(city)
    assert body["version"] == 1 and body["published_by"] == "city"
    assert by_key(body)["370202"]["investment_rate"] == 0.5
    assert by_key(body)["370202"]["rank"] == 2


def test_a_published_snapshot_cannot_be_changed_or_deleted(city):
    compute()
    snapshot = rankings.publish(scope=DISTRICT, parent=city, year=2024, month=10)
    snapshot.rows = []
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        RankingSnapshot.objects.filter(pk=snapshot.pk).update(rows=[])
    with pytest.raises(DeletionForbidden):
        snapshot.delete()
    with pytest.raises(DeletionForbidden):
        RankingSnapshot.objects.all().delete()
    assert RankingSnapshot.objects.get(pk=snapshot.pk).rows != []


def test_a_correction_is_a_new_version_with_a_reason_and_old_versions_stay_readable(city):
    investment_only()
    with_rates({"370202": 0.5})
    compute()
    rankings.publish(scope=DISTRICT, parent=city, year=2024, month=10)
    with pytest.raises(ValidationError) as err:
        rankings.publish(scope=DISTRICT, parent=city, year=2024, month=10)
    assert "reason" in err.value.message_dict
    build_project(Region.objects.get(code="370203"), plan="1000", reports={10: "800"})
    compute()
    second = rankings.publish(
        scope=DISTRICT, parent=city, year=2024, month=10, reason="市北区补报10月数据"
    )
    assert second.version == 2
    assert live(city)["version"] == 2 and live(city)["reason"] == "市北区补报10月数据"
    first = rankings.ranking(scope=DISTRICT, parent=city, year=2024, month=10, version=1)
    assert first["version"] == 1 and by_key(first)["370202"]["rank"] == 1
    assert by_key(live(city))["370203"]["rank"] == 1
    with pytest.raises(RankingSnapshot.DoesNotExist):
        rankings.ranking(scope=DISTRICT, parent=city, year=2024, month=10, version=3)


def test_movement_prefers_the_previous_published_ranking(city):
    investment_only()
    with_rates({"370202": 0.2, "370203": 0.1}, month=9)
    compute(month=9)
    rankings.publish(scope=DISTRICT, parent=city, year=2024, month=9)  # 202 first, 203 second
    with_rates({"370202": 0.1, "370203": 0.9})
    compute()
    rows = by_key(live(city))
    assert (rows["370203"]["rank"], rows["370203"]["movement"]) == (1, 1)


def test_publish_due_publishes_last_month_once_on_the_configured_day(city):
    with_rates({"370202": 0.5})
    assert rankings.publish_due(today=dt.date(2024, 11, 4)) == []  # before the 5th
    published = rankings.publish_due(today=dt.date(2024, 11, 5))
    assert sorted((s.scope, s.parent_id, s.period) for s in published) == [
        ("district", "370100", "2024-10"),
        ("district", "370200", "2024-10"),
        ("leader", "370100", "2024-10"),
        ("leader", "370200", "2024-10"),
        ("unit", "370100", "2024-10"),
        ("unit", "370200", "2024-10"),
    ]
    snapshot = RankingSnapshot.objects.get(scope="district", parent=city)
    assert by_key(rankings.snapshot_body(snapshot))["370202"]["completed_ytd"] == "500.00"
    assert rankings.publish_due(today=dt.date(2024, 11, 6)) == []  # idempotent
    assert RankingSnapshot.objects.count() == 6


def test_unknown_scope_is_refused(city):
    with pytest.raises(ValueError, match="排名范围"):
        rankings.ranking(scope="planet", parent=city, year=2024, month=10)


def test_published_rankings_are_scoped_by_their_parent_region(
    city, regions, city_official, district_official, other_official
):
    from projects import access

    compute()
    rankings.publish(scope=DISTRICT, parent=city, year=2024, month=10)
    rankings.publish(scope=DISTRICT, parent=regions["district"], year=2024, month=10)

    def visible(user):
        return sorted(
            access.scope(user, RankingSnapshot.objects.all()).values_list("parent_id", flat=True)
        )

    assert visible(city_official) == ["370200", "370202"]
    assert visible(district_official) == ["370202"]
    assert visible(other_official) == []
