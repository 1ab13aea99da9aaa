"""Reminder letters (提示函): one per district and period, in the official format, as a Word
file whose text the test reads back, a printable page, and the letters API."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from docx import Document

from assessment.models import ProjectStatus
from meetings import services as meeting_services
from meetings.models import ReminderLetter
from supervision import services
from supervision.models import SupervisionSettings
from tests.factories import ProjectFactory, stored_status

pytestmark = pytest.mark.django_db


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def status(project, colour, year=2026, month=8, **fields):
    return stored_status(project, year, month, colour, **fields)


SILENT = {  # the reporting check: no report for two months
    "rate": "0.5",
    "progress": "0.666667",
    "progress_verdict": "yellow",
    "months_without_report": 2,
    "reporting_window": 2,
    "reporting_verdict": "red",
}
LATE_START = {
    "rate": None,
    "progress": None,
    "under_construction": False,
    "started": False,
    "new_start": True,
    "planned_start": dt.date(2026, 3, 1),
    "months_late": 5,
    "start_verdict": "red",
}


@pytest.fixture
def colours(clock, regions, project, other_project):
    stalled = ProjectFactory(code="QD-010", name="市南区停滞项目", region=regions["district"])
    fine = ProjectFactory(code="QD-011", name="市南区正常项目", region=regions["district"])
    status(project, "yellow", rate="0.45", progress="0.666667")
    status(stalled, "red", **SILENT)
    status(fine, "green", rate="0.8", progress="0.666667")
    status(other_project, "red", **LATE_START)
    return {"stalled": stalled}


def test_generated_letter_contains_the_official_parts(colours, regions, city_official):
    letter = meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official
    )
    assert letter.number == "青重点办函〔2026〕1号"
    assert letter.period == "2026-08"
    assert (letter.red_count, letter.yellow_count) == (1, 1)
    text = docx_text(letter.file.read())
    letter.file.seek(0)
    lines = text.splitlines()
    assert lines[0] == "青岛市重点项目建设推进办公室"
    assert lines[1] == "青重点办函〔2026〕1号"
    assert "关于市南区2026年1—8月黄色、红色重点项目的提示函" in text
    assert "市南区人民政府：" in text
    assert "你区共有2个重点项目被列为黄色、红色项目（其中红色1个、黄色1个）" in text
    # The table: red first, with the colour and its reason.
    assert (
        "1 | QD-010 | 市南区停滞项目 | 红色（基本停滞） | 已连续 2 个月未报送月度完成投资；"
        "投资完成率 50.0%，时间进度 66.7%，落后 16.7 个百分点"
    ) in text
    yellow_row = "2 | QD-001 | 市南区测试项目 | 黄色（进度较慢） | "
    assert yellow_row + "投资完成率 45.0%，时间进度 66.7%，落后 21.7 个百分点" in text
    assert "QD-011" not in text and "QD-002" not in text  # green, and another district's
    assert "一、对照清单逐个分析项目滞后原因" in text
    # 10 working days after Mon 28 Sep 2026: 29, 30 Sep, 8, 9, 10 (Sat), 12–16 Oct.
    assert "请于2026年10月16日前将整改落实情况书面报送青岛市重点项目建设推进办公室。" in text
    paragraphs = [p.text for p in Document(io.BytesIO(letter.file.read())).paragraphs if p.text]
    assert paragraphs[-3:] == ["特此函告。", "青岛市重点项目建设推进办公室", "2026年9月28日"]


def test_asking_again_returns_the_stored_letter_and_numbers_run_on(colours, regions):
    first = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    again = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    other = meeting_services.letter_generate(region=regions["other"], year=2026, month=8)
    assert again.pk == first.pk
    assert other.number == "青重点办函〔2026〕2号"
    assert other.addressee == "市北区人民政府"
    assert ReminderLetter.objects.count() == 2


def test_regenerating_follows_the_current_colours_and_keeps_the_number(colours, regions):
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    ProjectStatus.objects.filter(project=colours["stalled"]).update(colour="white")
    again = meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, regenerate=True
    )
    assert again.pk == letter.pk and again.number == letter.number
    assert "QD-010" not in docx_text(again.file.read())


def test_letter_settings_change_issuer_number_and_actions(colours, regions):
    conf = SupervisionSettings.current()
    conf.letter_issuer = "青岛市重大项目建设指挥部办公室"
    conf.letter_number_prefix = "青重指办函"
    conf.letter_actions = "立即整改\n按月报告"
    conf.save()
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    text = docx_text(letter.file.read())
    assert letter.number == "青重指办函〔2026〕1号"
    assert "一、立即整改" in text and "二、按月报告" in text
    assert text.splitlines()[0] == "青岛市重大项目建设指挥部办公室"


def test_a_district_without_yellow_or_red_projects_gets_no_letter(clock, regions, project):
    from django.core.exceptions import ValidationError

    status(project, "white", rate="0.6", progress="0.666667")
    with pytest.raises(ValidationError) as err:
        meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    assert "无需发提示函" in err.value.message_dict["region"][0]
    assert not ReminderLetter.objects.exists()


def test_a_reply_deadline_in_an_unknown_year_is_marked_and_recomputed(colours, regions, clock):
    clock.move_to(dt.datetime(2026, 12, 28, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    assert letter.reply_deadline_provisional is True
    assert "日期待确认" in docx_text(letter.file.read())
    services.holidays_load(
        days=[
            services.HolidayDay(dt.date(2027, 1, 1), False, "元旦"),
            services.HolidayDay(dt.date(2027, 5, 1), False, "劳动节"),
            services.HolidayDay(dt.date(2027, 10, 1), False, "国庆节"),
        ],
        complete_years=[2027],
    )
    letter.refresh_from_db()
    assert letter.reply_deadline_provisional is False
    assert "日期待确认" not in docx_text(letter.file.read())


def test_generate_letters_command_writes_one_per_district(colours, regions, capsys):
    call_command("generate_letters", "--period", "2026-08", "--region", "370200")
    assert ReminderLetter.objects.count() == 2
    assert "共 2 份提示函" in capsys.readouterr().out


# --- Printable page and API ------------------------------------------------------------------


@pytest.mark.urls("tests.supervision.urls")
def test_printable_page_shows_the_letter(colours, regions, client, district_official):
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    client.force_login(district_official)
    response = client.get(f"/supervision/letters/{letter.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for part in ["青重点办函〔2026〕1号", "市南区人民政府：", "市南区停滞项目", "2026年9月28日"]:
        assert part in html
    response = client.get(f"/supervision/letters/{letter.pk}/docx/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.urls("tests.supervision.urls")
def test_printable_page_of_another_district_is_404(colours, regions, client, other_official):
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    client.force_login(other_official)
    assert client.get(f"/supervision/letters/{letter.pk}/").status_code == 404


def test_letters_api_lists_by_period_and_scope(
    colours, regions, api, city_official, district_official, other_official
):
    response = api(city_official).post(
        "/api/v1/letters/", {"region": "370202", "period": "2026-08"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["period"], body["red"], body["yellow"]) == (
        "青重点办函〔2026〕1号",
        "2026-08",
        1,
        1,
    )
    meeting_services.letter_generate(region=regions["other"], year=2026, month=8)
    city = api(city_official).get("/api/v1/letters/?period=2026-08").json()
    assert city["count"] == 2
    assert api(city_official).get("/api/v1/letters/?period=2026-07").json()["count"] == 0
    own = api(district_official).get("/api/v1/letters/").json()["results"]
    assert [row["region"] for row in own] == ["370202"]
    assert [
        row["region"] for row in api(other_official).get("/api/v1/letters/").json()["results"]
    ] == ["370203"]
    download = api(district_official).get(f"/api/v1/letters/{body['id']}/docx/")
    assert download.status_code == 200
    assert "青重点办函〔2026〕1号" in docx_text(b"".join(download.streaming_content))
    assert api(other_official).get(f"/api/v1/letters/{body['id']}/docx/").status_code == 404


def test_letters_api_bad_input_is_a_400(colours, api, city_official, district_official):
    client = api(city_official)
    assert (
        client.post("/api/v1/letters/", {"region": "370202", "period": "2026-13"}).status_code
        == 400
    )
    response = client.post("/api/v1/letters/", {"region": "370200", "period": "2026-08"})
    assert response.status_code == 400 and "region" in response.json()
    response = api(district_official).post(
        "/api/v1/letters/", {"region": "370202", "period": "2026-08"}
    )
    assert response.status_code == 403
    assert not ReminderLetter.objects.exists()


def test_letter_list_query_count_does_not_grow(
    colours, regions, api, city_official, django_assert_num_queries
):
    meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    client = api(city_official)
    with django_assert_num_queries(2):  # 1 count, 2 page of letters with their district
        client.get("/api/v1/letters/")
    for month in (5, 6, 7):
        status(colours["stalled"], "red", month=month, **SILENT)
        meeting_services.letter_generate(region=regions["district"], year=2026, month=month)
    with django_assert_num_queries(2):
        assert client.get("/api/v1/letters/").json()["count"] == 4


def test_word_file_is_scoped_and_a_missing_file_is_a_404(
    colours, regions, district_official, other_official, api
):
    letter = meeting_services.letter_generate(region=regions["district"], year=2026, month=8)
    page = reverse("meetings:letter_docx", args=[letter.pk])
    endpoint = f"/api/v1/letters/{letter.pk}/docx/"

    def client(user) -> Client:
        browser = Client()
        browser.force_login(user)
        return browser

    response = client(district_official).get(page)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert client(other_official).get(page).status_code == 404
    assert api(other_official).get(endpoint).status_code == 404

    ReminderLetter.objects.filter(pk=letter.pk).update(file="")  # before: a 500
    assert client(district_official).get(page).status_code == 404
    assert api(district_official).get(endpoint).status_code == 404
