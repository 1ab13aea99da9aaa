"""python manage.py import_reports FILE.xlsx --year Y --month M [--user U]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...cli import progress_printer, report_result, user_or_error
from ...reports import import_reports


class Command(BaseCommand):
    help = (
        "导入某月完成投资（.xlsx，列：项目编号、本月完成投资(万元)，可选 进展说明）。"
        "全部检查通过才写入；任一行有误则不写入任何数据，列出所有错误，退出码非零。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="月报 .xlsx 文件")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True)
        parser.add_argument(
            "--user", help="以该用户身份导入（记入历史；只能填报其有权修改的项目）。"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = import_reports(
            path,
            year=options["year"],
            month=options["month"],
            user=user_or_error(options["user"]),
            progress=progress_printer(self, options["verbosity"]),
        )
        report_result(self, result)
