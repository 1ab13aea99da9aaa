"""Browser tests: Playwright's Python client driving Debian's Chromium against pytest-django's
live server (each xdist worker has its own server and browser). Skipped, with the reason, where
Chromium or Playwright is missing — unless REQUIRE_BROWSER_TESTS=1 (CI), which makes that an
error. Every page's JavaScript console errors and uncaught
exceptions fail the test; screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test and
# the fixtures are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw-123456"  # tests/factories.py


def _why_skip() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk, or set "
            "CHROMIUM_PATH): browser tests skipped"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[browser]'): browser tests skipped"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _why_skip()
    here = Path(__file__).parent
    if reason and os.environ.get("REQUIRE_BROWSER_TESTS") == "1":  # CI: never skip silently
        raise pytest.UsageError(reason.replace("skipped", "required by REQUIRE_BROWSER_TESTS=1"))
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Console:
    """JavaScript console errors and uncaught exceptions of every page of a context."""

    def __init__(self):
        self.errors: list[str] = []

    def watch(self, page) -> None:
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console.error {page.url}: {msg.text}")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror {page.url}: {exc}"))


@pytest.fixture
def console():
    return Console()


@pytest.fixture
def page(browser, console, live_server, settings, celery_eager):
    """A page at the office screen size (1366×768), Chinese locale, watched for errors.
    (celery_eager: the upload's task runs in the live server.)"""
    context = browser.new_context(viewport=OFFICE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    console.watch(tab)
    tab.base = live_server.url
    yield tab
    context.close()
    assert console.errors == [], "JavaScript errors:\n" + "\n".join(console.errors)


def shot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page, username: str) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{page.base}/")


def last_month(today: dt.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


@pytest.fixture
def city(transactional_db):
    """Qingdao with 市南区 and 市北区, their officials, and projects computed for last month:
    every third project without any report (red), the others on plan."""
    from assessment.recompute import recompute_period
    from projects.choices import Level, RegionLevel, Role, Stage, UnitKind
    from projects.models import MonthlyReport, Project, ProjectYear, Region, Unit
    from tests.factories import UserFactory

    year, month = last_month()
    province = Region.objects.create(code="370000", name="山东省", level=RegionLevel.PROVINCE)
    qingdao = Region.objects.create(
        code="370200", name="青岛市", level=RegionLevel.CITY, parent=province
    )
    shinan = Region.objects.create(
        code="370202", name="市南区", level=RegionLevel.COUNTY, parent=qingdao
    )
    shibei = Region.objects.create(
        code="370203", name="市北区", level=RegionLevel.COUNTY, parent=qingdao
    )
    unit = Unit.objects.create(name="市南区自然资源局", region=shinan, kind=UnitKind.DEPARTMENT)
    names = [
        "新能源产业园",
        "城市更新片区",
        "智能制造基地",
        "冷链物流园",
        "人民医院新院区",
        "实验小学扩建",
        "污水处理厂提标",
        "数字经济产业园",
    ]
    projects = []
    for region, prefix, count in ((shinan, "SN", 8), (shibei, "SB", 4)):
        for i in range(count):
            projects.append(
                Project(
                    code=f"{prefix}-{i + 1:03d}",
                    name=f"{region.name}{names[i % len(names)]}",
                    region=region,
                    level=[Level.PROVINCIAL, Level.CITY, Level.DISTRICT][i % 3],
                    stage=Stage.CONSTRUCTION,
                    total_investment=Decimal("25000") + i * 1000,
                    planned_start=dt.date(year - 1, 3, 1),
                    actual_start=dt.date(year - 1, 3, 1),
                    in_statistics=True,
                    statistics_date=dt.date(year - 1, 4, 1),
                )
            )
    Project.objects.bulk_create(projects)
    ProjectYear.objects.bulk_create(
        ProjectYear(
            project=p, year=year, annual_plan=Decimal("1200"), original_plan=Decimal("1200")
        )
        for p in projects
    )
    MonthlyReport.objects.bulk_create(
        MonthlyReport(project=p, year=year, month=m, completed_investment=Decimal("100"))
        for i, p in enumerate(projects)
        if i % 3
        for m in range(1, month + 1)
    )
    recompute_period(year=year, month=month)
    return {
        "year": year,
        "month": month,
        "period": f"{year}-{month:02d}",
        "city": qingdao,
        "shinan": shinan,
        "shibei": shibei,
        "unit": unit,
        "projects": projects,
        "city_official": UserFactory(username="city", role=Role.ADMIN, region=qingdao),
        "shinan_official": UserFactory(username="shinan", role=Role.OFFICIAL, region=shinan),
    }
