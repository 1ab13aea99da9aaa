"""`python manage.py send_reporting_reminders [--date YYYY-MM-DD]` — runs the daily reporting
reminder job now (the same code Celery beat runs at 08:30). Idempotent."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ... import events


class Command(BaseCommand):
    help = "发送月报填报提醒：窗口开启、明日截止、截止后催报（与每日定时任务相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期发送（YYYY-MM-DD），默认今天")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(_("日期格式应为 YYYY-MM-DD：%(d)s") % {"d": date}) from exc
        result = events.send_reporting_reminders(today=today)
        self.stdout.write(
            _("开始填报提醒 %(o)s 条，明日截止提醒 %(c)s 条，催报 %(m)s 条。")
            % {"o": result.opened, "c": result.closing, "m": result.missing}
        )
