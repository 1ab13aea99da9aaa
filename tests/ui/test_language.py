"""Chinese by default, with a working English translation: every message of the catalogue is
translated and compiled, and pages switch language with Django's set_language view."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.ui.conftest import PERIOD

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("utf-8").decode("unicode_escape").encode("latin-1").decode()


def catalogue() -> list[dict]:
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid or not _unquote(msgid.group(1)):
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        entries.append(
            {
                "id": _unquote(msgid.group(1)),
                "strs": [_unquote(s) for s in strs],
                "fuzzy": "#, fuzzy" in block or ", fuzzy" in block,
            }
        )
    return entries


def test_every_message_has_an_english_translation():
    untranslated = [e["id"] for e in catalogue() if e["fuzzy"] or not all(e["strs"])]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_translations():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    singular = [e for e in catalogue() if len(e["strs"]) == 1]
    stale = [e["id"] for e in singular if compiled.gettext(e["id"]) != e["strs"][0]]
    assert stale == []  # run `manage.py compilemessages -l en --ignore=.venv`


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default(client, city_official, portfolio):
    client.force_login(city_official)
    body = client.get(reverse("web:home"), {"period": PERIOD}).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "总览" in body and "投资完成率" in body


@pytest.mark.django_db
def test_switching_to_english(client, city_official, portfolio):
    client.force_login(city_official)
    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302
    body = client.get(reverse("web:home"), {"period": PERIOD}).content.decode()
    assert '<html lang="en">' in body
    for english in ("Overview", "Investment rate", "Time progress", "Colours", "Sign out"):
        assert english in body
    assert "投资完成率" not in body
    login = client.get(reverse("projects:project_list")).content.decode()
    assert "Export to Excel" in login and "Project code" in login


def test_login_page_in_chinese(client, db):
    body = client.get(reverse("web:login")).content.decode()
    assert "登录重点项目管理平台" in body and "用户名" in body and "密码" in body
