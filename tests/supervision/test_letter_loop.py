"""Reminder letters close their loop (meetings.services.letter_reply / letter_verify): the
district's reply recorded against the letter, the city's verification, open letters on the
next agenda, letters generated when the month's district ranking is published, and the
regenerate message saying what changed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import rankings
from assessment.models import ProjectStatus
from meetings import services as meeting_services
from meetings.choices import LetterState, LetterVerdict
from meetings.models import ReminderLetter
from meetings.selectors import open_letters
from tests.supervision.test_letters import colours  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def letter(colours, regions, city_official):  # noqa: F811
    return meeting_services.letter_generate(
        region=regions["district"], year=2026, month=8, actor=city_official
    )


def test_a_reply_is_recorded_and_verified_by_the_city(
    letter, district_official, city_official, clock
):
    assert letter.state == LetterState.AWAITING
    replied = meeting_services.letter_reply(
        letter=letter,
        text="已召开专题会，逐项明确整改责任人",
        measures="红色项目实行区级领导专班推进",
        attachment=SimpleUploadedFile("整改报告.pdf", PDF, content_type="application/pdf"),
        actor=district_official,
    )
    assert replied.state == LetterState.REPLIED and replied.replied_by == district_official
    assert replied.reply_attachment.name.endswith(".pdf")

    with pytest.raises(ValidationError) as refused:
        meeting_services.letter_verify(letter=replied, accepted=False, actor=city_official)
    assert "verification_note" in refused.value.message_dict
    unsatisfied = meeting_services.letter_verify(
        letter=replied, accepted=False, note="措施不具体，请补充时间表", actor=city_official
    )
    assert unsatisfied.state == LetterState.UNSATISFACTORY

    again = meeting_services.letter_reply(
        letter=unsatisfied, text="补充了时间表", actor=district_official
    )
    assert again.state == LetterState.REPLIED and again.verdict == LetterVerdict.PENDING
    closed = meeting_services.letter_verify(letter=again, accepted=True, actor=city_official)
    assert closed.state == LetterState.ACCEPTED
    assert closed.history.count() == 5  # generated, replied, unsatisfactory, replied, accepted
    with pytest.raises(ValidationError):
        meeting_services.letter_reply(letter=closed, text="再改", actor=district_official)


def test_only_the_district_replies_and_only_the_city_verifies(
    letter, other_official, district_official
):
    with pytest.raises(PermissionDenied):
        meeting_services.letter_reply(letter=letter, text="不是我的区", actor=other_official)
    meeting_services.letter_reply(letter=letter, text="已整改", actor=district_official)
    with pytest.raises(PermissionDenied):
        meeting_services.letter_verify(letter=letter, accepted=True, actor=district_official)


def test_unanswered_and_unsatisfactory_letters_are_open_for_the_next_agenda(
    letter, regions, district_official, city_official
):
    before_deadline = letter.reply_deadline
    after_deadline = letter.reply_deadline + dt.timedelta(days=1)
    assert not open_letters(region=regions["city"], on=before_deadline).exists()
    assert list(open_letters(region=regions["city"], on=after_deadline)) == [letter]

    meeting_services.letter_reply(letter=letter, text="已整改", actor=district_official)
    assert not open_letters(region=regions["city"], on=after_deadline).exists()  # to verify
    meeting_services.letter_verify(
        letter=letter, accepted=False, note="不到位", actor=city_official
    )
    assert list(open_letters(region=regions["city"], on=after_deadline)) == [letter]
    assert not open_letters(region=regions["other"], on=after_deadline).exists()

    meeting = meeting_services.meeting_create(
        kind="monthly", region=regions["city"], date=after_deadline, actor=city_official
    )
    from meetings.agenda import build_agenda

    rows = build_agenda(meeting, user=city_official)["open_letters"]
    assert [(r["number"], r["state"], r["note"]) for r in rows] == [
        (letter.number, "unsatisfactory", "不到位")
    ]


def test_the_regenerate_message_says_what_changed(letter, colours, regions, city_official):  # noqa: F811
    ProjectStatus.objects.filter(project=colours["stalled"], year=2026, month=8).update(
        colour="yellow"
    )  # red → yellow
    message = meeting_services.letter_regenerate(letter=letter, actor=city_official)
    assert (
        letter.number in message
        and "颜色变化 1 个：市南区停滞项目（红色（基本停滞）→黄色（进度较慢））" in message
    )
    assert "没有变化" in meeting_services.letter_regenerate(letter=letter, actor=city_official)


def test_publishing_the_district_ranking_generates_the_months_letters(
    colours,  # noqa: F811
    regions,
    city_official,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.LETTERS_AUTO_GENERATE = True
    with django_capture_on_commit_callbacks(execute=True):
        rankings.publish(scope="district", parent=regions["city"], year=2026, month=8)
    assert set(ReminderLetter.objects.values_list("region__name", flat=True)) == {
        "市南区",
        "市北区",
    }


def test_no_letters_after_publishing_when_switched_off(
    colours,  # noqa: F811
    regions,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.LETTERS_AUTO_GENERATE = False
    with django_capture_on_commit_callbacks(execute=True):
        rankings.publish(scope="district", parent=regions["city"], year=2026, month=8)
    assert not ReminderLetter.objects.exists()


def test_the_reply_page_takes_the_reply_and_the_verification(
    client, letter, district_official, city_official, django_assert_max_num_queries
):
    url = reverse("meetings:letter_reply", args=[letter.pk])
    client.force_login(district_official)
    response = client.post(url, {"action": "reply", "reply_text": ""})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    response = client.post(url, {"action": "reply", "reply_text": "已整改完毕"})
    assert response.status_code == 302
    client.force_login(city_official)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert "已整改完毕" in page.content.decode() and 'id="letter-verify"' in page.content.decode()
    response = client.post(url, {"action": "verify", "verdict": "unsatisfactory"})
    assert "认定整改不到位时请写明核验意见" in response.content.decode()
    client.post(url, {"action": "verify", "verdict": "accepted"})
    letter.refresh_from_db()
    assert letter.verdict == LetterVerdict.ACCEPTED
    listed = client.get(reverse("meetings:letter_list")).content.decode()
    assert "已闭环" in listed
