"""`python manage.py load_boundaries FILE.geojson` — attaches an outline to each region.

GeoJSON (RFC 7946) or ECharts' compressed "UTF8Encoding" GeoJSON; features matched by code or
name; all or nothing, idempotent: see projects.boundaries.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...boundaries import load_boundaries
from ...models import Region


class Command(BaseCommand):
    help = _(
        "导入区划边界（GeoJSON 或 ECharts 压缩格式），按区划代码或名称匹配区域。"
        "任一要素有误或无法匹配则全部不导入，并逐个报告；重复导入同一文件不产生变化。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("GeoJSON 文件路径"))
        parser.add_argument(
            "--within", help=_("只在该区域（代码）的下级中按名称匹配，如 370200。"), default=""
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只检查并报告将要发生的变化，不写入。")
        )

    def handle(self, *args, file, within="", dry_run=False, **options):
        parent = None
        if within:
            parent = Region.objects.filter(code=within).first()
            if parent is None:
                raise CommandError(_("未知的区域代码：%(value)s。") % {"value": within})
        try:
            result = load_boundaries(file, within=parent, dry_run=dry_run, source_name=file)
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(f)s：%(e)s") % {"f": file, "e": exc}) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("边界导入失败：%(n)s 处错误，未写入任何数据。") % {"n": len(result.errors)}
            )
        prefix = _("（试运行，未写入）") if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{_('边界导入完成')}：{result}"))
