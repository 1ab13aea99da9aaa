"""我的通知设置 in a real Chromium (issue #12 item 5): an official opens it from 我的账号,
switches a kind to the daily digest and e-mail off for another, saves, and sees the grid kept.
No JavaScript error, no sideways scrolling at 390 px; screenshots at 1366×768 and 390 px."""

import pytest

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_an_official_chooses_the_digest_and_switches_e_mail_off(page, city):
    from supervision.models import NotificationPreference

    log_in(page, "city")
    page.goto(f"{page.base}/accounts/")
    page.get_by_role("link", name="通知设置").click()
    expect(page.locator("h1")).to_have_text("通知设置")
    page.locator("input[name='issue.assigned__digest']").check()
    page.locator("input[name='letter.issued__email']").uncheck()
    shot(page, "notifications-p1-preferences", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg-success")).to_contain_text("通知设置已保存")
    expect(page.locator("input[name='issue.assigned__digest']")).to_be_checked()
    expect(page.locator("input[name='letter.issued__email']")).not_to_be_checked()
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    shot(page, "notifications-p2-preferences-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    prefs = dict(
        NotificationPreference.objects.filter(user__username="city").values_list("kind", "digest")
    )
    assert prefs == {"issue.assigned": True, "letter.issued": False}
