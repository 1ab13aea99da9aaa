"""The issues API (INTERFACES.md §4): scoped lists with filters and constant query counts,
creation, /transition/ (400 out of order naming the allowed actions, 403 wrong role, 404 out of
scope), and attachments checked by content and size."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from supervision.choices import IssueStatus
from supervision.models import Issue, IssueAttachment

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def office_file(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main_part, "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- Lists -----------------------------------------------------------------------------------


def test_city_official_sees_issues_of_every_district(
    clock, make_issue, other_project, api, city_official
):
    make_issue()
    make_issue(project=other_project)
    assert api(city_official).get("/api/v1/issues/").json()["count"] == 2


def test_district_official_cannot_see_other_district(
    clock, make_issue, other_project, api, district_official, other_official
):
    own = make_issue()
    theirs = make_issue(project=other_project)
    assert [i["id"] for i in api(district_official).get("/api/v1/issues/").json()["results"]] == [
        own.pk
    ]
    assert api(district_official).get(f"/api/v1/issues/{theirs.pk}/").status_code == 404
    assert [i["id"] for i in api(other_official).get("/api/v1/issues/").json()["results"]] == [
        theirs.pk
    ]


def test_anonymous_gets_401(clock, make_issue, api):
    issue = make_issue()
    assert api().get("/api/v1/issues/").status_code == 401
    assert (
        api().post(f"/api/v1/issues/{issue.pk}/transition/", {"action": "assign"}).status_code
        == 401
    )


def test_issue_shows_status_deadline_provisional_and_overdue(
    clock, make_issue, api, district_official
):
    make_issue(IssueStatus.ASSIGNED)
    clock.move_to(dt.datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
    row = api(district_official).get("/api/v1/issues/").json()["results"][0]
    assert (row["status"], row["deadline"], row["deadline_provisional"], row["overdue"]) == (
        "assigned",
        "2026-10-10",
        False,
        True,
    )
    assert row["allowed_actions"] == ["assign", "start"]  # a district official re-assigns


def test_filters(clock, make_issue, other_project, api, city_official):
    overdue = make_issue(IssueStatus.ASSIGNED)
    other = make_issue(project=other_project)
    clock.move_to(dt.datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
    client = api(city_official)

    def ids(query):
        response = client.get(f"/api/v1/issues/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(i["id"] for i in response.json()["results"])

    assert ids("project=QD-002") == [other.pk]
    assert ids("region=370202") == [overdue.pk]
    assert ids("region=370200") == sorted([overdue.pk, other.pk])
    assert ids("status=collected") == [other.pk]
    assert ids("status=collected&status=assigned") == sorted([overdue.pk, other.pk])
    assert ids("overdue=true") == [overdue.pk]
    assert ids("overdue=false") == [other.pk]
    assert ids("category=approval") == sorted([overdue.pk, other.pk])
    assert ids("category=land") == []
    assert client.get("/api/v1/issues/?status=lost").status_code == 400
    assert client.get("/api/v1/issues/?region=999999").status_code == 400


def test_issue_list_query_count_does_not_grow(
    clock, make_issue, api, district_official, django_assert_num_queries
):
    make_issue(IssueStatus.ASSIGNED)
    client = api(district_official)
    # 1 count, 2 page of issues with project, region, unit, assignee, raiser, meeting
    with django_assert_num_queries(2):
        client.get("/api/v1/issues/")
    for status in [IssueStatus.IN_PROGRESS, IssueStatus.CLOSED, IssueStatus.ESCALATED] * 3:
        make_issue(status)
    with django_assert_num_queries(2):
        assert client.get("/api/v1/issues/").json()["count"] == 10


# --- Create ----------------------------------------------------------------------------------


def test_district_official_raises_an_issue(clock, project, api, district_official):
    response = api(district_official).post(
        "/api/v1/issues/",
        {
            "project": "QD-001",
            "title": "用地指标未落实",
            "description": "缺 30 亩",
            "category": "land",
            "difficulty": "hard",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["raised_by"], body["difficulty"]) == (
        "collected",
        "shinan",
        "hard",
    )
    assert body["transitions"][0]["action"] == "collect"


def test_issue_for_a_project_of_another_district_is_a_400(
    clock, other_project, api, district_official
):
    response = api(district_official).post(
        "/api/v1/issues/", {"project": "QD-002", "title": "x", "category": "land"}, format="json"
    )
    assert response.status_code == 400 and "project" in response.json()
    assert not Issue.objects.exists()


def test_viewer_cannot_raise_an_issue(clock, project, api, viewer):
    response = api(viewer).post(
        "/api/v1/issues/", {"project": "QD-001", "title": "x", "category": "land"}, format="json"
    )
    assert response.status_code == 403


def test_bad_category_is_a_400_naming_the_field(clock, project, api, district_official):
    response = api(district_official).post(
        "/api/v1/issues/", {"project": "QD-001", "title": "x", "category": "weather"}, format="json"
    )
    assert response.status_code == 400 and "category" in response.json()


# --- Transitions -----------------------------------------------------------------------------


def test_assign_through_the_api(clock, make_issue, unit, assignee, api, city_official):
    issue = make_issue()
    response = api(city_official).post(
        f"/api/v1/issues/{issue.pk}/transition/",
        {"action": "assign", "unit": unit.pk, "assignee": assignee.pk, "note": "请尽快办理"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["assigned_unit_name"], body["assignee_name"]) == (
        "assigned",
        "市南区自然资源局",
        "张伟",
    )
    assert (body["deadline"], body["deadline_provisional"]) == ("2026-10-10", False)
    last = body["transitions"][-1]
    assert (
        last["action"],
        last["from_status"],
        last["to_status"],
        last["actor"],
        last["note"],
    ) == (
        "assign",
        "collected",
        "assigned",
        "city",
        "请尽快办理",
    )


def test_out_of_order_transition_is_a_400_naming_the_allowed_actions(
    clock, make_issue, api, city_official
):
    issue = make_issue()
    response = api(city_official).post(
        f"/api/v1/issues/{issue.pk}/transition/", {"action": "close"}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["action"][0]
    assert "assign" in message and "已收集" in message
    issue.refresh_from_db()
    assert issue.status == IssueStatus.COLLECTED and issue.transitions.count() == 1


def test_wrong_role_is_a_403(clock, make_issue, unit, api, district_official):
    issue = make_issue(IssueStatus.ASSIGNED)  # 督办通报 is the supervisors' (not an official's)
    response = api(district_official).post(
        f"/api/v1/issues/{issue.pk}/transition/", {"action": "escalate"}, format="json"
    )
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == IssueStatus.ASSIGNED


def test_transition_of_another_districts_issue_is_a_404(clock, make_issue, api, other_official):
    issue = make_issue(IssueStatus.ASSIGNED)
    response = api(other_official).post(
        f"/api/v1/issues/{issue.pk}/transition/", {"action": "start"}, format="json"
    )
    assert response.status_code == 404


def test_deadline_in_the_past_is_a_400_and_changes_nothing(
    clock, make_issue, unit, api, city_official
):
    issue = make_issue()
    response = api(city_official).post(
        f"/api/v1/issues/{issue.pk}/transition/",
        {"action": "assign", "unit": unit.pk, "deadline": "2026-09-01"},
        format="json",
    )
    assert response.status_code == 400 and "deadline" in response.json()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.COLLECTED and issue.deadline is None


def test_unknown_action_is_a_400(clock, make_issue, api, city_official):
    issue = make_issue()
    response = api(city_official).post(
        f"/api/v1/issues/{issue.pk}/transition/", {"action": "delete"}, format="json"
    )
    assert response.status_code == 400 and "action" in response.json()


# --- Attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("现场.jpg", JPEG, "photo"),
        ("现场.png", PNG, "photo"),
        ("现场.webp", WEBP, "photo"),
        ("批复.pdf", PDF, "document"),
        ("情况说明.docx", office_file("word/document.xml"), "document"),
        ("台账.xlsx", office_file("xl/workbook.xml"), "document"),
    ],
)
def test_documents_and_photos_are_accepted(
    clock, make_issue, api, district_official, _media, name, content, kind
):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    response = api(district_official).post(
        f"/api/v1/issues/{issue.pk}/attachments/",
        {"file": upload(name, content), "caption": "现场照片"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["original_name"]) == (kind, name)
    assert len(stored_files(_media)) == 1
    listed = api(district_official).get(f"/api/v1/issues/{issue.pk}/attachments/").json()
    assert [a["original_name"] for a in listed] == [name]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场.jpg", b"MZ\x90\x00 this is an executable"),  # not an image at all
        ("现场.jpg", PNG),  # an image, but not what its name says
        ("说明.txt", b"plain text"),
        ("压缩包.docx", office_file("other/thing.xml")),  # a zip that is not a Word file
        ("空.pdf", b""),
    ],
)
def test_upload_that_is_not_an_image_or_document_is_a_400_and_nothing_is_stored(
    clock, make_issue, api, district_official, _media, name, content
):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    response = api(district_official).post(
        f"/api/v1/issues/{issue.pk}/attachments/",
        {"file": upload(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not IssueAttachment.objects.exists()
    assert stored_files(_media) == []


def test_a_50_mb_file_is_a_400_and_nothing_is_stored(
    clock, make_issue, api, district_official, _media
):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    big = JPEG + b"\x00" * (50 * 1024 * 1024)
    response = api(district_official).post(
        f"/api/v1/issues/{issue.pk}/attachments/",
        {"file": upload("航拍.jpg", big)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "20 MB" in response.json()["file"][0]
    assert not IssueAttachment.objects.exists()
    assert stored_files(_media) == []


def test_viewer_cannot_attach(clock, make_issue, api, viewer):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    response = api(viewer).post(
        f"/api/v1/issues/{issue.pk}/attachments/",
        {"file": upload("现场.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 403
