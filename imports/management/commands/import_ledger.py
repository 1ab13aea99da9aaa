"""python manage.py import_ledger FILE.xlsx --year Y [--user U] [--plan-revision-reason R]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...cli import progress_printer, report_result, user_or_error
from ...ledger import import_ledger


class Command(BaseCommand):
    help = (
        "导入项目台账（.xlsx，第一张工作表，第一行为表头）。全部检查通过才写入；"
        "任一行有误则不写入任何数据，列出所有错误（行号、列名、原因），退出码非零。"
        "按项目编号更新，重复导入同一文件不产生变化。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账 .xlsx 文件")
        parser.add_argument("--year", type=int, required=True, help="年度计划与 1–12 月的年份")
        parser.add_argument(
            "--user",
            help="以该用户身份导入（记入历史；只能导入其有权修改的区域）。不填则以系统身份导入。",
        )
        parser.add_argument(
            "--plan-revision-reason",
            default="",
            help="调整已下达年度计划的原因（不填则计划有变化的行报错，原计划保留）。",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = import_ledger(
            path,
            year=options["year"],
            user=user_or_error(options["user"]),
            plan_revision_reason=options["plan_revision_reason"],
            progress=progress_printer(self, options["verbosity"]),
        )
        report_result(self, result)
