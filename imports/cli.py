"""What the import commands share: finding the --user, printing the result."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .result import ImportResult


def user_or_error(username: str | None):
    """The user named by --user, or None (the system) when not given."""
    if not username:
        return None
    try:
        return get_user_model().objects.select_related("region").get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("用户“%(u)s”不存在。") % {"u": username}) from None


def progress_printer(command: BaseCommand, verbosity: int):
    """A progress callback printing to stderr at verbosity ≥ 2, else None."""
    if verbosity < 2:
        return None

    def progress(phase: str, done: int, total: int | None) -> None:
        command.stderr.write(f"{phase}: {done}/{total if total is not None else '?'}")

    return progress


def report_result(command: BaseCommand, result: ImportResult) -> None:
    """Prints warnings and the summary; on errors prints every one and raises CommandError
    (exit status 1)."""
    for warning in result.warnings:
        command.stderr.write(command.style.WARNING(warning))
    if result.ok:
        command.stdout.write(command.style.SUCCESS(result.summary()))
        return
    for error in result.errors:
        command.stderr.write(str(error))
    if any(error.kind == "plan_revision" for error in result.errors):
        command.stderr.write(
            _('提示：调整已下达的年度计划须用 --plan-revision-reason "原因" 说明调整原因。')
        )
    raise CommandError(_("导入失败：共 %(n)s 处错误，未写入任何数据。") % {"n": len(result.errors)})
