"""The split into apps by domain moved the assessment's models (projects → assessment) and
meetings with letters (supervision → meetings) without touching their tables: a database built
before the move keeps every row, and its content types (with their permissions and admin log
entries) and stored periodic tasks follow the models to their new app."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("projects", "0007_status_verdict_columns"),
    ("supervision", "0002_issues_meetings_letters_inspections"),
    ("assessment", None),
    ("meetings", None),
]


def _build_old_installation(old) -> dict:
    """Rows as an installation had them before the move, through the models of that schema."""
    Region = old.get_model("projects", "Region")
    region = Region.objects.create(code="370202", name="市南区", level="county", prefix="370202")
    city = Region.objects.create(code="370200", name="青岛市", level="city", prefix="3702")
    project = old.get_model("projects", "Project").objects.create(
        code="QD-1", name="测试", region=region, level="district", stage="construction"
    )
    person = old.get_model("projects", "Person").objects.create(name="王区长", region=region)
    now = timezone.now()
    old.get_model("projects", "ProjectStatus").objects.create(
        project_id=project.pk,
        region_id="370202",
        year=2024,
        month=10,
        colour="red",
        investment_rate=Decimal("0.412"),
        completed_ytd=Decimal("412"),
        computed_at=now,
    )
    old.get_model("projects", "PeriodComputation").objects.create(
        year=2024, month=10, runs=3, finished_at=now
    )
    old.get_model("projects", "RankingSnapshot").objects.create(
        scope="district",
        parent=city,
        year=2024,
        month=10,
        version=1,
        rows=[{"rank": 1, "key": "370202"}],
        published_at=now,
    )
    old.get_model("projects", "ColourRules").objects.update_or_create(
        pk=1, defaults={"red_over_points": Decimal("25")}
    )
    meeting = old.get_model("supervision", "Meeting").objects.create(
        kind="weekly", region=city, date=dt.date(2024, 11, 4), title="周调度"
    )
    meeting.attendees.add(person)
    old.get_model("supervision", "Issue").objects.create(
        project=project, title="用地", category="land", raised_at=now, meeting=meeting
    )
    old.get_model("supervision", "ReminderLetter").objects.create(
        region=region,
        year=2024,
        month=10,
        number_year=2024,
        serial=1,
        number="青重点办函〔2024〕1号",
        title="提示函",
        addressee="市南区人民政府",
        issuer="办公室",
        issued_on=dt.date(2024, 11, 5),
        reply_deadline=dt.date(2024, 11, 19),
        reply_workdays=10,
    )
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    # As the old installation had them: content types under the old apps, with permissions.
    ContentType.objects.filter(app_label__in=["assessment", "meetings"]).delete()
    status_type, _ = ContentType.objects.get_or_create(app_label="projects", model="projectstatus")
    meeting_type, _ = ContentType.objects.get_or_create(app_label="supervision", model="meeting")
    Permission.objects.get_or_create(
        content_type=status_type, codename="view_projectstatus", defaults={"name": "Can view"}
    )
    Permission.objects.get_or_create(
        content_type=meeting_type, codename="view_meeting", defaults={"name": "Can view"}
    )
    schedule = old.get_model("django_celery_beat", "CrontabSchedule").objects.create(
        minute="30", hour="1"
    )
    old.get_model("django_celery_beat", "PeriodicTask").objects.create(
        name="nightly-recompute", task="projects.tasks.nightly_recompute", crontab=schedule
    )
    return {"status_type": status_type.pk, "meeting_type": meeting_type.pk}


@pytest.mark.django_db(transaction=True)
def test_a_database_built_before_the_split_keeps_every_row():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    moved_apps = {app for app, _name in BEFORE}
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in moved_apps]
    old = executor.loader.project_state([*BEFORE[:2], *others]).apps
    ids = _build_old_installation(old)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django_celery_beat.models import PeriodicTask

    from assessment.models import (
        ColourRules,
        PeriodComputation,
        ProjectStatus,
        RankingSnapshot,
    )
    from meetings.models import Meeting, ReminderLetter
    from supervision.models import Issue

    status = ProjectStatus.objects.get()
    assert (status.project.code, status.colour, status.investment_rate) == (
        "QD-1",
        "red",
        Decimal("0.412000"),
    )
    assert PeriodComputation.objects.get().runs == 3
    assert RankingSnapshot.objects.get().rows == [{"rank": 1, "key": "370202"}]
    assert ColourRules.current().red_over_points == Decimal("25")
    meeting = Meeting.objects.get()
    assert [p.name for p in meeting.attendees.all()] == ["王区长"]
    assert Issue.objects.get().meeting == meeting
    assert meeting.decisions.count() == 1
    assert ReminderLetter.objects.get().number == "青重点办函〔2024〕1号"
    # content types followed the models (same rows, so permissions and log entries too)
    assert ContentType.objects.get(pk=ids["status_type"]).app_label == "assessment"
    assert ContentType.objects.get(pk=ids["meeting_type"]).app_label == "meetings"
    assert Permission.objects.get(codename="view_projectstatus").content_type.model_class() is (
        ProjectStatus
    )
    assert PeriodicTask.objects.get(name="nightly-recompute").task == (
        "assessment.tasks.nightly_recompute"
    )
