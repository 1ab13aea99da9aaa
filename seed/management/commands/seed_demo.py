"""`python manage.py seed_demo` — idempotent demo data (Qingdao, ten districts, a few hundred
projects, two years of monthly reports, chains, milestones, issues and meetings). See
seed.demo."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from ...demo import DEFAULT_PROJECTS, DEFAULT_SEED, SeedError, seed_demo


class Command(BaseCommand):
    help = _(
        "生成演示数据（青岛市及十个区市、数百个重点项目、两年月报、责任链、节点、问题与调度会）。"
        "可重复执行：已有的数据不会改变。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=DEFAULT_PROJECTS,
            help=_("项目数（默认 %(d)s）") % {"d": DEFAULT_PROJECTS},
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=_("随机种子（相同种子生成相同数据）")
        )
        parser.add_argument(
            "--no-extras",
            action="store_true",
            help=_("不调用问题清单/调度会的演示数据和四色计算。"),
        )

    def handle(self, *args, projects, seed, no_extras=False, **options):
        if projects < 1:
            raise CommandError(_("--projects 应为正整数。"))
        started = time.monotonic()
        log = self.stdout.write if options["verbosity"] > 0 else None
        try:
            result = seed_demo(projects=projects, seed=seed, extras=not no_extras, log=log)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        if result.changed and connection.vendor == "postgresql":
            # Fresh tables have no planner statistics: the overview takes 4× longer without.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        if result.changed:
            created = "，".join(f"{name} {n}" for name, n in result.created.items() if n)
            self.stdout.write(_("新建：%(c)s") % {"c": created})
        else:
            self.stdout.write(_("演示数据已存在，未作改动。"))
        for line in result.extras:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("完成，用时 %(s).1f 秒。") % {"s": elapsed}))
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码均为 %(p)s）：") % {"p": settings.DEMO_PASSWORD})
        for username, description in result.logins:
            self.stdout.write(f"  {username:<10} {description}")
