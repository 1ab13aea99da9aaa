"""Plausibility checks at entry (issue #12 item 4): each rule warns in the sheet, the upload and
the API alike; nothing is saved until the user confirms; a confirmed report records the warnings
and who confirmed them (history too); the upload's check is set-wise (constant queries)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from imports.reports import import_reports
from projects import plausibility
from projects.choices import Stage
from projects.models import MonthlyReport, PlausibilitySettings
from tests.factories import MonthlyReportFactory, ProjectFactory, ProjectYearFactory

pytestmark = pytest.mark.django_db

YEAR = 2024
HEADERS = ["项目编号", "本月完成投资(万元)"]


@pytest.fixture
def site(regions):
    """A project under construction: plan 1,434 for 2024, 400 done January–March."""
    project = ProjectFactory(
        code="SN-P1", region=regions["district"], total_investment=Decimal("50000")
    )
    ProjectYearFactory(project=project, year=YEAR, annual_plan=Decimal("1434"))
    for month, amount in ((1, "100"), (2, "120"), (3, "180")):
        MonthlyReportFactory(
            project=project, year=YEAR, month=month, completed_investment=Decimal(amount)
        )
    return project


# Each rule: (how to set the project up, the month, the amount, the warning's code)
def _above_plan(project):
    return 4, Decimal("3000")  # remaining 1,034; 2 × 1,034 = 2,068 < 3,000


def _above_total(project):
    project.total_investment = Decimal("500")
    project.save()
    ProjectYearFactory(project=project, year=YEAR + 1, annual_plan=None)
    return 4, Decimal("600")


def _absurd(project):
    return 4, Decimal("999999999")


def _repeated(project):
    MonthlyReportFactory(project=project, year=YEAR, month=4, completed_investment=Decimal("180"))
    return 5, Decimal("180")  # March, April, May: 180 three times


def _december(project):
    for month in range(4, 12):
        MonthlyReportFactory(
            project=project, year=YEAR, month=month, completed_investment=Decimal("10")
        )
    return 12, Decimal("900")  # average of Jan–Nov: 480 / 11 ≈ 43.6; 3 × = 131


def _not_started(project):
    project.stage = Stage.SIGNED
    project.save()
    return 4, Decimal("50")


RULES = {
    "above_remaining_plan": _above_plan,
    "above_total": _above_total,
    "absurd": _absurd,
    "repeated": _repeated,
    "december_spike": _december,
    "not_started": _not_started,
}


def codes(project, month, amount):
    found = plausibility.check([plausibility.Entry(project, YEAR, month, amount)])
    return {w.code for w in found.get(0, [])}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_warns(site, rule):
    month, amount = RULES[rule](site)
    site.refresh_from_db()
    assert rule in codes(site, month, amount)


def test_a_plausible_month_has_no_warning(site):
    assert codes(site, 4, Decimal("150")) == set()


def test_thresholds_come_from_the_settings_and_zero_switches_a_rule_off(site):
    assert "above_remaining_plan" in codes(site, 4, Decimal("3000"))
    rules = PlausibilitySettings.current()
    rules.plan_multiple = Decimal("0")
    rules.absurd_amount = Decimal("100")
    rules.save()
    found = codes(site, 4, Decimal("3000"))
    assert "above_remaining_plan" not in found and "absurd" in found


# --- The API ----------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("rule", RULES)
def test_api_answers_400_with_the_warnings_until_confirmed(site, district_official, rule):
    month, amount = RULES[rule](site)
    url = f"/api/v1/projects/{site.code}/reports/"
    body = {"year": YEAR, "month": month, "completed_investment": str(amount)}
    response = api(district_official).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["completed_investment"]
    assert "confirm_warnings" in response.json()
    assert not MonthlyReport.objects.filter(project=site, year=YEAR, month=month).exists()

    response = api(district_official).post(url, {**body, "confirm_warnings": True}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["confirmed_warnings"] and data["warnings_confirmed_by"]["username"] == "shinan"
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=month)
    assert report.history.first().confirmed_warnings == data["confirmed_warnings"]


def test_api_correction_is_checked_too(site, district_official):
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=3)
    url = f"/api/v1/projects/{site.code}/reports/{YEAR}-03/"
    client = api(district_official)
    body = {"completed_investment": "999999999", "version": report.version}
    assert client.patch(url, body, format="json").status_code == 400
    response = client.patch(url, {**body, "confirm_warnings": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["confirmed_warnings"]


# --- The sheet --------------------------------------------------------------------------------


def sheet_post(response, amounts: dict[str, str], confirm=False) -> dict:
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
        data[form.add_prefix("note")] = form["note"].value() or ""
    if confirm:
        data["confirm_warnings"] = "1"
    return data


@pytest.mark.parametrize("rule", RULES)
def test_sheet_shows_the_warnings_beside_the_row_and_saves_only_when_confirmed(
    client, site, district_official, regions, rule
):
    month, amount = RULES[rule](site)
    client.force_login(district_official)
    url = reverse("projects:reporting_form", args=[regions["district"].code, f"{YEAR}-{month:02d}"])
    page = client.get(url)
    response = client.post(url, sheet_post(page, {site.code: str(amount)}))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r.project == site)
    assert row.warnings
    html = response.content.decode()
    assert 'name="confirm_warnings"' in html and row.warnings[0] in html
    assert not MonthlyReport.objects.filter(project=site, year=YEAR, month=month).exists()

    response = client.post(url, sheet_post(response, {site.code: str(amount)}, confirm=True))
    assert response.status_code == 302
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=month)
    assert report.completed_investment == amount
    assert report.confirmed_warnings and report.warnings_confirmed_by == district_official


# --- The upload -------------------------------------------------------------------------------


def xlsx(tmp_path, rows, name="m.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.mark.parametrize("rule", RULES)
def test_upload_lists_the_warnings_and_imports_only_when_confirmed(
    tmp_path, site, district_official, rule
):
    month, amount = RULES[rule](site)
    path = xlsx(tmp_path, [[site.code, float(amount)]])
    result = import_reports(path, year=YEAR, month=month, user=district_official)
    assert not result.ok
    assert {e.kind for e in result.errors} == {"plausibility"}
    assert result.errors[0].row == 2 and result.warnings
    assert not MonthlyReport.objects.filter(project=site, year=YEAR, month=month).exists()

    result = import_reports(
        path, year=YEAR, month=month, user=district_official, confirm_warnings=True
    )
    assert result.ok, result.errors
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=month)
    assert report.confirmed_warnings and report.warnings_confirmed_by == district_official
    assert report.history.first().warnings_confirmed_by_id == district_official.pk


def test_upload_confirmed_correction_records_the_warnings(tmp_path, site, district_official):
    path = xlsx(tmp_path, [[site.code, 999999999]])
    assert not import_reports(path, year=YEAR, month=3, user=district_official).ok
    result = import_reports(path, year=YEAR, month=3, user=district_official, confirm_warnings=True)
    assert result.ok and result.counts["reports_updated"] == 1
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=3)
    assert report.confirmed_warnings and report.history.first().confirmed_warnings


def _projects(regions, n, start):
    made = []
    for i in range(start, start + n):
        project = ProjectFactory(code=f"SN-Q{i:03d}", region=regions["district"])
        ProjectYearFactory(project=project, year=YEAR, annual_plan=Decimal("100"))
        made.append(project)
    return made


def test_upload_check_costs_the_same_queries_for_5_or_40_rows(
    tmp_path, regions, district_official, django_assert_num_queries
):
    PlausibilitySettings.current()  # the row exists (created on first use)
    for n, start in ((5, 0), (40, 100)):
        made = _projects(regions, n, start)
        rows = [[p.code, 5000] for p in made]  # every row above 2 × its plan
        path = xlsx(tmp_path, rows, name=f"q{n}.xlsx")
        # projects, scope, month's reports; settings, plans, the year's reports
        with django_assert_num_queries(6):
            result = import_reports(path, year=YEAR, month=4, user=district_official)
        assert len(result.errors) == n


# --- Separators and rounding ------------------------------------------------------------------


def test_separators_and_formula_noise_are_read_with_a_notice_listing_the_cells(
    tmp_path, regions, district_official
):
    from imports.cells import money_rounded, parse_money

    assert parse_money("1,234.5") == Decimal("1234.50")
    assert parse_money("1，234.5") == Decimal("1234.50")  # full-width comma
    assert parse_money(345519.99666) == Decimal("345520.00")
    assert parse_money("1.005") == Decimal("1.01")
    assert money_rounded(345519.99666) and not money_rounded(0.30000000000000004)

    made = _projects(regions, 3, 300)
    for project in made:
        project.total_investment = Decimal("9999999")
        project.save()
        project.years.update(annual_plan=Decimal("999999"))
    rows = [[made[0].code, "1,234.5"], [made[1].code, 3455.19666], [made[2].code, "12，345"]]
    result = import_reports(xlsx(tmp_path, rows), year=YEAR, month=4, user=district_official)
    assert result.ok, result.errors
    amounts = dict(
        MonthlyReport.objects.filter(year=YEAR, month=4).values_list(
            "project__code", "completed_investment"
        )
    )
    assert amounts == {
        made[0].code: Decimal("1234.50"),
        made[1].code: Decimal("3455.20"),
        made[2].code: Decimal("12345.00"),
    }
    notice = next(w for w in result.warnings if "四舍五入" in w)
    assert "B3" in notice and "B2" not in notice and "B4" not in notice


def test_sheet_and_api_read_separators_and_round_to_the_cent(
    client, site, district_official, regions
):
    client.force_login(district_official)
    url = reverse("projects:reporting_form", args=[regions["district"].code, f"{YEAR}-04"])
    response = client.post(url, sheet_post(client.get(url), {site.code: "1，00.005"}))
    assert response.status_code == 200  # a misplaced separator stays an error
    response = client.post(url, sheet_post(client.get(url), {site.code: "1,00"}))
    assert response.status_code == 200
    response = client.post(url, sheet_post(client.get(url), {site.code: "1,000.005"}))
    assert response.status_code == 302, response.context["formset"].errors
    report = MonthlyReport.objects.get(project=site, year=YEAR, month=4)
    assert report.completed_investment == Decimal("1000.01")

    body = {"year": YEAR, "month": 5, "completed_investment": "10.456"}
    response = api(district_official).post(
        f"/api/v1/projects/{site.code}/reports/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["completed_investment"] == "10.46"


# --- The prefilled template -------------------------------------------------------------------


def test_prefilled_template_lists_the_districts_projects_and_imports_back_unchanged(
    client, tmp_path, site, district_official, regions
):
    import io

    from openpyxl import load_workbook

    client.force_login(district_official)
    page = client.get(
        reverse("projects:reporting_form", args=[regions["district"].code, f"{YEAR}-03"])
    )
    url = reverse(
        "imports:reports_template_prefilled", args=[regions["district"].code, f"{YEAR}-03"]
    )
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    line = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert line["项目编号"] == site.code and line["项目名称"] == site.name
    assert Decimal(str(line["本月完成投资(万元)"])) == Decimal("180")
    assert Decimal(str(line["年度计划(万元)"])) == Decimal("1434")

    path = tmp_path / "prefilled.xlsx"
    path.write_bytes(content)
    before = MonthlyReport.history.count()
    result = import_reports(path, year=YEAR, month=3, user=district_official)
    assert result.ok, result.errors
    assert result.counts["reports_unchanged"] == 1
    assert result.counts["reports_created"] == result.counts["reports_updated"] == 0
    assert MonthlyReport.history.count() == before
    assert not [w for w in result.warnings if "忽略" in w]


def test_prefilled_template_of_another_district_is_404(client, site, other_official, regions):
    client.force_login(other_official)
    url = reverse(
        "imports:reports_template_prefilled", args=[regions["district"].code, f"{YEAR}-03"]
    )
    assert client.get(url).status_code == 404
