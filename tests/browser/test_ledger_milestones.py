"""Milestones, approvals and factor gaps in a real Chromium (issue #11): a district official adds
a 施工许可 milestone and completes it with its permit number, records a land gap and raises an
issue from the gap view in one step (the form prefilled). No JavaScript error; screenshots at
1366×768 and 390 px."""

import pytest
from django.utils import timezone

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_district_official_completes_a_permit_and_raises_an_issue_from_a_land_gap(page, city):
    from projects.models import FactorGuarantee, Milestone
    from supervision.models import Issue

    log_in(page, "shinan")
    today = timezone.localdate().isoformat()
    page.goto(f"{page.base}/projects/SN-001/")
    page.click("#edit-milestones")
    page.select_option("#id_kind", "construction_permit")
    page.fill("#id_name", "建筑工程施工许可证")
    page.fill("#id_due_date", "2020-02-30")  # a slip: refused beside the field
    page.click("#save-milestone")
    expect(page.locator("#field-due_date .errorlist")).to_be_visible()
    assert not Milestone.objects.exists()
    page.fill("#id_due_date", today)
    page.fill("#id_issuing_authority", "市南区住房和城乡建设局")
    page.click("#save-milestone")
    expect(page.locator(".msg-success")).to_contain_text("建筑工程施工许可证")
    milestone = Milestone.objects.get()
    row = page.locator(f"#milestone-{milestone.pk}")
    row.locator("input[name=permit_number]").fill("370202202401010101")
    row.locator("button[name=complete]").click()
    expect(page.locator(".msg-success")).to_contain_text("已完成")
    expect(row).to_contain_text("370202202401010101")
    shot(page, "ledger-m1-milestone-completed", full_page=True)
    page.set_viewport_size(PHONE)
    shot(page, "ledger-m2-milestones-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    milestone.refresh_from_db()
    assert milestone.done_on is not None and milestone.permit_number == "370202202401010101"

    # 要素保障: 120 亩 needed, 80 secured.
    page.goto(f"{page.base}/projects/SN-001/factors/")
    page.fill("#id_land-demand", "120")
    page.fill("#id_land-secured", "80")
    page.click("#save-factors")
    expect(page.locator(".msg-success")).to_contain_text("要素保障已保存")
    expect(page.locator("#factor-land")).to_contain_text("40")
    shot(page, "ledger-m3-factors")

    # The gap view, then an issue from the gap.
    page.click("nav.mainnav >> text=项目")
    page.click("#approvals-link")
    shot(page, "ledger-m3b-approvals")
    page.click("a.btn:text-is('要素缺口')")
    gap = FactorGuarantee.objects.get()
    expect(page.locator(f"#gap-{gap.pk}")).to_contain_text("40.00")
    shot(page, "ledger-m4-gaps")
    page.set_viewport_size(PHONE)
    shot(page, "ledger-m5-gaps-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    page.locator(f"#gap-{gap.pk} a.btn").click()
    expect(page.locator("#id_title")).to_have_value("用地指标缺口 40.00 亩")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".msg-success")).to_contain_text("问题已登记")
    issue = Issue.objects.get()
    assert (issue.project.code, issue.category) == ("SN-001", "land")
    shot(page, "ledger-m6-issue-from-gap")
