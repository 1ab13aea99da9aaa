"""`python manage.py generate_dataset --projects N --years K --seed S` — the synthetic benchmark
dataset (see seed.dataset). No history rows are written for synthetic data."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from ...dataset import DatasetError, flush_dataset, generate_dataset, synthetic_exists


class Command(BaseCommand):
    help = _(
        "生成用于性能测试的模拟数据集（省、市、县区，项目、年度计划、K 年月报、责任链、节点、"
        "问题清单）。相同种子生成相同数据。项目编号以 SYN- 开头、区划代码以 99 开头；"
        "模拟数据不写历史记录。PostgreSQL 上用 COPY 写入，其他数据库用 bulk_create。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help=_("项目数 N"))
        parser.add_argument(
            "--years", type=int, default=5, help=_("月报年数 K（截至上月的 K×12 个月，默认 5）")
        )
        parser.add_argument("--seed", type=int, default=1, help=_("随机种子（默认 1）"))
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help=_("每批项目数（每批一个事务，默认 2000）"),
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help=_("先删除已有的模拟数据（仅 SYN- 项目和 99 开头的区划及其关联数据）"),
        )

    def handle(self, *args, projects, years, seed, batch_size, flush=False, **options):
        verbose = options["verbosity"] > 0
        started = time.monotonic()
        if flush:
            if synthetic_exists():
                self.stdout.write(_("删除已有的模拟数据…"))
                removed = flush_dataset(log=self.stdout.write if verbose else None)
                self.stdout.write(
                    _("已删除 %(n)s 行（%(s).1f 秒）。")
                    % {"n": sum(removed.values()), "s": time.monotonic() - started}
                )
            elif verbose:
                self.stdout.write(_("没有需要删除的模拟数据。"))
        try:
            result = generate_dataset(
                projects=projects,
                years=years,
                seed=seed,
                batch_size=batch_size,
                progress=verbose,
            )
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(result.counts.values())
        self.stdout.write(
            _(
                "模拟数据集（%(db)s）：%(c)s 个市、%(d)s 个县区，%(p)s 个项目，%(y)s 年月报，"
                "种子 %(s)s。"
            )
            % {
                "db": connection.vendor,
                "c": result.cities,
                "d": result.districts,
                "p": projects,
                "y": years,
                "s": seed,
            }
        )
        for table, count in sorted(result.counts.items()):
            self.stdout.write(f"  {table:<40} {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                _("共 %(n)s 行，用时 %(t).1f 秒（%(r)s 行/秒）。")
                % {
                    "n": f"{total:,}",
                    "t": result.seconds,
                    "r": f"{total / max(result.seconds, 0.001):,.0f}",
                }
            )
        )
