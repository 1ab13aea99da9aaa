"""Production settings and their documentation: `check --deploy` is clean with DEBUG=0 and the
documented variables; every variable settings.py reads is listed in README.md (and in no other
place than settings.py is the environment read)."""

import json
import os
import re
import secrets
import subprocess
import sys

from tests.deploy.conftest import ROOT, readme, settings_variables


def production_environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_variables()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for their own process only.
        and key not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="xm.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://xm.example.gov.cn",
        DATABASE_URL="postgres://portfolio:secret@db:5432/portfolio",
        CELERY_BROKER_URL="redis://redis:6379/0",
        CELERY_RESULT_BACKEND="redis://redis:6379/1",
        CACHE_URL="redis://redis:6379/2",
    )
    environment.update(extra)
    return environment


# manage.py, but with the local .env ignored: a developer's .env must not change what
# production mode means (CI's fresh clone has none anyway).
MANAGE_WITHOUT_DOTENV = (
    "import sys, environ; "
    "environ.Env.read_env = staticmethod(lambda *args, **kwargs: None); "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[1:]])"
)


def manage(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", MANAGE_WITHOUT_DOTENV, *args],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "portfolio.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_read_the_documented_variables():
    # Guards the parser below: if it found nothing, the README test would pass vacuously.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= settings_variables()


def test_every_settings_variable_is_in_the_readme():
    text = readme()
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in text)
    assert not missing, f"README.md does not list these variables (as `NAME`): {missing}"


def test_every_env_example_variable_is_read_or_documented():
    # .env.example lines look like NAME=value or "# NAME=value" (an optional one).
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"} <= names
    undocumented = sorted(name for name in names if f"`{name}`" not in readme())
    assert not undocumented, f"in .env.example but not in README.md: {undocumented}"


def test_check_deploy_is_clean_in_production_mode():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=production_environment()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_fails_with_a_short_secret_key():
    # The check above can fail: the same command reports a weak key.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=production_environment(SECRET_KEY="short"),
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    environment = production_environment()
    del environment["SECRET_KEY"]

    result = manage("check", environment=environment)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_defaults_are_secure():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'session_cookie_secure': s.SESSION_COOKIE_SECURE,"
        "'csrf_cookie_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'database': s.DATABASES['default']['ENGINE'],"
        "'static': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, environment=production_environment())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ssl_redirect": True,
        "session_cookie_secure": True,
        "csrf_cookie_secure": True,
        "hsts": 31536000,
        "eager": False,  # a broker is configured: tasks go to the worker
        "database": "django.db.backends.postgresql",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }
