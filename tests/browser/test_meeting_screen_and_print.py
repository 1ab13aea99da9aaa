"""The meeting material in a real Chromium (issue #14 items 3–4): the meeting screen driven by a
meeting's agenda, cut by the browser into slides of the rows that fit and fetched slide by
slide — every row of every slide above the footer at 1920×1080, 1366×768 and 4K; and the
agenda, the issue's 交办单 and the reminder letter printed to PDF by Chromium (page count, no
column cut off the page). Screenshots and PDFs in test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import SCREENSHOTS, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect

SIZES = {
    "1920x1080": {"width": 1920, "height": 1080},
    "1366x768": {"width": 1366, "height": 768},
    "4k": {"width": 3840, "height": 2160},
}
EXTRA_RED = 37  # red rows added to the agenda: several slides at every size


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _landscape(pdf: bytes) -> bool:
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return box is not None and float(box.group(1)) > float(box.group(2))


@pytest.fixture
def meeting(city):
    """A city meeting 25 days from now (last month is then fully reported), its draft agenda
    made longer than any screen: EXTRA_RED more red projects in its record, and overdue
    issues."""
    from meetings import services as meeting_services
    from meetings.models import Meeting
    from supervision import services as issue_services

    for n, project in enumerate(city["projects"][:6]):
        issue_services.issue_create(
            project=project, title=f"施工用地协调问题第{n + 1}项", category="land"
        )
    meeting = meeting_services.meeting_create(
        kind="monthly",
        region=city["city"],
        date=timezone.localdate() + dt.timedelta(days=25),
    )
    agenda = meeting.agenda
    assert agenda["period"] == city["period"]
    template = next(p for p in agenda["colour_projects"] if p["colour"] == "red")
    agenda["colour_projects"] += [
        {
            **template,
            "project": f"SN-{900 + i}",
            "name": f"市南区补充红色项目{i + 1:02d}（名称较长以检验单行省略的效果）",
            "section": "red_running",
            "red_months": 2,
        }
        for i in range(EXTRA_RED)
    ]
    Meeting.objects.filter(pk=meeting.pk).update(agenda=agenda)
    meeting.refresh_from_db()
    return meeting


ROWS_FIT = """() => {
    const slide = [...document.querySelectorAll('.slide')].find((s) => !s.hidden);
    const foot = document.querySelector('.screen-foot').getBoundingClientRect().top;
    const rows = [...slide.querySelectorAll('tbody tr')];
    const below = rows.filter((r) => r.getBoundingClientRect().bottom > foot + 0.5).length;
    const cut = [...slide.querySelectorAll('h1, th')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).length;
    return {kind: slide.dataset.kind, rows: rows.length, below, cut,
            deck: slide.classList.contains('deck-page'), loaded: slide.dataset.loaded || null,
            label: slide.getAttribute('aria-label')};
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_every_row_of_every_slide_is_above_the_footer(browser, console, live_server, meeting, size):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console.watch(page)
    page.base = live_server.url
    log_in(page, "city")
    page.goto(f"{page.base}/screen/?meeting={meeting.pk}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    total = int(page.locator("#page-count").text_content())
    shown: dict[str, int] = {}
    red_slides = 0
    for number in range(1, total + 1):
        slide = page.locator(f"#slide-{number}")
        expect(slide).to_be_visible()
        if "deck-page" in (slide.get_attribute("class") or ""):
            expect(slide).to_have_attribute("data-loaded", "true")
        state = page.evaluate(ROWS_FIT)
        assert state["below"] == 0, f"{size}, slide {number}: rows under the footer {state}"
        assert state["cut"] == 0, f"{size}, slide {number}: header cut at the right {state}"
        if state["deck"]:
            label = state["label"]
            rows = page.locator(f"#slide-{number} tbody tr:not(:has(td.none))").count()
            shown[label] = shown.get(label, 0) + rows
            if label == "连续红色项目":
                red_slides += 1
                if red_slides == 1:
                    shot(page, f"30-meeting-screen-{size}")
        page.keyboard.press("ArrowRight")
    # every row of the agenda's record shown once, over as many slides as the screen needs
    assert shown["连续红色项目"] == EXTRA_RED
    assert shown["逾期问题"] + shown["新增问题"] >= 6
    assert red_slides >= 2
    context.close()
    assert console.errors == [], "JavaScript errors:\n" + "\n".join(console.errors)


def test_a_presenter_turning_fast_leaves_no_slide_empty(page, meeting):
    """Slides fetched ahead while another is loading are filled too: htmx answers a second
    request from a busy source at once and queues or drops it, so every slide is its own
    source (the decks were intermittently empty when the presenter turned quickly)."""
    log_in(page, "city")
    page.goto(f"{page.base}/screen/?meeting={meeting.pk}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    total = int(page.locator("#page-count").text_content())
    for _ in range(total - 1):  # no waiting between the presses
        page.keyboard.press("ArrowRight")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.deck-page[data-loaded]')]"
        ".every((s) => s.dataset.loaded === 'true')"
    )
    empty = page.evaluate(
        "() => [...document.querySelectorAll('.deck-page[data-loaded=\"true\"]')]"
        ".filter((s) => !s.querySelector('tbody tr')).map((s) => s.id)"
    )
    assert empty == []
    loaded = page.locator(".deck-page[data-loaded='true']").count()
    assert loaded == page.locator(".deck-page").count()
    rows = page.locator(".deck-page tbody tr:not(:has(td.none))").count()
    issues = len(meeting.agenda["overdue_issues"]) + len(meeting.agenda["new_issues"])
    assert issues >= 6
    assert rows >= len(meeting.agenda["colour_projects"]) + issues


def test_a_slide_per_district_in_turn(page, meeting):
    log_in(page, "city")
    page.goto(f"{page.base}/screen/?meeting={meeting.pk}&by=district")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    labels = page.evaluate(
        "() => [...document.querySelectorAll('.deck-page')]"
        ".map((s) => s.getAttribute('aria-label'))"
    )
    districts = [label.split("：")[0] for label in labels]
    assert districts and set(districts) <= {"市南区", "市北区"}
    # each district's slides together (轮流汇报: one district reports, then the next)
    firsts = [d for i, d in enumerate(districts) if i == 0 or districts[i - 1] != d]
    assert len(firsts) == len(set(firsts))


def _columns_cut(page, selector: str) -> list[str]:
    return page.evaluate(
        """(selector) => {
            const limit = document.documentElement.clientWidth;
            return [...document.querySelectorAll(selector)]
                .filter((e) => e.offsetParent !== null)
                .filter((e) => e.getBoundingClientRect().right > limit + 1)
                .map((e) => e.textContent.trim());
        }""",
        selector,
    )


A4_LANDSCAPE_PX = round((297 - 20) / 25.4 * 96)  # less the stylesheet's 10 mm margins
A4_PORTRAIT_PX = round((210 - 26 - 28) / 25.4 * 96)  # the letter's margins (GB/T 9704)


def test_print_the_agenda_on_a4_landscape_with_every_column(page, meeting):
    log_in(page, "city")
    page.goto(f"{page.base}/meetings/{meeting.pk}/")
    expect(page.locator("#agenda-state")).to_contain_text("数据截至")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 700})
    assert _columns_cut(page, "table th, table td") == []
    assert page.locator(".topbar").is_hidden() and page.locator("#chair-view").is_hidden()
    assert page.locator("#appendix").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "31-agenda-print.pdf").write_bytes(pdf)
    assert _landscape(pdf)
    # the body (top 10 per section: about two pages) and the appendix from a page of its own
    # (every row of 60-odd, grouped by district)
    assert 3 <= _pdf_pages(pdf) <= 8
    shot(page, "31-agenda-print", full_page=True)


