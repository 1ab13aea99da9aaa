"""python manage.py ledger_template [OUTPUT.xlsx] [--year Y] [--reports] [--force]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...template import write_ledger_template, write_reports_template


class Command(BaseCommand):
    help = "生成空白台账模板（或 --reports 月报模板）.xlsx：表头与导入一致，附填写说明。"

    def add_arguments(self, parser):
        parser.add_argument(
            "output", nargs="?", help="输出文件（默认：台账模板.xlsx / 月报模板.xlsx）"
        )
        parser.add_argument("--year", type=int, help="写在工作表名上的年份")
        parser.add_argument("--reports", action="store_true", help="生成月报模板")
        parser.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    def handle(self, *args, **options):
        default = "月报模板.xlsx" if options["reports"] else "台账模板.xlsx"
        path = Path(options["output"] or default)
        if path.exists() and not options["force"]:
            raise CommandError(f"文件已存在：{path}（用 --force 覆盖）")
        if options["reports"]:
            write_reports_template(path)
        else:
            write_ledger_template(path, year=options["year"])
        self.stdout.write(self.style.SUCCESS(f"已生成 {path}"))
