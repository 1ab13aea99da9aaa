"""`python manage.py load_regions FILE.csv` — loads the installation's region tree.

UTF-8 CSV (a BOM is fine), header `代码,名称,上级代码` or `code,name,parent_code`; the parent is
empty for the root. All or nothing, idempotent: see projects.regions.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...regions import load_regions


class Command(BaseCommand):
    help = _(
        "导入区划树（UTF-8 CSV，表头 代码,名称,上级代码 或 code,name,parent_code）。"
        "任一行有误则全部不导入，并逐行报告错误；重复导入同一文件不产生变化。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV 文件路径"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只检查并报告将要发生的变化，不写入。")
        )

    def handle(self, *args, file, dry_run=False, **options):
        try:
            result = load_regions(file, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(f)s：%(e)s") % {"f": file, "e": exc}) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("区划导入失败：%(n)s 处错误，未写入任何数据。") % {"n": len(result.errors)}
            )
        prefix = _("（试运行，未写入）") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{_('区划导入完成')}：{result}"))
