"""停工/复工, the 12-month plan and a task force in a real Chromium (issue #11 items 2, 3, 7): a
district official stops a project with a reason, sees the badge on its page and the count on
the overview (its list shows the same projects), resumes it; enters a monthly plan that does not
add up to the annual plan (the difference is shown, nothing saved), then one that does; sets up
a task force and adds a member. No JavaScript error (the `page` fixture); screenshots at
1366×768 and 390 px."""

import datetime as dt

import pytest

from tests.browser.conftest import OFFICE, PHONE, log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[browser]')"
).expect


def test_district_official_stops_resumes_plans_months_and_sets_up_a_task_force(page, city):
    from projects.models import MonthlyPlan, Person, Stoppage, TaskForceMember

    Person.objects.create(name="刘工程师", region=city["shinan"], unit=city["unit"], title="科长")
    code = "SN-002"
    stopped_on = dt.date(city["year"], city["month"], 1)  # within the overview's month
    log_in(page, "shinan")

    # 停工 with a reason, from the project page.
    page.goto(f"{page.base}/projects/{code}/")
    page.click("#stop-project")
    page.select_option("#id_reason", "other")
    page.fill("#id_stopped_on", stopped_on.isoformat())
    page.click("#save-stop")  # 其他 without the text: refused beside the field
    expect(page.locator("#field-note .errorlist")).to_contain_text("须填写说明")
    assert not Stoppage.objects.exists()
    page.select_option("#id_reason", "land")
    page.fill("#id_note", "征地拆迁未完成")
    shot(page, "stoppage-01-stop-form")
    page.click("#save-stop")
    expect(page.locator("#stoppage-badge")).to_contain_text("停工中")
    expect(page.locator("#stoppage-badge")).to_contain_text("用地")
    shot(page, "stoppage-02-project-badge")
    page.set_viewport_size(PHONE)
    shot(page, "stoppage-02-project-badge-phone")
    page.set_viewport_size(OFFICE)

    # The overview counts it; its list shows the same project.
    page.goto(f"{page.base}/?period={city['period']}")
    expect(page.locator("#stopped-count .value")).to_have_text("1")
    shot(page, "stoppage-03-overview-count")
    page.click("#stopped-count")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text(code)
    expect(page.locator("#results tbody")).to_contain_text("停工中")
    shot(page, "stoppage-04-list-filter")

    # 复工.
    page.goto(f"{page.base}/projects/{code}/")
    page.click("#resume-project")
    page.fill("#id_resumed_on", (stopped_on - dt.timedelta(days=1)).isoformat())
    page.click("#save-resume")  # before the stop: refused beside the field
    expect(page.locator("#field-resumed_on .errorlist")).to_contain_text("不能早于停工日期")
    page.fill("#id_resumed_on", dt.date.today().isoformat())  # noqa: DTZ011 (the browser's day)
    page.click("#save-resume")
    expect(page.locator("#stoppage-badge")).to_have_count(0)
    expect(page.locator("#stop-project")).to_be_visible()
    assert Stoppage.objects.get().resumed_on is not None

    # The monthly plan: 12 cells that do not add up, then ones that do (annual plan 1200).
    page.goto(f"{page.base}/projects/{code}/plan/?year={city['year']}")
    page.click("#monthly-plan")
    for month in range(1, 13):
        page.fill(f"#id_m{month}", "100" if month < 12 else "80")
    page.click("#save-monthly-plan")
    expect(page.locator("#field-confirm_mismatch .errorlist")).to_contain_text("相差 -20.00 万元")
    assert not MonthlyPlan.objects.exists()
    shot(page, "stoppage-05-monthly-plan-mismatch", full_page=True)
    page.set_viewport_size(PHONE)
    shot(page, "stoppage-05-monthly-plan-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    page.fill("#id_m12", "100")
    page.click("#save-monthly-plan")
    expect(page.locator(".msg-success")).to_contain_text("分月计划已保存")
    assert MonthlyPlan.objects.count() == 12

    # A task force with a member.
    page.goto(f"{page.base}/projects/{code}/")
    page.click("#edit-task-forces")
    page.fill("#id_name", "征地攻坚专班")
    page.click("#save-task-force")
    expect(page.locator(".msg-success")).to_contain_text("已成立")
    page.select_option("#id_member-person", label="刘工程师 · 市南区自然资源局 · 科长")
    page.fill("#id_member-duty", "征地协调")
    page.click("#save-member")
    expect(page.locator(".msg-success")).to_contain_text("已加入专班")
    assert TaskForceMember.objects.get().duty == "征地协调"
    shot(page, "stoppage-06-task-force", full_page=True)
    page.set_viewport_size(PHONE)
    shot(page, "stoppage-06-task-force-phone", full_page=True)
    page.set_viewport_size(OFFICE)
    page.goto(f"{page.base}/projects/{code}/")
    expect(page.locator("#task-forces")).to_contain_text("征地攻坚专班")
    expect(page.locator("#task-forces")).to_contain_text("刘工程师")
    expect(page.locator("#history")).to_contain_text("专班")
    page.locator("#task-forces").scroll_into_view_if_needed()
    shot(page, "stoppage-07-project-page-task-force")
