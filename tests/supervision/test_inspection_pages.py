"""Inspections recorded on a page (现场检查, from a phone), their list and detail, a finding
raised as an issue from its page, issue attachments and the evidence sent with 办结/销号, and
who may 交办 (a district's own officials, issue #11 item 10). Every write goes through the
services the API calls; every route is scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.choices import Role
from supervision import services
from supervision.api.serializers import InspectionSerializer
from supervision.choices import IssueSource, IssueStatus
from supervision.models import (
    Inspection,
    InspectionFinding,
    InspectionPhoto,
    Issue,
    IssueAttachment,
    IssueTransition,
    SupervisionSettings,
)
from supervision.workflow import Action
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 32
# the photo's lastModified as the browser sends it: 2026-09-28 01:20 UTC (09:20 in Qingdao)
TAKEN_MS = 1790558400000


def jpeg(name="塔吊.jpg", body=JPEG):
    return SimpleUploadedFile(name, body, content_type="image/jpeg")


def form_data(assignee, **extra):
    data = {
        "kind": "supervision",
        "date": "2026-09-28",
        "inspectors": [assignee.pk],
        "summary": "现场查看主体结构施工",
        "photo_times": str(TAKEN_MS),
        "latitude": "36.066200",
        "longitude": "120.382600",
        "findings-TOTAL_FORMS": "3",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "30",
        "findings-0-description": "塔吊未安装到位，影响施工进度",
        "findings-0-category": "other",
        "findings-0-raise_issue": "on",
        "findings-1-description": "安全文明施工措施到位",
        "findings-1-category": "other",
        "findings-2-description": "",  # an empty row is no finding
        "findings-2-category": "other",
    }
    data.update(extra)
    return data


def new_url(code="QD-001"):
    return reverse("supervision:inspection_new", args=[code])


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- Recording an inspection -----------------------------------------------------------------


def test_district_official_records_an_inspection_with_findings_photos_time_and_position(
    clock, client, project, assignee, district_official
):
    client.force_login(district_official)
    page = client.get(new_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "multiple" in html
    assert 'name="date" value="2026-09-28"' in html  # today by default
    response = client.post(new_url(), {**form_data(assignee), "photos": [jpeg(), jpeg("基坑.jpg")]})
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:inspection_detail", args=[inspection.pk])
    assert (inspection.kind, inspection.date, inspection.created_by) == (
        "supervision",
        dt.date(2026, 9, 28),
        district_official,
    )
    assert (inspection.latitude, inspection.longitude) == (Decimal("36.0662"), Decimal("120.3826"))
    assert list(inspection.inspectors.all()) == [assignee]
    findings = list(inspection.findings.order_by("pk"))
    assert [f.description for f in findings] == [
        "塔吊未安装到位，影响施工进度",
        "安全文明施工措施到位",
    ]
    assert findings[0].issue.source == IssueSource.INSPECTION and findings[1].issue is None
    photos = list(inspection.photos.order_by("pk"))
    assert [p.original_name for p in photos] == ["塔吊.jpg", "基坑.jpg"]
    assert photos[0].taken_at == dt.datetime.fromtimestamp(TAKEN_MS / 1000, tz=dt.UTC)
    assert photos[1].taken_at is None  # one time for two photos: the second is unknown
    assert photos[0].uploaded_by == district_official
    assert inspection.history.count() == 2  # by the service: the row, then its inspectors (m2m)
    assert inspection.history.earliest().created_by == district_official


def test_the_page_and_the_api_leave_the_same_inspection(
    clock, client, api, project, assignee, district_official
):
    client.force_login(district_official)
    client.post(new_url(), form_data(assignee, photo_times=""))
    body = {
        "project": "QD-001",
        "kind": "supervision",
        "date": "2026-09-28",
        "inspectors": [assignee.pk],
        "summary": "现场查看主体结构施工",
        "latitude": "36.066200",
        "longitude": "120.382600",
        "findings": [
            {
                "description": "塔吊未安装到位，影响施工进度",
                "category": "other",
                "raise_issue": True,
            },
            {"description": "安全文明施工措施到位", "category": "other"},
        ],
    }
    assert (
        api(district_official).post("/api/v1/inspections/", body, format="json").status_code == 201
    )
    by_page, by_api = Inspection.objects.order_by("pk")

    def shape(inspection):
        data = dict(InspectionSerializer(inspection).data)
        for key in ("id", "created_at"):
            data.pop(key)
        data["findings"] = [
            {k: v for k, v in f.items() if k not in ("id", "issue")} for f in data["findings"]
        ]
        return data

    assert shape(by_page) == shape(by_api)
    assert shape(by_api)["latitude"] == "36.066200"
    assert by_page.history.count() == by_api.history.count() == 2
    assert Issue.objects.filter(source=IssueSource.INSPECTION).count() == 2
    for issue in Issue.objects.all():  # each issue's first row, written by issue_create
        assert list(issue.transitions.values_list("action", "actor")) == [
            ("collect", district_official.pk)
        ]


def test_a_bad_photo_saves_nothing_and_says_so_beside_the_photos(
    clock, client, project, assignee, district_official, _media
):
    client.force_login(district_official)
    disguised = SimpleUploadedFile("现场.jpg", PDF, content_type="image/jpeg")
    response = client.post(new_url(), {**form_data(assignee), "photos": [jpeg(), disguised]})
    assert response.status_code == 200
    assert response.context["form"].errors["photos"]
    assert not Inspection.objects.exists() and not Issue.objects.exists()
    assert not InspectionFinding.objects.exists() and not InspectionPhoto.objects.exists()
    assert stored_files(_media) == []


def test_a_photo_over_the_size_limit_saves_nothing(
    clock, client, project, assignee, district_official, _media
):
    SupervisionSettings.objects.update_or_create(pk=1, defaults={"max_upload_mb": 1})
    client.force_login(district_official)
    big = jpeg(body=JPEG + b"\x00" * (1024 * 1024))
    response = client.post(new_url(), {**form_data(assignee), "photos": [big]})
    assert response.status_code == 200
    assert "1 MB" in " ".join(response.context["form"].errors["photos"])
    assert not Inspection.objects.exists() and stored_files(_media) == []


def test_a_date_in_the_future_is_refused_beside_the_date(
    clock, client, project, assignee, district_official
):
    client.force_login(district_official)
    response = client.post(new_url(), form_data(assignee, date="2026-10-30"))
    assert response.status_code == 200 and response.context["form"].errors["date"]
    assert not Inspection.objects.exists()


def test_an_inspection_without_findings_is_a_record_of_a_visit(
    clock, client, project, assignee, district_official
):
    """No finding is required: a visit that found nothing wrong is recorded as such."""
    client.force_login(district_official)
    data = form_data(assignee, **{"findings-0-description": "", "findings-1-description": ""})
    assert client.post(new_url(), data).status_code == 302
    assert Inspection.objects.get().findings.count() == 0


def test_add_row_without_javascript_keeps_the_rows_and_saves_nothing(
    clock, client, project, assignee, district_official
):
    client.force_login(district_official)
    response = client.post(new_url(), {**form_data(assignee), "add_row": "1"})
    assert response.status_code == 200 and not Inspection.objects.exists()
    rows = response.context["findings"]
    assert len(rows.forms) == 3  # the two filled rows kept, one new empty row
    assert rows.forms[0].initial["description"] == "塔吊未安装到位，影响施工进度"


def test_position_needs_both_latitude_and_longitude(
    clock, client, project, assignee, district_official
):
    client.force_login(district_official)
    response = client.post(new_url(), form_data(assignee, longitude=""))
    assert response.status_code == 200 and response.context["form"].errors["latitude"]
    assert not Inspection.objects.exists()


def test_a_photo_time_in_the_future_is_stored_as_unknown(clock, project):
    inspection = services.inspection_create(
        project=project,
        date=dt.date(2026, 9, 28),
        photos=[
            services.PhotoInput(upload=jpeg(), taken_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
        ],
    )
    assert inspection.photos.get().taken_at is None


# --- Scoping: every route -------------------------------------------------------------------


@pytest.fixture
def recorded(clock, project, assignee):
    return services.inspection_create(
        project=project,
        date=dt.date(2026, 9, 25),
        inspectors=[assignee],
        findings=[services.FindingInput(description="塔吊未安装到位")],
        photos=[services.PhotoInput(upload=jpeg())],
    )


def test_another_district_gets_404_on_every_route(client, recorded, other_official, assignee):
    client.force_login(other_official)
    photo = recorded.photos.get()
    finding = recorded.findings.get()
    for url in (
        new_url(),
        reverse("supervision:inspection_list", args=["QD-001"]),
        reverse("supervision:inspection_detail", args=[recorded.pk]),
        reverse("supervision:photo_file", args=[photo.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(new_url(), form_data(assignee)).status_code == 404
    raise_url = reverse("supervision:finding_raise_issue", args=[finding.pk])
    assert client.post(raise_url).status_code == 404
    assert Inspection.objects.count() == 1 and not Issue.objects.exists()


def test_a_viewer_sees_inspections_but_records_none(client, recorded, viewer, assignee):
    client.force_login(viewer)
    assert (
        client.get(reverse("supervision:inspection_detail", args=[recorded.pk])).status_code == 200
    )
    assert client.get(new_url()).status_code == 404
    finding = recorded.findings.get()
    assert (
        client.post(reverse("supervision:finding_raise_issue", args=[finding.pk])).status_code
        == 404
    )
    assert not Issue.objects.exists()


def test_the_city_sees_a_districts_inspection_and_its_photo(client, recorded, city_official):
    client.force_login(city_official)
    photo = recorded.photos.get()
    response = client.get(reverse("supervision:photo_file", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == JPEG


# --- Pages: detail, list, the project page ----------------------------------------------------


def test_the_project_page_shows_the_latest_inspections_with_thumbnails(
    client, recorded, district_official
):
    client.force_login(district_official)
    html = client.get(reverse("web:project_detail", args=["QD-001"])).content.decode()
    photo = recorded.photos.get()
    src = reverse("supervision:photo_file", args=[photo.pk])
    assert f'<img src="{src}" loading="lazy"' in html
    assert reverse("supervision:inspection_new", args=["QD-001"]) in html  # 现场检查
    assert reverse("supervision:inspection_detail", args=[recorded.pk]) in html


def test_inspection_pages_query_counts_do_not_grow(
    clock, client, project, assignee, district_official, django_assert_max_num_queries
):
    def inspect():
        return services.inspection_create(
            project=project,
            date=dt.date(2026, 9, 20),
            inspectors=[assignee],
            findings=[services.FindingInput(description="进度偏慢", raise_issue=True)],
            photos=[services.PhotoInput(upload=jpeg())],
        )

    first = inspect()
    client.force_login(district_official)
    list_url = reverse("supervision:inspection_list", args=["QD-001"])
    detail_url = reverse("supervision:inspection_detail", args=[first.pk])
    # session, user, the user's region (scope); the project; count, page of inspections (with
    # project, region, recorder), inspectors, findings, photos
    with django_assert_max_num_queries(9):
        assert client.get(list_url).status_code == 200
    # session, user, the user's region; the inspection (with project, region, recorder),
    # inspectors, findings, photos
    with django_assert_max_num_queries(7):
        assert client.get(detail_url).status_code == 200
    for _ in range(6):
        inspect()
    with django_assert_max_num_queries(9):
        assert len(client.get(list_url).context["page"]) == 7
    with django_assert_max_num_queries(7):
        client.get(detail_url)


# --- A finding becomes an issue; the issue shows the photos -----------------------------------


def test_a_finding_becomes_an_issue_in_one_step_and_the_issue_shows_its_photos(
    client, recorded, district_official
):
    client.force_login(district_official)
    finding = recorded.findings.get()
    detail = client.get(reverse("supervision:inspection_detail", args=[recorded.pk]))
    raise_url = reverse("supervision:finding_raise_issue", args=[finding.pk])
    assert raise_url in detail.content.decode()
    response = client.post(raise_url)
    issue = Issue.objects.get()
    assert response["Location"] == reverse("supervision:issue_detail", args=[issue.pk])
    assert (issue.title, issue.source, issue.raised_by) == (
        "塔吊未安装到位",
        IssueSource.INSPECTION,
        district_official,
    )
    page = client.get(response["Location"])
    assert [p.pk for p in page.context["finding_photos"]] == [recorded.photos.get().pk]
    # twice: refused with a message, no second issue
    again = client.post(raise_url, follow=True)
    assert Issue.objects.count() == 1
    assert "已转为问题" in again.content.decode()


def test_an_issue_not_from_an_inspection_shows_no_photos(client, make_issue, district_official):
    issue = make_issue()
    client.force_login(district_official)
    page = client.get(reverse("supervision:issue_detail", args=[issue.pk]))
    assert page.context["finding_photos"] == []


# --- Issue attachments and evidence ------------------------------------------------------------


def test_several_attachments_are_uploaded_from_the_issue_page(
    clock, client, make_issue, district_official
):
    issue = make_issue(IssueStatus.ASSIGNED)
    client.force_login(district_official)
    url = reverse("supervision:issue_attach", args=[issue.pk])
    pdf = SimpleUploadedFile("协调会纪要.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"uploads": [jpeg(), pdf], "caption": "现场协调"})
    assert response.status_code == 302
    attachments = list(issue.attachments.order_by("pk"))
    assert [(a.original_name, a.kind, a.caption) for a in attachments] == [
        ("塔吊.jpg", "photo", "现场协调"),
        ("协调会纪要.pdf", "document", "现场协调"),
    ]
    page = client.get(reverse("supervision:issue_detail", args=[issue.pk])).content.decode()
    for a in attachments:
        assert reverse("supervision:attachment_file", args=[a.pk]) in page


def test_one_bad_attachment_saves_none(clock, client, make_issue, district_official, _media):
    issue = make_issue(IssueStatus.ASSIGNED)
    client.force_login(district_official)
    url = reverse("supervision:issue_attach", args=[issue.pk])
    bad = SimpleUploadedFile("说明.docx", b"MZ\x90\x00" + b"\x00" * 40)
    response = client.post(url, {"uploads": [jpeg(), bad]})
    assert response.status_code == 200
    assert response.context["attach_form"].errors["uploads"]
    assert not IssueAttachment.objects.exists()
    assert not [p for p in stored_files(_media) if "issues" in str(p)]
    empty = client.post(url, {})
    assert empty.context["attach_form"].errors["uploads"]


def test_another_district_cannot_attach(clock, client, make_issue, other_official):
    issue = make_issue(IssueStatus.ASSIGNED)
    client.force_login(other_official)
    url = reverse("supervision:issue_attach", args=[issue.pk])
    assert client.post(url, {"uploads": [jpeg()]}).status_code == 404
    assert not IssueAttachment.objects.exists()


def test_evidence_is_attached_with_the_resolution(clock, client, make_issue, district_official):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    client.force_login(district_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    response = client.post(
        url, {"action": "resolve", "note": "塔吊已安装", "evidence": [jpeg("验收.jpg")]}
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == IssueStatus.RESOLVED
    attachment = issue.attachments.get()
    assert (attachment.original_name, attachment.caption) == ("验收.jpg", "办结")
    row = issue.transitions.get(action=Action.RESOLVE)
    assert row.details["attachments"] == [attachment.pk]


def test_a_refused_resolution_stores_no_evidence(
    clock, client, make_issue, district_official, _media
):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    client.force_login(district_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    response = client.post(url, {"action": "resolve", "note": "", "evidence": [jpeg()]})
    assert response.status_code == 200 and response.context["form"].errors["note"]
    assert not IssueAttachment.objects.exists() and stored_files(_media) == []
    bad = SimpleUploadedFile("验收.jpg", PDF)
    response = client.post(url, {"action": "resolve", "note": "已办结", "evidence": [bad]})
    assert response.context["form"].errors["evidence"]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.IN_PROGRESS and not IssueAttachment.objects.exists()


def test_evidence_is_attached_with_the_closing(clock, client, make_issue, city_official):
    issue = make_issue(IssueStatus.FEEDBACK)
    client.force_login(city_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    response = client.post(url, {"action": "close", "evidence": [jpeg("销号.jpg")]})
    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.CLOSED
    assert issue.attachments.get().caption == "销号"


def test_evidence_is_ignored_for_other_actions(clock, client, make_issue, district_official):
    issue = make_issue(IssueStatus.ASSIGNED)
    client.force_login(district_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    client.post(url, {"action": "start", "evidence": [jpeg()]})
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.IN_PROGRESS
    assert not IssueAttachment.objects.exists()


# --- 交办 by a district's own officials (issue #11 item 10) ---------------------------------


def test_a_district_official_assigns_an_issue_of_their_district(
    clock, client, make_issue, unit, district_official
):
    issue = make_issue()
    client.force_login(district_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    assert "assign" in [a for a, _label in client.get(url).context["actions"]]
    assert client.post(url, {"action": "assign", "unit": unit.pk}).status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.assigned_by) == (IssueStatus.ASSIGNED, district_official)
    assert IssueTransition.objects.filter(issue=issue, action="assign").get().actor == (
        district_official
    )


def test_another_districts_official_cannot_assign(clock, client, make_issue, unit, other_official):
    issue = make_issue()
    client.force_login(other_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    assert client.post(url, {"action": "assign", "unit": unit.pk}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.issue_transition(
            issue=issue, action=Action.ASSIGN, actor=other_official, unit=unit
        )
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.COLLECTED


def test_a_town_or_city_official_does_not_assign_as_the_district(clock, make_issue, unit, regions):
    """The district's own office assigns; a town's official or the city's 经办人 do not (the
    city's administrators and reviewers do, as supervisors)."""
    issue = make_issue()
    town = UserFactory(username="town", role=Role.OFFICIAL, region=regions["town"])
    city = UserFactory(username="city-official", role=Role.OFFICIAL, region=regions["city"])
    for user in (town, city):
        with pytest.raises(PermissionDenied):
            services.issue_transition(issue=issue, action=Action.ASSIGN, actor=user, unit=unit)


