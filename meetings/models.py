"""Dispatch meetings (调度会) with their agendas and decisions, and reminder letters (提示函).

Moved here from `supervision` without touching the database: the tables keep their names
(`supervision_…`) and the history of meetings stays in the supervision app's tables
(`HistoricalRecords(app="supervision")`), see migrations/0001.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NoDeleteModel
from projects.models import Person, Region

from .choices import LetterState, LetterVerdict, MeetingKind


class Meeting(NoDeleteModel):
    """A dispatch meeting (调度会) of a region. Its agenda is generated from the data
    (supervision.agenda); its decisions are assigned issues (`Issue.meeting`)."""

    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="meetings"
    )
    date = models.DateField(_("会议日期"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    chair = models.ForeignKey(
        Person,
        verbose_name=_("主持人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    attendees = models.ManyToManyField(
        Person, verbose_name=_("参会人员"), blank=True, related_name="meetings"
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    agenda = models.JSONField(
        _("会议议程"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "创建会议时按数据生成的议程稿（定稿前可按最新数据刷新）；定稿后即为会议记录，不再改变。"
        ),
    )
    agenda_frozen_at = models.DateTimeField(_("议程定稿时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[attendees], app="supervision")

    class Meta:
        db_table = "supervision_meeting"
        verbose_name = _("调度会议")
        verbose_name_plural = _("调度会议")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["region", "date"])]

    def __str__(self) -> str:
        return self.title or f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class ReminderLetter(NoDeleteModel):
    """提示函: to a district government about its yellow and red projects of one period."""

    region = models.ForeignKey(
        Region, verbose_name=_("县市区"), on_delete=models.PROTECT, related_name="reminder_letters"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    number_year = models.PositiveSmallIntegerField(_("文号年份"))
    serial = models.PositiveIntegerField(_("文号序号"))
    number = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    addressee = models.CharField(_("主送机关"), max_length=100)
    issuer = models.CharField(_("发文单位"), max_length=100)
    issued_on = models.DateField(_("成文日期"))
    reply_deadline = models.DateField(_("反馈时限"))
    reply_deadline_provisional = models.BooleanField(_("时限待确认"), default=False)
    reply_workdays = models.PositiveSmallIntegerField(_("反馈时限（工作日）"))
    actions = models.JSONField(_("整改要求"), default=list)
    rows = models.JSONField(
        _("项目清单"),
        default=list,
        help_text=_("[{code, name, colour, colour_label, reason}]，生成时的快照。"),
    )
    file = models.FileField(_("Word 文件"), upload_to="supervision/letters/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The loop (meetings.services.letter_reply / letter_verify): the district's written reply
    # and measures with an attachment, then the city's verification.
    reply_text = models.TextField(_("反馈情况"), blank=True)
    reply_measures = models.TextField(_("整改措施"), blank=True)
    reply_attachment = models.FileField(
        _("反馈附件"), upload_to="supervision/letters/replies/%Y/", max_length=200, blank=True
    )
    replied_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict = models.CharField(
        _("核验结果"), max_length=20, choices=LetterVerdict.choices, blank=True, default=""
    )
    verification_note = models.TextField(_("核验意见"), blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["file", "reply_attachment"])

    class Meta:
        db_table = "supervision_reminderletter"
        verbose_name = _("提示函")
        verbose_name_plural = _("提示函")
        ordering = ["-year", "-month", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "month"], name="letter_one_per_district_and_period"
            ),
            models.UniqueConstraint(fields=["number_year", "serial"], name="letter_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def state_on(self, day) -> LetterState:
        """Where the loop is on `day`: unsatisfactory and unanswered letters stay open."""
        if self.verdict == LetterVerdict.ACCEPTED:
            return LetterState.ACCEPTED
        if self.verdict == LetterVerdict.UNSATISFACTORY:
            return LetterState.UNSATISFACTORY
        if self.replied_at is not None:
            return LetterState.REPLIED
        return LetterState.OVERDUE if day > self.reply_deadline else LetterState.AWAITING

    @property
    def state(self) -> LetterState:
        return self.state_on(timezone.localdate())

    @property
    def red_count(self) -> int:
        return sum(1 for row in self.rows if row.get("colour") == "red")

    @property
    def yellow_count(self) -> int:
        return sum(1 for row in self.rows if row.get("colour") == "yellow")
