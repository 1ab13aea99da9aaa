"""`python manage.py publish_ranking --period YYYY-MM [--scope …] [--parent CODE] [--reason …]`
— freezes the period's rankings as published snapshots (projects.rankings.publish).

Without --parent: every city's rankings (its districts, leaders, units). A ranking already
published is left as it is unless --reason is given, which publishes a correction (a new
version); old versions stay readable. Running it twice without --reason changes nothing.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.periods import Period
from projects.models import Region

from ... import rankings, recompute
from ...choices import RankingScope


class Command(BaseCommand):
    help = _("发布（冻结）指定月份的排名；已发布的不变，更正需 --reason 并生成新版本。")

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help=_("期间 YYYY-MM"))
        parser.add_argument(
            "--scope",
            action="append",
            choices=RankingScope.values,
            help=_("排名范围（可多次指定；默认全部：district, leader, unit）"),
        )
        parser.add_argument("--parent", help=_("上级区域代码（默认：每个市）"))
        parser.add_argument("--reason", default="", help=_("更正原因（发布新版本时必填）"))
        parser.add_argument("--user", help=_("发布人用户名"))

    def handle(self, *args, period, scope=None, parent=None, reason="", user=None, **options):
        try:
            parsed = Period.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        publisher = None
        if user:
            publisher = get_user_model().objects.filter(username=user).first()
            if publisher is None:
                raise CommandError(_("未知的用户：%(u)s") % {"u": user})
        if parent:
            region = Region.objects.filter(code=parent).first()
            if region is None:
                raise CommandError(_("未知的区域代码：%(c)s") % {"c": parent})
            targets = [(s, region) for s in RankingScope.values]
        else:
            targets = rankings.default_targets()
        if scope:
            targets = [(s, region) for s, region in targets if s in scope]
        if recompute.is_dirty(parsed) or parsed not in recompute.computed_periods(parsed.year):
            self.stdout.write(_("先计算 %(p)s …") % {"p": parsed})
            self.stdout.write(str(recompute.run(parsed)))
        for s, region in targets:
            current = rankings.published(scope=s, parent=region, period=parsed)
            label = f"{region.name} {RankingScope(s).label} {parsed}"
            if current is not None and not reason.strip():
                self.stdout.write(
                    _("%(l)s：已发布第 %(v)s 版，未更改（更正请加 --reason）。")
                    % {"l": label, "v": current.version}
                )
                continue
            try:
                snapshot = rankings.publish(
                    scope=s,
                    parent=region,
                    year=parsed.year,
                    month=parsed.month,
                    user=publisher,
                    reason=reason,
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(l)s：已发布第 %(v)s 版，%(n)s 行。")
                    % {"l": label, "v": snapshot.version, "n": len(snapshot.rows)}
                )
            )
