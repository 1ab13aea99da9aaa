"""The embedded default (SQLite) under concurrent writers: two people saving the same report at
once get a conflict, never a 500 "database is locked"; amounts up to the largest a user may
enter come back exact; a district's sheet of 2,000 projects saves."""

import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from core.models import MONEY_MAX
from projects import services

CONCURRENT_SAVES = textwrap.dedent(
    """
    import threading
    from decimal import Decimal

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection, OperationalError
    from core.services import ConflictError
    from projects import services
    from projects.models import MonthlyReport, Project, Region

    city = Region.objects.create(code="370200", name="青岛市", level="city")
    district = Region.objects.create(code="370202", name="市南区", level="county", parent=city)
    project = Project.objects.create(code="QD-1", name="测试", region=district, level="district")
    report = services.report_create(
        project=project, year=2024, month=3, completed_investment=Decimal("1")
    )
    connection.close()
    results, barrier = [], threading.Barrier(10)

    def save(amount):
        from django.db import connection as own
        try:
            barrier.wait()
            services.report_update(
                report=MonthlyReport.objects.get(pk=report.pk),
                expected_version=1,
                completed_investment=Decimal(amount),
            )
            results.append("saved")
        except ConflictError:
            results.append("conflict")
        except OperationalError as exc:
            results.append(f"error: {exc}")
        finally:
            own.close()

    threads = [threading.Thread(target=save, args=(n + 2,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(sorted(results))
    print(MonthlyReport.objects.get(pk=report.pk).version)
    """
)


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the embedded default's own file database",
)
def test_ten_people_saving_one_report_at_once_on_sqlite_get_one_save_and_nine_conflicts(
    tmp_path: Path,
):
    database = tmp_path / "embedded.sqlite3"
    out = subprocess.run(
        [sys.executable, "-c", CONCURRENT_SAVES],
        cwd=settings.BASE_DIR,
        env={
            "DJANGO_SETTINGS_MODULE": "portfolio.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.splitlines()
    assert out[-2] == str(["conflict"] * 9 + ["saved"])
    assert out[-1] == "2"


@pytest.mark.django_db
def test_the_largest_amount_a_user_may_enter_comes_back_exact(project):
    report = services.report_create(
        project=project, year=2024, month=3, completed_investment=MONEY_MAX
    )
    report.refresh_from_db()
    assert report.completed_investment == Decimal("9999999999.99")
    with pytest.raises(ValidationError) as refused:
        services.report_create(
            project=project, year=2024, month=4, completed_investment=MONEY_MAX + Decimal("0.01")
        )
    assert "completed_investment" in refused.value.message_dict
