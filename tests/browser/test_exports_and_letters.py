"""The 清单导出 page and a reminder letter's reply page in a real Chromium: the district's reply
and the city's verification through the forms, no JavaScript error (the `page` fixture), no
horizontal overflow at 1366×768 and at 390 px; screenshots saved."""

import pytest

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def no_overflow(page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not wide, f"horizontal overflow at {page.viewport_size}"


def test_the_lists_page_and_a_letters_loop(page, city, settings, tmp_path):
    from meetings import services as meeting_services
    from meetings.models import ReminderLetter

    settings.MEDIA_ROOT = tmp_path
    letter = meeting_services.letter_generate(
        region=city["shinan"], year=city["year"], month=city["month"], actor=None
    )
    log_in(page, "shinan")
    page.goto(f"{page.base}/projects/")
    page.click("text=更多清单")
    page.wait_for_url(f"{page.base}/exports/")
    expect(page.get_by_role("link", name="进度清单（配档表）")).to_be_visible()
    no_overflow(page)
    shot(page, "exports-lists-office")
    page.set_viewport_size(PHONE)
    no_overflow(page)
    shot(page, "exports-lists-phone", full_page=True)

    page.set_viewport_size(OFFICE)
    page.goto(f"{page.base}/letters/{letter.pk}/reply/")
    page.fill("#id_reply_text", "已召开专题会，逐项落实整改")
    page.fill("#id_reply_measures", "红色项目区级领导专班推进")
    page.click("#letter-reply")
    expect(page.locator("#letter-state")).to_contain_text("已反馈，待核验")
    no_overflow(page)
    shot(page, "letter-replied-office")

    page.context.clear_cookies()
    log_in(page, "city")
    page.goto(f"{page.base}/letters/{letter.pk}/reply/")
    page.check("input[value=unsatisfactory]")
    page.click("#letter-verify")
    expect(page.locator(".has-error")).to_be_visible()  # a note is required
    page.check("input[value=accepted]")
    page.click("#letter-verify")
    expect(page.locator("#letter-state")).to_contain_text("已闭环")
    expect(page.locator("#letter-verify")).to_have_count(0)  # closed: nothing left to verify
    page.set_viewport_size(PHONE)
    no_overflow(page)
    shot(page, "letter-verified-phone", full_page=True)
    assert ReminderLetter.objects.get(pk=letter.pk).verdict == "accepted"
