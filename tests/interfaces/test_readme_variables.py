"""INTERFACES.md §1: "every variable is listed in the README with its default". The deploy tests
hold that every variable is named in README.md; these hold the default column of its table, and
that a plain default written there is the one settings.py really uses."""

import json
import os
import re

from tests.deploy.conftest import ROOT, settings_variables
from tests.deploy.test_settings import manage

ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|", re.M)


def documented_defaults() -> dict[str, str]:
    return {name: default.strip() for name, default in ROW.findall(
        (ROOT / "README.md").read_text()
    )}  # fmt: skip


def normalise(value) -> str:
    """A settings value written the way the README writes its default."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, str) and value.startswith(str(ROOT) + "/"):
        return value.removeprefix(str(ROOT) + "/") + "/"
    return str(value)


def test_every_settings_variable_has_a_row_with_a_default():
    defaults = documented_defaults()
    assert len(defaults) >= 20  # the parser found the table

    missing = sorted(name for name in settings_variables() if not defaults.get(name))
    assert not missing, f"no `| NAME | default |` row in README.md for: {missing}"


def test_plain_documented_defaults_are_the_settings_defaults():
    # A default written as one literal (`60`, `Asia/Shanghai`) and named like a setting.
    plain = {
        name: match.group(1)
        for name, default in documented_defaults().items()
        if name in settings_variables()
        and (match := re.fullmatch(r"`([^`]*)`", default))
        and match.group(1) not in settings_variables()  # "same as `OTHER_VARIABLE`"
    }
    assert {"TIME_ZONE", "LANGUAGE_CODE", "DEMO_PASSWORD", "CELERY_TASK_TIME_LIMIT"} <= set(plain)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_variables()
        and key not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    code = (
        "import json; from django.conf import settings; "
        f"names = {sorted(plain)!r}; "
        "print(json.dumps({n: getattr(settings, n) for n in names if hasattr(settings, n)}, "
        "default=str))"
    )

    result = manage("shell", "--verbosity", "0", "-c", code, environment=environment)

    assert result.returncode == 0, result.stderr
    actual = {
        name: normalise(value)
        for name, value in json.loads(result.stdout.strip().splitlines()[-1]).items()
    }
    assert {"TIME_ZONE", "LANGUAGE_CODE", "DEMO_PASSWORD"} <= set(actual)
    wrong = {n: (plain[n], actual[n]) for n in actual if plain[n] != actual[n]}
    assert len(actual) >= 10, actual
    assert not wrong, f"README default ≠ settings default (documented, actual): {wrong}"
