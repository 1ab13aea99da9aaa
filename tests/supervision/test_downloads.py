"""Downloads of stored files (issue #10): issue attachments, inspection photos and reminder
letters are sent by views that check the user may see the project — never from /media/. A file
outside the caller's scope is a 404 like one that does not exist; the stored name can never
lead outside MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from supervision import services
from supervision.choices import IssueStatus
from supervision.models import IssueAttachment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"secret minutes" + b"\x00" * 32


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def document(clock, make_issue, district_official):
    issue = make_issue(IssueStatus.IN_PROGRESS)
    return services.issue_attach(
        issue=issue, upload=SimpleUploadedFile("批复 文件.pdf", PDF), actor=district_official
    )


@pytest.fixture
def photo(clock, project, district_official):
    inspection = services.inspection_create(project=project, date=dt.date(2026, 9, 25))
    return services.inspection_add_photo(
        inspection=inspection,
        upload=SimpleUploadedFile("塔吊.png", PNG),
        caption="塔吊",
        actor=district_official,
    )


def attachment_url(attachment) -> str:
    return reverse("supervision:attachment_file", args=[attachment.pk])


def photo_url(photo) -> str:
    return reverse("supervision:photo_file", args=[photo.pk])


# --- The pages' downloads ----------------------------------------------------------------------


def test_district_official_downloads_the_attachment_under_its_name(document, district_official):
    response = client_for(district_official).get(attachment_url(document))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E6%89%B9%E5%A4%8D%20%E6%96%87%E4%BB%B6.pdf"
        in (response["Content-Disposition"])
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_city_official_downloads_a_district_attachment(document, city_official):
    response = client_for(city_official).get(attachment_url(document))
    assert response.status_code == 200 and body(response) == PDF


def test_official_of_another_district_gets_404_for_the_attachment(document, other_official):
    response = client_for(other_official).get(attachment_url(document))
    assert response.status_code == 404
    # the same answer as for an attachment that does not exist
    missing = client_for(other_official).get(
        reverse("supervision:attachment_file", args=[document.pk + 1000])
    )
    assert missing.status_code == 404


def test_anonymous_is_sent_to_the_login_page(document):
    response = client_for().get(attachment_url(document))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_photo_is_shown_inline(photo, district_official, other_official):
    response = client_for(district_official).get(photo_url(photo))
    assert response.status_code == 200 and body(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_official).get(photo_url(photo)).status_code == 404


def test_issue_page_and_project_page_link_to_the_downloads(
    document, photo, project, district_official
):
    client = client_for(district_official)
    issue_page = client.get(reverse("supervision:issue_detail", args=[document.issue_id]))
    assert attachment_url(document) in issue_page.content.decode()
    project_page = client.get(reverse("web:project_detail", args=[project.code]))
    assert photo_url(photo) in project_page.content.decode()
    assert "/media/" not in issue_page.content.decode() + project_page.content.decode()


# --- The stored name cannot leave MEDIA_ROOT ---------------------------------------------------


def test_a_stored_name_leading_outside_media_root_is_a_404(document, district_official, _media):
    secret = _media.parent / "secret.txt"
    secret.write_bytes(b"not for download")
    IssueAttachment.objects.filter(pk=document.pk).update(file="../secret.txt")
    response = client_for(district_official).get(attachment_url(document))
    assert response.status_code == 404
    IssueAttachment.objects.filter(pk=document.pk).update(file=str(secret))  # absolute
    assert client_for(district_official).get(attachment_url(document)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/issues/attachments/..%2F..%2Fsettings.py/",
        "/issues/attachments/1%2F..%2F..%2F/",
        "/inspections/photos/../../portfolio/settings.py",
        "/media/supervision/issues/",
    ],
)
def test_paths_that_try_to_walk_the_tree_are_404(document, district_official, path):
    assert client_for(district_official).get(path).status_code == 404


def test_a_file_missing_on_disk_is_a_404_not_a_500(document, district_official, _media):
    (_media / document.file.name).unlink()
    assert client_for(district_official).get(attachment_url(document)).status_code == 404


# --- The API ----------------------------------------------------------------------------------


def test_api_urls_are_the_scoped_downloads(document, photo, api, district_official):
    client = api(district_official)
    issue = client.get(f"/api/v1/issues/{document.issue_id}/").json()
    (listed,) = issue["attachments"]
    assert listed["url"] == (
        f"http://testserver/api/v1/issues/{document.issue_id}/attachments/{document.pk}/file/"
    )
    response = client.get(listed["url"])
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Disposition"].startswith("attachment;")

    inspection = client.get(f"/api/v1/inspections/{photo.inspection_id}/").json()
    (shown,) = inspection["photos"]
    assert shown["url"].endswith(
        f"/api/v1/inspections/{photo.inspection_id}/photos/{photo.pk}/file/"
    )
    response = client.get(shown["url"])
    assert response.status_code == 200 and body(response) == PNG
    assert response["Content-Type"] == "image/png"


def test_api_download_out_of_scope_is_404_and_anonymous_401(document, photo, api, other_official):
    attachment = f"/api/v1/issues/{document.issue_id}/attachments/{document.pk}/file/"
    picture = f"/api/v1/inspections/{photo.inspection_id}/photos/{photo.pk}/file/"
    for url in (attachment, picture):
        assert api(other_official).get(url).status_code == 404
        assert api().get(url).status_code == 401


def test_api_attachment_of_another_issue_is_404(document, make_issue, api, district_official):
    other_issue = make_issue()
    url = f"/api/v1/issues/{other_issue.pk}/attachments/{document.pk}/file/"
    assert api(district_official).get(url).status_code == 404


def test_behind_nginx_the_checked_download_is_sent_by_x_accel_redirect(
    document, district_official, other_official, settings
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = client_for(district_official).get(attachment_url(document))
    assert response.status_code == 200 and response.content == b""
    # percent-encoded (a header is ASCII); nginx decodes it
    assert response["X-Accel-Redirect"] == "/protected-media/" + quote(document.file.name)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert client_for(other_official).get(attachment_url(document)).status_code == 404
    IssueAttachment.objects.filter(pk=document.pk).update(file="../secret.txt")
    assert client_for(district_official).get(attachment_url(document)).status_code == 404


def test_the_admin_links_to_the_scoped_downloads(document, photo, regions):
    admin_user = UserFactory(
        username="root", region=regions["province"], is_staff=True, is_superuser=True
    )
    client = client_for(admin_user)
    pages = [
        reverse("admin:supervision_issue_change", args=[document.issue_id]),
        reverse("admin:supervision_issueattachment_change", args=[document.pk]),
        reverse("admin:supervision_inspection_change", args=[photo.inspection_id]),
    ]
    html = "".join(client.get(page).content.decode() for page in pages)
    assert html.count(attachment_url(document)) == 2
    assert photo_url(photo) in html
    assert "/media/" not in html