def test_a_photo_failing_after_another_was_stored_leaves_no_file(clock, project, _media):
    """The second photo's row is refused (its caption is too long) after the first photo's
    file was written: the rows roll back and the written file is removed again."""
    with pytest.raises(ValidationError):
        services.inspection_create(
            project=project,
            date=dt.date(2026, 9, 28),
            photos=[
                services.PhotoInput(upload=jpeg()),
                services.PhotoInput(upload=jpeg("基坑.jpg"), caption="长" * 300),
            ],
        )
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert stored_files(_media) == []


# --- The photo's own time: EXIF DateTimeOriginal --------------------------------------------


def exif_jpeg(taken: bytes, offset: bytes | None = None, order: str = "<") -> bytes:
    """A JPEG whose APP1 holds IFD0 → Exif IFD → DateTimeOriginal (and OffsetTimeOriginal)."""
    import struct

    mark = b"II" if order == "<" else b"MM"
    tags = [(0x9003, taken + b"\x00")] + ([(0x9011, offset + b"\x00")] if offset else [])
    exif_at = 8 + 2 + 12 + 4
    data_at = exif_at + 2 + 12 * len(tags) + 4
    entries, data = b"", b""
    for tag, value in tags:
        entries += struct.pack(order + "HHII", tag, 2, len(value), data_at + len(data))
        data += value
    tiff = mark + struct.pack(order + "HI", 42, 8)
    tiff += struct.pack(order + "H", 1) + struct.pack(order + "HHII", 0x8769, 4, 1, exif_at)
    tiff += struct.pack(order + "I", 0)
    tiff += struct.pack(order + "H", len(tags)) + entries + struct.pack(order + "I", 0) + data
    app1 = b"Exif\x00\x00" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (exif_jpeg(b"2026:09:27 15:30:00"), "2026-09-27T15:30:00+08:00"),  # the installation's
        (exif_jpeg(b"2026:09:27 15:30:00", order=">"), "2026-09-27T15:30:00+08:00"),
        (exif_jpeg(b"2026:09:27 07:30:00", offset=b"+00:00"), "2026-09-27T07:30:00+00:00"),
        (exif_jpeg(b"0000:00:00 00:00:00"), None),  # a camera without a clock
        (exif_jpeg(b"2026:09:27 15:30:00")[:40], None),  # cut short
        (JPEG, None),  # no EXIF
    ],
)
def test_exif_date_time_original_is_read_without_an_image_library(body, expected):
    from supervision.uploads import exif_taken_at

    taken = exif_taken_at(jpeg(body=body))
    assert (taken.isoformat() if taken else None) == expected


