"""The monthly reporting sheet: one screen per district and month, saved together and
all-or-nothing; messages beside the bad cells; a stale edit is a conflict, never overwritten;
after saving, the page follows the recompute."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import PeriodComputation, ProjectStatus
from projects import services
from projects.models import MonthlyReport
from tests.ui.conftest import YEAR

pytestmark = pytest.mark.django_db

MONTH = "2024-11"


def sheet_url(region, period=MONTH) -> str:
    return reverse("projects:reporting_form", args=[region.code, period])


def post_data(response, amounts: dict[str, str], notes: dict[str, str] | None = None) -> dict:
    """The sheet as the browser would send it, with `amounts` typed in (by project code)."""
    formset = response.context["formset"]
    data = {
        f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "2000",
    }
    for row in response.context["rows"]:
        form = row.form
        value = form["completed_investment"].value()
        data[form.add_prefix("project")] = str(row.project.pk)
        data[form.add_prefix("version")] = form["version"].value() or ""
        data[form.add_prefix("completed_investment")] = amounts.get(
            row.project.code, "" if value is None else str(value)
        )
        data[form.add_prefix("note")] = (notes or {}).get(row.project.code, form["note"].value())
    return data


def test_sheet_lists_the_districts_projects(client, district_official, regions, portfolio):
    client.force_login(district_official)
    response = client.get(sheet_url(regions["district"]))
    assert response.status_code == 200
    assert [r.project.code for r in response.context["rows"]] == [f"SN-{i:03d}" for i in range(6)]
    row = response.context["rows"][1]
    assert row.annual_plan == Decimal("1200")
    assert row.completed_before == Decimal("1000")  # January to October


def test_official_of_another_district_cannot_open_our_sheet(
    client, other_official, regions, portfolio
):
    client.force_login(other_official)
    assert client.get(sheet_url(regions["district"])).status_code == 404


def test_city_official_may_fill_in_any_district_of_the_city(
    client, city_official, regions, portfolio
):
    client.force_login(city_official)
    assert client.get(sheet_url(regions["other"])).status_code == 200


def test_a_reader_cannot_fill_in(client, viewer, regions, portfolio):
    client.force_login(viewer)
    assert client.get(sheet_url(regions["district"])).status_code == 403


def test_the_whole_sheet_is_saved_together(client, district_official, regions, portfolio):
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    amounts = {f"SN-{i:03d}": f"{100 + i}.50" for i in range(6)}
    response = client.post(url, post_data(client.get(url), amounts, {"SN-001": "主体封顶"}))
    assert response.status_code == 302
    assert "saved=" in response["Location"]
    reports = MonthlyReport.objects.filter(year=YEAR, month=11).order_by("project__code")
    assert [r.completed_investment for r in reports] == [Decimal(f"{100 + i}.50") for i in range(6)]
    assert reports[1].note == "主体封顶"
    assert reports[0].history.first().history_user == district_official


def test_one_bad_cell_saves_nothing_and_is_marked_beside_the_cell(
    client, district_official, regions, portfolio
):
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    amounts = {f"SN-{i:03d}": "100" for i in range(6)} | {"SN-003": "12万"}
    response = client.post(url, post_data(client.get(url), amounts))
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert not MonthlyReport.objects.filter(year=YEAR, month=11).exists()
    bad = next(r for r in response.context["rows"] if r.project.code == "SN-003")
    assert bad.form.errors["completed_investment"] == ["请输入数字（万元），如 1234.5"]
    body = response.content.decode()
    row_html = body[body.index('id="row-SN-003"') : body.index('id="row-SN-004"')]
    assert "请输入数字（万元），如 1234.5" in row_html
    assert 'value="12万"' in row_html  # what was typed stays, to be corrected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "完成投资不能为负数"),
        ("1,23.5", "千位分隔符位置不对，请写成 1,234.5 或 1234.5"),
        ("99999999999999.5", "数值过大，请检查单位是否为万元"),
    ],
)
def test_each_kind_of_bad_amount_gets_its_message(
    client, district_official, regions, portfolio, typed, message
):
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    response = client.post(url, post_data(client.get(url), {"SN-001": typed}))
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    row = next(r for r in response.context["rows"] if r.project.code == "SN-001")
    assert message in row.form.errors["completed_investment"]


def test_fixing_the_bad_cell_then_saves_everything(client, district_official, regions, portfolio):
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    # (not 100: October's figure — three equal months in a row would be a plausibility warning)
    amounts = {f"SN-{i:03d}": "110" for i in range(6)}
    bad = client.post(url, post_data(client.get(url), amounts | {"SN-003": "abc"}))
    fixed = client.post(url, post_data(bad, amounts))
    assert fixed.status_code == 302
    assert MonthlyReport.objects.filter(year=YEAR, month=11).count() == 6


def test_a_stale_edit_is_a_conflict_and_nothing_is_overwritten(
    client, district_official, city_official, regions, portfolio
):
    project = portfolio["district"][1]
    report = services.report_create(
        project=project, year=YEAR, month=11, completed_investment=Decimal("80")
    )
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    opened = client.get(url)  # the official reads version 1 …
    services.report_update(  # … someone else saves in between
        report=report, actor=city_official, expected_version=1, completed_investment=Decimal("95")
    )
    amounts = {"SN-001": "120", "SN-002": "110"}
    response = client.post(url, post_data(opened, amounts))
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    report.refresh_from_db()
    assert report.completed_investment == Decimal("95")  # not overwritten
    assert not MonthlyReport.objects.filter(project__code="SN-002", month=11).exists()
    row = next(r for r in response.context["rows"] if r.project.code == "SN-001")
    assert "95.00" in row.conflict and "city" in row.conflict
    # Confirming against the version now shown saves the official's figure.
    again = client.post(url, post_data(response, amounts))
    assert again.status_code == 302
    report.refresh_from_db()
    assert report.completed_investment == Decimal("120")


def test_an_existing_report_cannot_be_blanked(client, district_official, regions, portfolio):
    services.report_create(
        project=portfolio["district"][1], year=YEAR, month=11, completed_investment=Decimal("80")
    )
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    response = client.post(url, post_data(client.get(url), {"SN-001": ""}))
    assert response.status_code == 200  # the page again, with the messages (never a 500)
    assert MonthlyReport.objects.get(project__code="SN-001", month=11).completed_investment == 80


def test_after_saving_the_page_shows_when_colours_were_recomputed(
    client, district_official, regions, portfolio, django_capture_on_commit_callbacks
):
    client.force_login(district_official)
    url = sheet_url(regions["district"], "2024-10")
    form = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):  # the recompute hook runs on commit
        response = client.post(url, post_data(form, {"SN-000": "500"}))
    saved = int(response["Location"].split("saved=")[1])
    status_url = reverse("projects:reporting_status", args=[regions["district"].code, "2024-10"])
    status = client.get(status_url, {"saved": saved}, headers={"HX-Request": "true"})
    assert status.status_code == 286  # htmx: stop polling, it is done
    assert "四色和排名已于" in status.content.decode()
    computed = PeriodComputation.objects.get(year=2024, month=10)
    assert computed.finished_at.timestamp() * 1000 >= saved
    # …and the saved figure is in the colours: SN-000 is no longer a project without reports.
    status_row = ProjectStatus.objects.get(project__code="SN-000", year=2024, month=10)
    assert status_row.completed_ytd == Decimal("500")
    assert "未报送" not in status_row.reason


def test_status_keeps_polling_until_a_recompute_follows_the_save(
    client, district_official, regions, portfolio
):
    client.force_login(district_official)
    status_url = reverse("projects:reporting_status", args=[regions["district"].code, "2024-10"])
    finished = PeriodComputation.objects.get(year=2024, month=10).finished_at
    later = str(int(finished.timestamp() * 1000) + 60_000)
    response = client.get(status_url, {"saved": later}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "正在重新计算" in response.content.decode()


def test_sheet_queries_do_not_grow_with_the_number_of_projects(
    client, district_official, regions, portfolio, django_assert_num_queries
):
    from tests.ui.conftest import make_projects

    client.force_login(district_official)
    url = sheet_url(regions["district"])
    client.get(url)
    for more in (0, 30):
        if more:
            make_projects(regions["district"], more, prefix="MORE")
        # 1 session, 2 user, 3 the district, 4 the user's region (scoping), 5 the projects,
        # 6 their plans, 7 completed before the month, 8 the month's reports.
        with django_assert_num_queries(8):
            response = client.get(url)
        assert len(response.context["rows"]) == 6 + more


def test_choosing_a_sheet_with_a_bad_month_says_why(client, city_official, regions, portfolio):
    client.force_login(city_official)
    start = reverse("projects:reporting")
    response = client.get(start, {"region": regions["district"].code, "period": "2024-1x"})
    assert response.status_code == 200
    assert "格式不正确" in response.content.decode()
    chosen = client.get(start, {"region": regions["district"].code, "period": "2024-09"})
    assert chosen["Location"] == sheet_url(regions["district"], "2024-09")
    elsewhere = client.get(start, {"region": regions["other_city_district"].code, "period": MONTH})
    assert elsewhere.status_code == 200  # not a district of the user's: the chooser again


def test_a_sheet_whose_projects_changed_meanwhile_saves_nothing(
    client, district_official, regions, portfolio
):
    from tests.ui.conftest import make_projects

    client.force_login(district_official)
    url = sheet_url(regions["district"])
    opened = client.get(url)
    make_projects(regions["district"], 1, prefix="LATE")  # added while the official types
    response = client.post(url, post_data(opened, {f"SN-{i:03d}": "100" for i in range(6)}))
    assert response.status_code == 200
    assert "有变化" in response.content.decode()
    assert not MonthlyReport.objects.filter(year=YEAR, month=11).exists()
    assert len(response.context["rows"]) == 7


def test_a_district_of_2000_projects_saves_its_sheet(client, district_official, regions):
    from projects.models import Project

    Project.objects.bulk_create(
        Project(
            code=f"BIG-{i:04d}",
            name=f"项目{i}",
            region=regions["district"],
            level="district",
            stage="construction",
        )
        for i in range(2000)
    )
    client.force_login(district_official)
    url = sheet_url(regions["district"])
    page = client.get(url)
    assert len(page.context["rows"]) == 2000
    amounts = {f"BIG-{i:04d}": "1.00" for i in range(2000)}
    response = client.post(url, post_data(page, amounts))
    assert response.status_code == 302
    assert MonthlyReport.objects.filter(year=2024, month=11).count() == 2000
