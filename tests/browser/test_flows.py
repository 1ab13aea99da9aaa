"""What officials and the meeting chair do, in a real Chromium: sign in, open the overview,
filter projects to the red ones, enter a month of reports with one bad cell and fix it, upload a
ledger, move an issue through its states, open the meeting screen and advance a page. No
JavaScript error anywhere (the `page` fixture checks), a screenshot of every page."""

import io
import re

import pytest
from openpyxl import Workbook

from tests.browser.conftest import PHONE, SCREENSHOTS, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_sign_in_and_open_the_overview(page, city):
    page.goto(f"{page.base}/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录重点项目管理平台")
    shot(page, "01-login")
    log_in(page, "city")
    expect(page.locator("h1")).to_contain_text("青岛市重点项目总览")
    figures = page.locator("#figures .card")
    expect(figures).to_have_count(9)  # with 按期办结率
    expect(figures.first).to_contain_text("12")  # projects
    expect(page.locator("#district-table tbody tr")).to_have_count(2)
    # The charts are drawn (ECharts puts a canvas in each chart box).
    for chart in ("ranking-chart", "colour-chart", "curve-chart", "pipeline-chart"):
        expect(page.locator(f'[data-chart="{chart}"] canvas')).to_have_count(1)
    page.wait_for_timeout(1200)  # the charts' entry animations
    shot(page, "02-overview")
    shot(page, "02-overview-full", full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator('[data-chart="curve-chart"] canvas')).to_have_count(1)
    shot(page, "02-overview-phone", full_page=True)


def test_filter_projects_to_the_red_ones(page, city):
    log_in(page, "city")
    page.goto(f"{page.base}/projects/")
    rows = page.locator("#project-table tbody tr")
    expect(rows).to_have_count(12)
    page.locator('input[name="colour"][value="red"]').check()  # htmx swaps the results
    expect(rows).to_have_count(4)
    expect(page).to_have_url(re.compile(r"colour=red"))
    for code in ("SN-001", "SN-004", "SN-007", "SB-002"):
        expect(page.locator("#project-table")).to_contain_text(code)
    shot(page, "03-projects-red")
    page.locator("#project-table a", has_text="市南区新能源产业园").click()
    expect(page.locator("h1")).to_contain_text("市南区新能源产业园")
    expect(page.locator("#colours")).to_contain_text("未报送月度完成投资")
    expect(page.locator('[data-chart="plan-chart"] canvas')).to_have_count(1)
    shot(page, "04-project", full_page=True)


def test_enter_a_month_with_one_bad_cell_and_fix_it(page, city):
    log_in(page, "shinan")
    page.goto(f"{page.base}/reporting/")  # a district official goes straight to their sheet
    expect(page.locator("h1")).to_contain_text("市南区")
    cells = page.locator("input.cellinput")
    expect(cells).to_have_count(8)
    cells.first.click()
    for i in range(8):  # typed as in a spreadsheet: Enter moves down a row
        page.keyboard.type("12万" if i == 3 else f"{150 + i}.5")
        page.keyboard.press("Enter")
    page.click("#save-sheet")
    bad_row = page.locator("#row-SN-004")
    expect(bad_row.locator(".errorlist")).to_have_text("请输入数字（万元），如 1234.5")
    expect(page.locator(".msg-error")).to_contain_text("整张表均未保存")
    shot(page, "05-reporting-bad-cell")
    bad_row.locator("input.cellinput").fill("153.5")
    page.click("#save-sheet")
    expect(page.locator(".msg-success")).to_contain_text("新增 3 条，修改 5 条")
    # The status panel polls until the colours and rankings have been recomputed.
    expect(page.locator("#recompute-status")).to_contain_text("四色和排名已于", timeout=20_000)
    shot(page, "06-reporting-saved")
    page.set_viewport_size(PHONE)
    shot(page, "06-reporting-phone")


