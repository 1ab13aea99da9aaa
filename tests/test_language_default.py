"""Chinese unless the user chose English: a browser's Accept-Language does not switch it."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def restore_language():
    """A request activates its language in the test's thread; the next tests expect Chinese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_english_browser_still_gets_chinese(client):
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"


def test_language_chosen_with_the_switch_is_kept(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.headers["Content-Language"] == "en"
