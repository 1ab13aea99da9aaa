"""Issue #13's browser test, in a real Chromium: the city publishes last month's bulletin,
corrects it with a reason (a late report changed the ranks) and opens the difference between
the two versions; a district official opens the published city bulletin and sees its own rank
among all districts — at 1366×768 and on a phone."""

from decimal import Decimal

import pytest

from tests.browser.conftest import PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_publish_correct_compare_and_a_district_reads_its_rank(page, city):
    from assessment.recompute import recompute_period
    from projects.models import MonthlyReport

    period = city["period"]
    log_in(page, "city")
    page.goto(f"{page.base}/bulletin/?period={period}")
    expect(page.locator("#bulletin-status")).to_contain_text("实时计算")
    rows = page.locator("#bulletin-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("市北区")  # 68.8% of plan against 市南区's 57.3%
    page.locator("#publish-form button[type=submit]").click()
    expect(page.locator("#bulletin-status")).to_contain_text("已发布 第1版")
    expect(page.locator("#bulletin-versions tbody tr")).to_have_count(1)
    shot(page, "30-bulletin-published")

    # A late report: 市南区's SN-001 had reported nothing; its 2,000 万元 for the month arrive
    # (市南区 now 78.1%, first).
    MonthlyReport.objects.create(
        project=next(p for p in city["projects"] if p.code == "SN-001"),
        year=city["year"],
        month=city["month"],
        completed_investment=Decimal("2000"),
    )
    recompute_period(year=city["year"], month=city["month"])

    page.reload()
    page.locator("#publish-form button[type=submit]").click()  # no reason: refused
    expect(page.locator("#bulletin-status")).to_contain_text("已发布 第1版")
    page.fill("#id_reason", "市南区SN-001完成投资补报更正")
    page.locator("#publish-form button[type=submit]").click()
    expect(page.locator("#bulletin-status")).to_contain_text("已发布 第2版")
    expect(rows.first).to_contain_text("市南区")
    expect(page.locator(".bulletin")).to_contain_text("更正说明：市南区SN-001完成投资补报更正")
    page.locator("#bulletin-versions a", has_text="与第1版对比").click()
    difference = page.locator("#bulletin-difference")
    expect(difference).to_contain_text("与第1版相比")
    expect(difference.locator("tbody tr")).to_have_count(2)  # both districts swapped ranks
    expect(difference).to_contain_text("市南区")
    shot(page, "31-bulletin-difference", full_page=True)

    page.context.clear_cookies()
    log_in(page, "shinan")
    page.goto(f"{page.base}/bulletin/?period={period}")
    page.locator("a", has_text="查看青岛市已发布的排名通报").click()
    expect(page.locator("#bulletin-status")).to_contain_text("已发布 第2版")
    expect(rows).to_have_count(2)  # every district of the city, read-only
    own = page.locator("#bulletin-own")
    expect(own).to_contain_text("市南区")
    expect(own.locator("td").first).to_have_text("1")
    expect(page.locator("#publish-form")).to_have_count(0)
    shot(page, "32-bulletin-district-reads-its-rank")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#bulletin-own")).to_be_visible()
    shot(page, "32-bulletin-district-reads-its-rank-phone", full_page=True)


def test_the_city_scores_and_publishes_the_half_year_assessment(page, city):
    # The default indicators come from a data migration, which a live server's flush between
    # earlier browser tests removes: put them back as the migration writes them.
    import importlib

    from django.apps import apps

    importlib.import_module("assessment.migrations.0008_assessment_defaults").create(apps, None)
    year = city["year"]
    log_in(page, "city")
    page.goto(f"{page.base}/assessment/?kind=half_year&year={year}")
    expect(page.locator("#assessment-status")).to_contain_text("实时计算")
    expect(page.locator("#assessment-missing")).to_be_visible()
    inputs = page.locator("#assessment-scores input[type=text]")
    expect(inputs).to_have_count(4)  # 招大引强 and 观摩评议 for two districts
    inputs.nth(0).fill("120")  # above full marks: answered beside the cell
    for i in range(1, 4):
        inputs.nth(i).fill(str(80 + i))
    page.locator("#assessment-scores button[type=submit]").click()
    expect(page.locator("#assessment-scores .errorlist")).to_contain_text("评分应在 0 至 100 之间")
    page.locator("#assessment-scores input[type=text]").nth(0).fill("90")
    page.locator("#assessment-scores button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text("已保存 4 项评分")
    page.locator("#assessment-publish-form button[type=submit]").click()
    expect(page.locator("#assessment-status")).to_contain_text("已发布 第1版")
    expect(page.locator("#assessment-praised")).to_contain_text("通报表扬")
    shot(page, "33-assessment-published", full_page=True)
    page.context.clear_cookies()
    log_in(page, "shinan")
    page.goto(f"{page.base}/assessment/?kind=half_year&year={year}")
    expect(page.locator("#assessment-own")).to_contain_text("市南区")
    expect(page.locator("#assessment-scores")).to_have_count(0)
    page.set_viewport_size(PHONE)
    page.reload()
    shot(page, "33-assessment-district-phone", full_page=True)