def _ledger(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "项目编号",
            "项目名称",
            "所属区域",
            "项目级别",
            "建设阶段",
            "总投资(万元)",
            "年度计划投资(万元)",
            "1月",
            "2月",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_upload_a_ledger(page, city):
    log_in(page, "shinan")
    page.goto(f"{page.base}/uploads/ledger/")
    shot(page, "07-ledger-upload")
    bad = _ledger(
        [
            ["NEW-001", "市南区海洋科技园", "市南区", "市级", "在建", 8000, 2000, 150, 160],
            ["NEW-002", "市北区项目", "市北区", "区级", "在建", 3000, 600, 50, None],
            ["NEW-003", "负数项目", "市南区", "区级", "在建", -1, None, None, None],
        ]
    )
    page.set_input_files(
        "#id_file", {"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": bad}
    )
    page.select_option("#id_year", str(city["year"]))
    page.click("main form button[type=submit]")
    expect(page.locator("#import-summary")).to_contain_text("整个文件未导入")
    errors = page.locator("#error-table tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(1)).to_contain_text("总投资")
    shot(page, "08-ledger-rejected")
    page.click("text=再上传一个文件")
    good = _ledger(
        [["NEW-001", "市南区海洋科技园", "市南区", "市级", "在建", 8000, 2000, 150, 160]]
    )
    page.set_input_files(
        "#id_file", {"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": good}
    )
    page.select_option("#id_year", str(city["year"]))
    page.click("main form button[type=submit]")
    expect(page.locator("#import-summary")).to_contain_text("新增 1 个项目")
    shot(page, "09-ledger-imported")


def test_move_an_issue_through_its_states(page, city):
    from supervision import services

    issue = services.issue_create(
        project=city["projects"][0],
        title="用地指标未落实",
        category="land",
        actor=city["city_official"],
    )
    log_in(page, "city")
    page.goto(f"{page.base}/issues/")
    expect(page.locator("#issue-board")).to_contain_text("用地指标未落实")
    shot(page, "10-issue-board")
    page.click("text=用地指标未落实")
    status = page.locator("#issue-status")
    expect(status).to_have_text("已收集")
    steps = [
        ("assign", "已交办", {"#id_unit": str(city["unit"].pk)}, {}),
        ("start", "办理中", {}, {}),
        ("resolve", "已办结", {}, {"#id_note": "已协调落实用地指标"}),
        ("feedback", "已反馈", {}, {"#id_note": "企业确认问题已解决"}),
        ("close", "已销号", {}, {"#id_note": "同意销号"}),
    ]
    for action, label, selects, fills in steps:
        page.check(f'input[name="action"][value="{action}"]')
        for selector, value in selects.items():
            page.select_option(selector, value)
        for selector, value in fills.items():
            page.fill(selector, value)
        page.click("#do-transition")
        expect(status).to_have_text(label)
        if action == "assign":
            shot(page, "11-issue-assigned")
    expect(page.locator("#timeline li")).to_have_count(6)
    expect(page.locator("#actions")).to_contain_text("当前状态下您没有可执行的操作")
    shot(page, "12-issue-closed", full_page=True)
    issue.refresh_from_db()
    assert issue.status == "closed"


def test_open_the_meeting_screen_and_advance_a_page(page, city):
    log_in(page, "city")
    page.goto(f"{page.base}/screen/?period={city['period']}")
    first, second = page.locator("#slide-1"), page.locator("#slide-2")
    expect(first).to_be_visible()
    expect(second).to_be_hidden()
    expect(page.locator("#page-no")).to_have_text("1")
    assert page.locator("input, select, textarea, button, form").count() == 0  # no editing
    shot(page, "13-screen-figures")
    page.keyboard.press("ArrowRight")
    expect(second).to_be_visible()
    expect(first).to_be_hidden()
    expect(page.locator("#page-no")).to_have_text("2")
    expect(second.locator("canvas")).to_have_count(1)  # the ranking, drawn when shown
    page.wait_for_timeout(1500)  # the bars' entry animation
    shot(page, "14-screen-ranking")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide-3")).to_contain_text("未报送月度完成投资")
    shot(page, "15-screen-red-yellow")
    page.keyboard.press("t")  # the light theme, on the same page
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.locator("#page-no")).to_have_text("3")
    shot(page, "16-screen-light")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#page-no")).to_have_text("2")


SCREENSHOT_PDF = SCREENSHOTS / "17-bulletin-print.pdf"


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_print_the_bulletin_on_a4_landscape_with_every_column(page, city):
    """Chromium's own print: A4 landscape (the stylesheet's @page), every column of the table
    within the printable width, the 全市合计 row printed, on one page for a city's districts."""
    log_in(page, "city")
    page.goto(f"{page.base}/bulletin/?period={city['period']}")
    expect(page.locator("#bulletin-total")).to_contain_text("全市合计")
    page.emulate_media(media="print")
    # A4 landscape less the margins: 297 - 2×10 mm at 96 px per inch.
    printable = round((297 - 20) / 25.4 * 96)
    page.set_viewport_size({"width": printable, "height": 700})
    cut = page.evaluate(
        """() => {
            const table = document.querySelector('#bulletin-table');
            const limit = document.documentElement.clientWidth;
            return [...table.querySelectorAll('thead th')]
                .filter((th) => th.getBoundingClientRect().right > limit + 1)
                .map((th) => th.textContent);
        }"""
    )
    assert cut == [], f"columns cut off the printed page: {cut}"
    assert page.locator(".topbar").is_hidden()
    shot(page, "17-bulletin-print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    SCREENSHOT_PDF.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT_PDF.write_bytes(pdf)
    assert _pdf_pages(pdf) == 1
    # the page box is landscape: wider than tall (points)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and float(box.group(1)) > float(box.group(2))
