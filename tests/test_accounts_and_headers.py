"""Accounts and what every response carries: login throttling per username and per address
(with an audit and an unlock), the password page and the forced change of a password someone
else chose, API tokens that expire and rotate, Content-Security-Policy, no-store caching, and
URLs with control characters refused."""

import datetime as dt
import io

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects import services
from projects.choices import Role
from projects.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Right-horse-battery-9"
LOGIN = "/accounts/login/"


@pytest.fixture
def official(regions):
    user = UserFactory(username="wang", role=Role.OFFICIAL, region=regions["district"])
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# --- Throttling ---------------------------------------------------------------------------------


def test_fifty_wrong_passwords_lock_the_username_and_the_right_one_no_longer_opens(official):
    client = Client()
    answers = [login(client, "wang", f"wrong-{n}").status_code for n in range(50)]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[5:]) == {429}  # locked out: the lockout page
    locked = login(client, "wang", PASSWORD)
    assert locked.status_code == 429
    assert "暂时无法登录" in locked.content.decode()
    assert client.get("/").status_code == 302  # not signed in
    assert AccessFailureLog.objects.filter(username="wang").count() >= 5  # the audit


def test_one_address_trying_many_usernames_is_locked_too(official, regions):
    client = Client()
    for n in range(6):
        login(client, f"guess{n}", "123456", address="10.9.9.9")
    assert login(client, "wang", PASSWORD, address="10.9.9.9").status_code == 429
    assert login(Client(), "wang", PASSWORD, address="10.0.0.2").status_code == 302


def test_a_superuser_unlocks_by_deleting_the_attempt(official):
    client = Client()
    for n in range(6):
        login(client, "wang", f"wrong-{n}")
    root = User.objects.create_superuser("root", "root@example.cn", "Root-password-77")
    admin = Client()
    admin.force_login(root)
    attempt = AccessAttempt.objects.get(username="wang")
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert login(Client(), "wang", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(official, settings):
    client = Client()
    for n in range(6):
        login(client, "wang", f"wrong-{n}")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        assert login(Client(), "wang", PASSWORD).status_code == 302


# --- Passwords ----------------------------------------------------------------------------------


def test_an_official_changes_their_own_password_under_the_validators(official):
    client = Client()
    client.force_login(official)
    url = reverse("web:password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors
    strong = "Another-long-phrase-42"
    done = client.post(
        url, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert done.status_code == 302
    official.refresh_from_db()
    assert official.check_password(strong)


def test_a_password_someone_else_chose_is_changed_before_anything_else(official):
    official.must_change_password = True
    official.save()
    client = Client()
    assert login(client, "wang", PASSWORD).status_code == 302
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/password/")
    assert client.get("/api/v1/projects/").status_code == 403
    new = "My-own-password-2026"
    client.post(
        reverse("web:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    official.refresh_from_db()
    assert not official.must_change_password
    assert client.get("/").status_code == 200


def test_a_user_created_in_the_admin_must_change_the_password_at_first_login(regions):
    root = User.objects.create_superuser("root", "root@example.cn", "Root-password-77")
    admin = Client()
    admin.force_login(root)
    response = admin.post(
        reverse("admin:projects_user_add"),
        {
            "username": "newclerk",
            "password1": "Temporary-pass-123",
            "password2": "Temporary-pass-123",
            "role": Role.OFFICIAL,
            "region": regions["district"].pk,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newclerk").must_change_password


# --- API tokens ---------------------------------------------------------------------------------


def test_an_api_token_expires_and_a_rotated_one_replaces_it(official, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    token = Token.objects.create(user=official)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/projects/").status_code == 200
    with time_machine.travel(token.created + dt.timedelta(days=91)):
        expired = api.get("/api/v1/projects/")
    assert expired.status_code == 401
    assert "过期" in expired.json()["detail"]

    page = Client()
    page.force_login(official)
    rotated = page.post(reverse("web:account"), {"action": "rotate"})
    new_key = rotated.context["new_key"]
    assert new_key and new_key != token.key
    assert api.get("/api/v1/projects/").status_code == 401  # the old key stops at once
    api.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api.get("/api/v1/projects/").status_code == 200


def test_tokens_last_forever_when_so_configured(official, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 0
    token = Token.objects.create(user=official)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with time_machine.travel(token.created + dt.timedelta(days=3650)):
        assert api.get("/api/v1/projects/").status_code == 200


# --- Headers ------------------------------------------------------------------------------------


def test_pages_allow_only_the_apps_own_scripts_and_styles(client, official):
    client.force_login(official)
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    docs = client.get("/api/docs/").headers["Content-Security-Policy"]
    assert "unsafe-inline" in docs  # Swagger UI's own inline start-up, on that page only


def test_nothing_a_signed_in_user_sees_is_stored_by_browsers_or_proxies(client, official):
    client.force_login(official)
    for url in ("/", "/projects/", "/projects/?export=xlsx", "/api/v1/projects/"):
        assert "no-store" in client.get(url).headers["Cache-Control"], url
    assert "public" in client.get("/colours.css").headers["Cache-Control"]
    assert "no-store" in Client().get("/api/v1/projects/").headers["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/projects/?q=%00", "/projects/%00/", "/api/v1/projects/?q=a%00b", "/?region=%0b"]
)
def test_control_characters_in_a_url_are_a_400(client, official, url):
    client.force_login(official)
    assert client.get(url).status_code == 400


# --- Text out -----------------------------------------------------------------------------------


def test_a_name_that_looks_like_a_formula_is_exported_as_text(client, city_official, regions):
    for code, name in (("F-1", '=HYPERLINK("http://x","点")'), ("F-2", "=cmd|' /C calc'!A0")):
        services.project_create(code=code, name=name, region=regions["district"], level="district")
    client.force_login(city_official)
    response = client.get("/projects/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=3))[:-1]  # title, header; the last row is the 合计
    names = [row[1].value for row in rows]
    cells = [row[1] for row in rows]
    assert all(cell.data_type == "s" for cell in cells)
    assert names == ['\'=HYPERLINK("http://x","点")', "'=cmd|' /C calc'!A0"]


def test_a_control_character_in_a_name_no_longer_breaks_the_export(client, city_official, project):
    type(project).objects.filter(pk=project.pk).update(name="市南\x0b区项目")  # old data
    client.force_login(city_official)
    response = client.get("/projects/", {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["B3"].value == "市南区项目"  # row 1 the title, row 2 the header
