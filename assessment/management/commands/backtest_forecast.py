"""manage.py backtest_forecast --years K: the year-end forecast replayed on the last K whole
years (`assessment.backtest`), per month and method, against the naive baseline."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment import backtest


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = _(
        "按月回放往年数据（只用当时已知的数据），比较各预测方法的年末预测误差及其与朴素外推之比。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years", type=int, default=3, help=_("回放最近 K 个完整年度（默认 3）")
        )

    def handle(self, *args, years, **options):
        if years < 1:
            raise CommandError(_("--years 至少为 1。"))
        result = backtest.run(years)
        if not result.years:
            raise CommandError(_("没有可回放的年度：至少需要两个完整年度（1—12 月）的月报。"))
        self.stdout.write(
            _("回放年度：%(y)s（每年只用此前的完整年度学习季节规律）")
            % {"y": "、".join(str(y) for y in result.years)}
        )
        self.stdout.write(
            _(
                "区间覆盖率：区县实际完成率落在预测区间内的比例（区间需两个以上往年）；"
                "monthly_plan：有分月计划的项目按计划外推（回放年度中 %(n)s 个项目年有分月计划，"
                "其余按季节规律）。"
            )
            % {"n": result.monthly_plans}
        )
        header = _("月份  方法            区县MAPE   偏差      判断正确率  区间覆盖率  与朴素之比")
        self.stdout.write(header)
        for row in result.rows:
            self.stdout.write(
                f"{row.month:>4}  {row.method:<14}  {_pct(row.mape):>8}  {_pct(row.bias):>8}  "
                f"{_pct(row.called_right):>10}  {_pct(row.coverage):>10}  {_num(row.ratio):>10}"
            )
        for method in backtest.METHODS:
            if method == backtest.forecast.NAIVE:
                continue
            median = result.median_ratio(method)
            verdict = (
                _("达标") if median is not None and median <= backtest.TARGET_RATIO else _("未达标")
            )
            self.stdout.write(
                _("%(m)s：3—9 月误差与朴素之比的中位数 %(r)s（目标 ≤ %(t)s）：%(v)s")
                % {"m": method, "r": _num(median), "t": backtest.TARGET_RATIO, "v": verdict}
            )
