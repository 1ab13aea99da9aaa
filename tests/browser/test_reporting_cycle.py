"""The monthly cycle in a real Chromium: after the window's close the reminder job sends 催报; the
district official sees it in the bell, opens it, lands on the month's sheet showing only the
missing projects, enters them and submits the month; the city official sees the completeness
page change and accepts the month, which the district then sees in its bell. Screenshots at
1366×768 and 390 px; no JavaScript error anywhere (the `page` fixture checks)."""

import datetime as dt

import pytest

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_a_reminded_district_reports_and_the_city_accepts(page, city):
    from supervision.events import send_reporting_reminders
    from supervision.workdays import reporting_window

    period = city["period"]
    window = reporting_window(city["year"], city["month"])
    sent = send_reporting_reminders(today=window.closes + dt.timedelta(days=1))
    assert sent.missing >= 1

    log_in(page, "shinan")
    bell = page.locator("#bell")
    expect(bell.locator("#bell-count")).to_have_text("1")
    shot(page, "reporting-cycle-01-bell")
    bell.click()
    expect(page.locator("h1")).to_contain_text("站内通知")
    item = page.locator(".inbox-item.unread").first
    expect(item).to_contain_text("【催报】")
    expect(item).to_contain_text("仍有 3 个项目未填报")
    shot(page, "reporting-cycle-02-inbox")
    page.set_viewport_size(PHONE)
    shot(page, "reporting-cycle-02-inbox-phone")
    page.set_viewport_size(OFFICE)

    item.locator("a").first.click()
    page.wait_for_url(f"**/reporting/370202/{period}/?missing=1")
    expect(page.locator("#missing-filter")).to_contain_text("未填报的 3 个项目（共 8 个）")
    cells = page.locator("input.cellinput")
    expect(cells).to_have_count(3)
    shot(page, "reporting-cycle-03-missing-sheet")
    cells.first.click()
    for value in ("120", "95.5", "88"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    page.click("#save-sheet")
    expect(page.locator(".msg-success")).to_contain_text("新增 3 条")
    expect(page.locator("#bell-count")).to_be_hidden()  # the 催报 was read when opened

    page.goto(f"{page.base}/reporting/completeness/?period={period}")
    row = page.locator('tr[data-region="370202"]')
    expect(row.locator("td").nth(2)).to_have_text("8")  # reported
    row.get_by_role("button", name="报送").click()
    expect(page.locator(".msg-success")).to_contain_text("月报已报送")
    expect(page.locator('tr[data-region="370202"]')).to_contain_text("已报送")

    page.context.clear_cookies()
    log_in(page, "city")
    page.goto(f"{page.base}/reporting/completeness/?period={period}")
    row = page.locator('tr[data-region="370202"]')
    expect(row).to_contain_text("已报送")
    expect(row.locator("td").nth(5)).to_have_text("100.0%")
    shot(page, "reporting-cycle-04-completeness-city")
    row.locator('button[value="accept"]').click()
    expect(page.locator(".msg-success")).to_contain_text("月报已审核通过")
    expect(page.locator('tr[data-region="370202"]')).to_contain_text("已审核")
    shot(page, "reporting-cycle-05-accepted")
    page.set_viewport_size(PHONE)
    shot(page, "reporting-cycle-05-accepted-phone")
    page.set_viewport_size(OFFICE)

    page.context.clear_cookies()
    log_in(page, "shinan")
    expect(page.locator("#bell-count")).to_have_text("1")
    page.goto(f"{page.base}/notifications/?unread=1")
    expect(page.locator(".inbox-item.unread").first).to_contain_text("月报已审核通过")
    page.goto(f"{page.base}/tasks/")
    expect(page.locator("h1")).to_contain_text("我的待办")
    expect(page.locator("#tasks-reports")).to_have_count(0)  # the month is done
    shot(page, "reporting-cycle-06-my-tasks")
    page.set_viewport_size(PHONE)
    shot(page, "reporting-cycle-06-my-tasks-phone")
