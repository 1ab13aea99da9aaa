"""Keeping the ledger in a real Chromium (issue #11): a district official creates a project,
sets its annual plan and revises it with a reason, hands a chain role over to a person entered
on the spot, and requests its withdrawal; a reviewer approves it from the queue and the
project is frozen. No JavaScript error anywhere (the `page` fixture checks); screenshots at
1366×768 and at 390 px."""

import pytest

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_district_official_keeps_the_ledger_and_the_reviewer_approves_a_withdrawal(page, city):
    import importlib

    from projects import services
    from projects.choices import Role, Stage, WithdrawalStatus
    from projects.models import Category, ChainRole, Person, Project, Withdrawal
    from tests.factories import UserFactory

    # The migration's reference data (categories, chain roles) is gone after another
    # transactional test's flush: loaded again from the migration's own lists.
    reference = importlib.import_module("projects.migrations.0002_reference_data")
    for order, (code, name) in enumerate(reference.CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (code, name, is_leader) in enumerate(reference.CHAIN_ROLES, start=1):
        ChainRole.objects.get_or_create(
            code=code, defaults={"name": name, "order": order, "is_leader": is_leader}
        )
    UserFactory(username="shinan-review", role=Role.REVIEWER, region=city["shinan"])
    leader = Person.objects.create(name="张建国", region=city["shinan"], title="副区长")
    city_leader = Person.objects.create(name="王市长", region=city["city"], title="副市长")
    log_in(page, "shinan")

    # 新建项目, from the project list.
    page.goto(f"{page.base}/projects/")
    page.click("#new-project")
    expect(page.locator("h1")).to_have_text("新建项目")
    page.fill("#id_code", "SN-101")
    page.fill("#id_name", "市南区海洋科技园")
    page.select_option("#id_region", city["shinan"].pk)
    page.select_option("#id_level", "city")
    page.select_option("#id_stage", "signed")
    page.fill("#id_total_investment", "12万")  # a slip: refused beside the field
    page.fill("#id_owner_company", "青岛海洋科技发展有限公司")
    page.fill("#id_planned_start", f"{city['year']}-03-01")
    page.locator("label.chip", has_text="四新经济").locator("input").check()
    page.click("#save-project")
    expect(page.locator("#field-total_investment .errorlist")).to_contain_text("请输入数字")
    assert not Project.objects.filter(code="SN-101").exists()
    shot(page, "ledger-01-create-bad-input", full_page=True)
    page.set_viewport_size(PHONE)
    shot(page, "ledger-01-create-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    page.fill("#id_total_investment", "8000")
    page.click("#save-project")
    expect(page.locator("h1")).to_contain_text("市南区海洋科技园")
    expect(page.locator(".msg-success")).to_contain_text("项目已建档")
    expect(page.locator("#facts")).to_contain_text("四新经济")
    shot(page, "ledger-02-project-created")

    # An edit made stale by someone else's save: shown as a conflict, nothing overwritten.
    page.click("#edit-project")
    project = Project.objects.get(code="SN-101")
    services.project_update(project=project, expected_version=1, industry="海洋经济")
    page.fill("#id_industry", "科技服务")
    page.fill("#id_description", "建设海洋科技研发楼及配套设施")
    page.click("#save-project")
    expect(page.locator("#conflict")).to_contain_text("已被他人修改")
    expect(page.locator("#field-industry .conflict")).to_contain_text("海洋经济")
    project.refresh_from_db()
    assert (project.industry, project.description) == ("海洋经济", "")
    shot(page, "ledger-02b-edit-conflict", full_page=True)
    page.fill("#id_industry", "海洋经济")
    page.click("#save-project")  # against the version now shown
    expect(page.locator(".msg-success")).to_contain_text("版本 3")
    expect(page.locator("#facts")).to_contain_text("海洋经济")

    # The stage: 签约 → 在建 on a date.
    page.click("a.btn:text-is('阶段变更')")
    page.select_option("#id_stage", "construction")
    page.fill("#id_on", f"{city['year']}-03-18")
    page.fill("#id_note", "举行开工仪式")
    shot(page, "ledger-02c-stage-move")
    page.click("#save-stage")
    expect(page.locator(".msg-success")).to_contain_text("在建")
    expect(page.locator("#facts")).to_contain_text(f"{city['year']}年3月18日")  # 实际开工

    # The year's plan, then a revision with its reason.
    page.click("text=年度计划")
    page.fill("#id_annual_plan", "2000")
    page.check("#id_new_start")
    page.click("#save-plan")
    expect(page.locator(".msg-success")).to_contain_text("年度计划已保存")
    page.fill("#id_annual_plan", "1500")
    page.click("#save-plan")  # no reason: refused
    expect(page.locator("#field-annual_plan .errorlist")).to_contain_text("须填写调整原因")
    page.fill("#id_reason", "征地手续延后，调减年度计划")
    page.click("#save-plan")
    row = page.locator(f"#year-{city['year']}")
    expect(row).to_contain_text("2,000.00")
    expect(row).to_contain_text("1,500.00")
    expect(row).to_contain_text("征地手续延后，调减年度计划")
    shot(page, "ledger-03-plan-revised")

    # The chain: 张建国 leads; the staff role goes to someone entered on the spot.
    services.chain_assign(project=project, role=ChainRole.objects.get(code="leader"), person=leader)
    page.goto(f"{page.base}/projects/SN-101/chain/")
    page.select_option("#id_role", label="工作人员")
    page.click("#new-person summary")
    page.fill("#id_new_name", "刘晓明")
    page.select_option("#id_new_unit", label="市南区自然资源局")
    page.fill("#id_new_title", "科员")
    page.fill("#id_new_phone", "0532-88001234")
    page.click("#save-chain")
    expect(page.locator(".msg-success")).to_contain_text("刘晓明")
    expect(page.locator("#chain-history")).to_contain_text("刘晓明")
    # The leader's role is handed over to a city leader (市级领导分包).
    page.select_option("#id_role", label="区级领导")
    page.select_option("#id_person", str(city_leader.pk))
    page.click("#save-chain")
    history = page.locator("#chain-history tbody tr")
    expect(history).to_have_count(3)  # 王市长 now, 张建国 ended, 刘晓明
    expect(page.locator("#chain-history tr.muted")).to_contain_text("张建国")
    shot(page, "ledger-04-chain-handed-over")
    page.set_viewport_size(PHONE)
    shot(page, "ledger-05-chain-phone", full_page=True)
    page.set_viewport_size(OFFICE)

    # 退库 requested.
    page.goto(f"{page.base}/projects/SN-101/")
    page.click("a.btn:text-is('退库')")
    page.click("#save-withdrawal")  # no reason: refused beside the field
    expect(page.locator("#field-reason .errorlist")).to_contain_text("书面原因")
    page.fill("#id_reason", "企业调整投资计划，项目终止")
    shot(page, "ledger-06a-withdrawal-request")
    page.click("#save-withdrawal")
    expect(page.locator(".msg-success")).to_contain_text("退库申请已提交")
    assert Withdrawal.objects.get(project=project).status == WithdrawalStatus.PENDING
    page.goto(f"{page.base}/projects/SN-101/")
    expect(page.locator("#history")).to_contain_text("退库申请")
    shot(page, "ledger-06-project-page-history", full_page=True)

    # The reviewer approves it from the queue.
    page.click("form.logout button")
    log_in(page, "shinan-review")
    page.click("nav.mainnav >> text=退库审核")
    card = page.locator("article.review", has_text="SN-101")
    expect(card).to_contain_text("企业调整投资计划，项目终止")
    shot(page, "ledger-07-review-queue")
    card.locator("textarea").fill("情况属实，同意退库")
    card.locator("button[value=approve]").click()
    expect(page.locator(".msg-success")).to_contain_text("已批准 SN-101 退库")
    expect(page.locator("#decided")).to_contain_text("情况属实，同意退库")
    shot(page, "ledger-08-approved")
    page.set_viewport_size(PHONE)
    shot(page, "ledger-08-approved-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    project.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN
    page.goto(f"{page.base}/projects/SN-101/")
    expect(page.locator("#facts")).to_contain_text("退库")
    expect(page.locator("#edit-project")).to_have_count(0)  # frozen

    # The header's search finds it by name.
    page.fill("#header-search", "海洋科技")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results")).to_contain_text("SN-101")
    page.set_viewport_size(PHONE)
    shot(page, "ledger-09-search-phone", full_page=True)
