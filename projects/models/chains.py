"""The four-in-one responsibility chain (四包一) and task forces (专班)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NoDeleteModel

from .people import Person
from .projects import Project
from .reference import ChainRole


class ChainAssignment(NoDeleteModel):
    """One person in one chain role of one project, for a span of time.

    Exactly one current person per (project, role): a partial unique constraint on the rows
    with no end date. Replacing someone ends their row and opens a new one, so the chain's
    history is the table itself.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="chain"
    )
    role = models.ForeignKey(
        ChainRole, verbose_name=_("责任角色"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任链")
        verbose_name_plural = _("责任链")
        ordering = ["project", "role__order", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "role"],
                condition=Q(end_date__isnull=True),
                name="chain_one_current_person_per_role",
                violation_error_message=_("每个项目的每个责任角色只能有一名现任责任人。"),
            ),
        ]
        indexes = [models.Index(fields=["person", "end_date"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.role}: {self.person.name}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于起始日期。")})


class TaskForce(NoDeleteModel):
    """专班: a working group for a large project."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="task_forces"
    )
    name = models.CharField(_("专班名称"), max_length=200)
    lead = models.ForeignKey(
        Person,
        verbose_name=_("专班负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_task_forces",
    )
    members = models.ManyToManyField(
        Person, verbose_name=_("成员"), through="TaskForceMember", related_name="task_forces"
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专班")
        verbose_name_plural = _("专班")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.name or "").strip():
            raise ValidationError({"name": _("请填写专班名称。")})
        if self.dissolved_on and self.established_on and self.dissolved_on < self.established_on:
            raise ValidationError({"dissolved_on": _("撤销日期不能早于成立日期。")})


class TaskForceMember(models.Model):
    """A person's membership of a task force with their duty (分工), for a span: removing a
    member ends the span (`left_on`), so the membership's history is the table itself."""

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("成员"), on_delete=models.PROTECT)
    duty = models.CharField(_("分工"), max_length=200, blank=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专班成员")
        verbose_name_plural = _("专班成员")
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "person"],
                condition=Q(left_on__isnull=True),
                name="taskforce_member_once",
                violation_error_message=_("此人已是该专班成员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_force}: {self.person}"
