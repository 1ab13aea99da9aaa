"""`python manage.py recompute --period YYYY-MM [--region CODE]` — computes every project's
figures and colour for the period, synchronously, with a progress bar: the same code the Celery
jobs run (projects.recompute.recompute_period)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from core.periods import Period

from ...api import cache as api_cache
from ...recompute import recompute_period


class Command(BaseCommand):
    help = _("计算指定月份的项目指标、四色状态（排名据此实时生成），与后台任务运行同一段代码。")

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help=_("期间 YYYY-MM，例如 2024-10"))
        parser.add_argument("--region", help=_("只计算该区域（区划代码）及其下级"))

    def handle(self, *args, period, region=None, **options):
        try:
            parsed = Period.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        quiet = options["verbosity"] == 0
        bar = tqdm(
            desc=_("计算 %(p)s") % {"p": parsed},
            unit=_("步"),
            disable=quiet,
            file=self.stderr._out,  # the command's stderr, unwrapped: tqdm redraws with \r
        )
        with bar:
            try:
                result = recompute_period(
                    year=parsed.year, month=parsed.month, region_code=region, progress=bar
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        # a region's run calls no period hook: the API's answers of the period are dropped here
        api_cache.invalidate_on_commit(parsed)
        self.stdout.write(self.style.SUCCESS(str(result)))
