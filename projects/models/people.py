"""Units (departments, town offices), the people in them, and the logins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import Role, UnitKind
from .regions import Region


class Unit(models.Model):
    """A department (部门) or town office; belongs to a region."""

    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(
        _("类型"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="units"
    )
    active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person in a unit: a chain member, an assignee, a leader."""

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="people"
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["region", "name"]
        indexes = [models.Index(fields=["region", "name"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class User(AbstractUser):
    """A login. What it may see is the subtree of `region`; what it may do, its `role`."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    region = models.ForeignKey(
        Region,
        verbose_name=_("管辖区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("可查看、可修改的范围：该区域及其下级区域。超级用户不受限制。"),
    )
    person = models.OneToOneField(
        Person,
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("由他人设定的初始密码：登录后须先修改，才能使用其他页面。"),
    )

    # Not `Meta(AbstractUser.Meta)`: both names are set here and that Meta has nothing else
    # but `abstract` (which Django resets); the stubs type its names as plain str.
    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def can_edit(self) -> bool:
        return self.is_superuser or self.role in Role.editors()

    @property
    def can_review(self) -> bool:
        return self.is_superuser or self.role in Role.reviewers()