def test_the_photos_own_exif_time_wins_over_the_browsers(
    clock, client, project, assignee, district_official
):
    client.force_login(district_official)
    photo = jpeg(body=exif_jpeg(b"2026:09:27 15:30:00"))
    assert client.post(new_url(), {**form_data(assignee), "photos": [photo]}).status_code == 302
    taken = InspectionPhoto.objects.get().taken_at
    assert taken == dt.datetime(2026, 9, 27, 7, 30, tzinfo=dt.UTC)  # 15:30 in Qingdao


def test_the_issue_page_query_count_does_not_grow_with_photos_and_attachments(
    clock, client, project, district_official, django_assert_max_num_queries
):
    inspection = services.inspection_create(
        project=project,
        date=dt.date(2026, 9, 25),
        findings=[services.FindingInput(description="塔吊未安装到位", raise_issue=True)],
        photos=[services.PhotoInput(upload=jpeg())],
    )
    issue = inspection.findings.get().issue
    client.force_login(district_official)
    url = reverse("supervision:issue_detail", args=[issue.pk])
    client.get(url)  # warm: the working-day calendar and settings rows are cached per process
    with django_assert_max_num_queries(20) as first:
        assert client.get(url).status_code == 200
    for i in range(4):
        services.inspection_add_photo(inspection=inspection, upload=jpeg(f"{i}.jpg"))
        services.issue_attach(issue=issue, upload=jpeg(f"附件{i}.jpg"))
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url)
    assert len(page.context["finding_photos"]) == 5 and len(page.context["attachments"]) == 4


def test_a_withdrawn_project_takes_no_inspection(clock, client, project, district_official):
    project.stage = "withdrawn"
    project.save(update_fields=["stage"])
    client.force_login(district_official)
    assert client.get(new_url()).status_code == 404
    html = client.get(reverse("web:project_detail", args=["QD-001"])).content.decode()
    assert new_url() not in html
