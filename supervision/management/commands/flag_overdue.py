"""`python manage.py flag_overdue` — runs the daily overdue job now (the same code Celery runs)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ... import services


class Command(BaseCommand):
    help = "标记逾期问题、督办通报并通知责任链（与每日定时任务相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期检查（YYYY-MM-DD），默认今天")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(_("日期格式应为 YYYY-MM-DD：%(d)s") % {"d": date}) from exc
        result = services.issues_flag_overdue(today=today)
        self.stdout.write(
            _("逾期标记 %(f)s 项，督办通报 %(e)s 项，通知 %(n)s 条。")
            % {"f": result.flagged, "e": result.escalated, "n": result.notifications}
        )
