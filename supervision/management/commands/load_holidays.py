"""`python manage.py load_holidays data/holidays/2027.csv` — adds a year's holiday schedule (or
corrections with --partial) and recomputes the working-day deadlines it touches. All or
nothing: any bad line → nothing is written, every bad line is reported, exit status non-zero."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ... import services
from ...holidays import completeness_errors, parse_schedule


class Command(BaseCommand):
    help = "载入国务院办公厅公布的年度节假日安排（CSV：日期,类型,名称），并重算受影响的办结时限。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV: date,type(holiday/workday),name")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="只修正个别日期，不把文件中的年份标记为全年安排已发布。",
        )
        parser.add_argument("--source", default="", help="依据（通知名称）")

    def handle(self, *args, file, partial, source, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(f)s") % {"f": file})
        parsed = parse_schedule(path.read_bytes())
        errors = parsed.errors or ([] if partial else completeness_errors(parsed))
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(_("文件有 %(n)s 处错误，未载入任何数据。") % {"n": len(errors)})
        result = services.holidays_load(
            days=parsed.days,
            complete_years=[] if partial else parsed.years,
            source=source or path.name,
        )
        self.stdout.write(
            _(
                "已载入 %(file)s：新增 %(c)s 天，更新 %(u)s 天，未变 %(k)s 天；"
                "全年安排：%(years)s；重算时限 %(r)s 项。"
            )
            % {
                "file": path.name,
                "c": result.created,
                "u": result.updated,
                "k": result.unchanged,
                "years": "、".join(map(str, result.years)) or "—",
                "r": result.recomputed,
            }
        )
