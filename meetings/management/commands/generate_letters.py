"""`python manage.py generate_letters --period YYYY-MM [--region CODE]` — drafts the reminder
letters (提示函) of a period: one per district with yellow or red projects."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.periods import Period
from meetings import services
from projects.choices import RegionLevel
from projects.models import Region


class Command(BaseCommand):
    help = "生成某期黄色、红色项目提示函（每个县市区一份，Word 文件）。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--region", help="市或县市区代码；默认全部")
        parser.add_argument("--regenerate", action="store_true", help="按当前颜色重新生成")

    def handle(self, *args, period, region=None, regenerate=False, **options):
        try:
            parsed = Period.parse(period)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if region:
            root = Region.objects.filter(code=region).first()
            if root is None:
                raise CommandError(_("区域代码 %(c)s 不存在。") % {"c": region})
        else:
            root = Region.objects.filter(parent__isnull=True).order_by("code").first()
            if root is None:
                raise CommandError(_("尚未载入区域。"))
        try:
            if root.level == RegionLevel.COUNTY:
                letters = [
                    services.letter_generate(
                        region=root, year=parsed.year, month=parsed.month, regenerate=regenerate
                    )
                ]
            else:
                letters = services.letters_generate_for_period(
                    parent=root, year=parsed.year, month=parsed.month
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for letter in letters:
            self.stdout.write(
                f"{letter.number} {letter.addressee} "
                + _("红色 %(r)s 个、黄色 %(y)s 个")
                % {"r": letter.red_count, "y": letter.yellow_count}
                + f" {letter.file.name}"
            )
        self.stdout.write(_("共 %(n)s 份提示函。") % {"n": len(letters)})
