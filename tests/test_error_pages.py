"""The error pages (400, 403, 404, CSRF failure, 500) in the product's look, in Chinese first,
each with a way home — never Django's bare English pages."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


def test_a_missing_page_is_a_chinese_404_with_a_way_home(client, district_official):
    client.force_login(district_official)
    response = client.get(reverse("web:project_detail", args=["NO-SUCH-PROJECT"]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and f'href="{HOME}"' in body and "返回首页" in body
    assert "topbar" in body  # the product's own layout, with its menu
    assert "Not Found" not in body


def test_another_districts_project_reads_as_missing_not_forbidden(client, other_official, project):
    client.force_login(other_official)
    response = client.get(reverse("web:project_detail", args=[project.code]))
    assert response.status_code == 404
    assert project.name not in response.content.decode()


def test_a_refused_action_is_a_chinese_403(rf):
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = defaults.permission_denied(request, exception=None)
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body and "返回首页" in body


def test_a_form_posted_with_a_stale_csrf_token_gets_a_chinese_page(district_official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_official)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期" in body and "返回首页" in body


def test_the_500_page_renders_without_a_database_or_context():
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body and 'href="/"' in body


def test_the_error_pages_are_translated(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
