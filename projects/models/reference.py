"""Installation-wide reference data of the ledger: project categories and chain roles."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """项目类别: tags, several per project (重大建设类, 四新经济, 制造业 …). Configurable."""

    name = models.CharField(_("类别名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ChainRole(models.Model):
    """A role of the responsibility chain (四包一 by default; five levels where used)."""

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("有效"), default=True)
    is_leader = models.BooleanField(
        _("包联领导"), default=False, help_text=_("排名“领导分包项目进展”按此角色统计。")
    )

    class Meta:
        verbose_name = _("责任链角色")
        verbose_name_plural = _("责任链角色")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name