def test_print_the_issue_assignment_sheet(page, city):
    from supervision import services as issue_services

    issue = issue_services.issue_create(
        project=city["projects"][0], title="施工用电接入滞后", category="utilities"
    )
    log_in(page, "city")
    page.goto(f"{page.base}/issues/{issue.pk}/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 700})
    expect(page.locator("#print-title")).to_be_visible()
    assert _columns_cut(page, "main *") == []
    assert page.locator("#actions").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "32-issue-print.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1 and _landscape(pdf)


def test_print_the_reminder_letter_on_a4(page, city):
    from meetings import services as meeting_services

    letter = meeting_services.letter_generate(
        region=city["shinan"], year=city["year"], month=city["month"]
    )
    log_in(page, "city")
    page.goto(f"{page.base}/supervision/letters/{letter.pk}/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PORTRAIT_PX, "height": 900})
    assert _columns_cut(page, "table th, table td") == []
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "33-letter-print.pdf").write_bytes(pdf)
    assert not _landscape(pdf)  # an official letter: A4 portrait
    assert 1 <= _pdf_pages(pdf) <= 2


def test_the_agenda_page_on_a_phone_and_the_chairs_red_view(browser, console, live_server, meeting):
    from tests.browser.conftest import PHONE

    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console.watch(page)
    page.base = live_server.url
    log_in(page, "city")
    page.goto(f"{page.base}/meetings/{meeting.pk}/")
    page.select_option("#view-select", "red")
    page.locator("#chair-view button").click()
    page.wait_for_url(re.compile(r"view=red"))
    expect(page.locator("#section-yellow")).to_have_count(0)
    expect(page.locator("#section-red_running")).to_be_visible()
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"the page is {wide}px wider than the phone"
    shot(page, "34-agenda-phone", full_page=False)
    context.close()
    assert console.errors == [], "JavaScript errors:\n" + "\n".join(console.errors)
