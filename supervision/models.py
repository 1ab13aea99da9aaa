"""Supervision: issue lists (问题清单), inspections, notifications, working-day calendars.

The fields of `Issue` below are a contract with projects.measures (resolution rate): `project`,
`status` (IssueStatus values), `raised_at`, `resolved_at`, `deadline`. Extend freely; do not
rename them. Fields added later carry a database default (`db_default`) as well, because the
synthetic-dataset generator writes issues with COPY naming only the contract fields.

Who may move an issue from one state to another is decided in `supervision.workflow` (one
place); writes go through `supervision.services`; working days come from
`supervision.workdays`. Every model here is registered with `projects.access` (`apps.py`), so
every queryset served to a user is scoped by region.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import NoDeleteModel, NoDeleteQuerySet, SingletonModel
from projects.models import Person, Project, Region, Unit

from .choices import (
    AttachmentKind,
    ChannelKind,
    DeliveryStatus,
    Difficulty,
    InspectionKind,
    IssueCategory,
    IssueSource,
    IssueStatus,
    Transport,
)


class IssueQuerySet(NoDeleteQuerySet["Issue"]):
    def overdue(self, today: dt.date) -> IssueQuerySet:
        return self.filter(overdue_q(today))

    def with_overdue(self, today: dt.date) -> IssueQuerySet:
        """Adds `is_overdue` (computed in SQL for `today`)."""
        return self.annotate(
            is_overdue=Case(
                When(overdue_q(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )


if TYPE_CHECKING:
    # The manager `as_manager()` builds, named for the annotation of `Issue.objects`.
    IssueManager = models.Manager.from_queryset(IssueQuerySet)


def overdue_q(today: dt.date) -> Q:
    """Overdue: a deadline is running (assigned, in progress, escalated) and it has passed — or,
    for a hard issue without a deadline yet, its plan (办理方案) is late."""
    late_deadline = Q(deadline__lt=today)
    late_plan = Q(deadline__isnull=True, plan_submitted_at__isnull=True, plan_due__lt=today)
    return Q(status__in=IssueStatus.running()) & (late_deadline | late_plan)


class Issue(NoDeleteModel):
    """A problem of a project, followed through 梳理—交办—跟踪—销号."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="issues"
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    category = models.CharField(_("问题类别"), max_length=20, choices=IssueCategory.choices)
    difficulty = models.CharField(
        _("难易程度"), max_length=10, choices=Difficulty.choices, default=Difficulty.ORDINARY
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.COLLECTED
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("收集时间"))
    assigned_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    # --- Extensions (nullable or with a database default) -------------------------------------
    source = models.CharField(
        _("来源"),
        max_length=20,
        choices=IssueSource.choices,
        default=IssueSource.COLLECTED,
        db_default=IssueSource.COLLECTED,
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("议定会议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        help_text=_("会议议定事项：交办后在下次会议上继续跟踪，直至销号。"),
    )
    assignee = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_on = models.DateField(_("交办日期"), null=True, blank=True)
    deadline_workdays = models.PositiveSmallIntegerField(
        _("时限（工作日）"),
        null=True,
        blank=True,
        help_text=_("按工作日计算的时限；明确指定日期的时限为空。"),
    )
    deadline_provisional = models.BooleanField(
        _("时限待确认"),
        default=False,
        db_default=False,
        help_text=_("该年度法定节假日安排尚未发布，时限按周末和固定节日推算，发布后自动重算。"),
    )
    plan = models.TextField(_("办理方案"), blank=True, default="", db_default="")
    plan_due = models.DateField(_("方案报送时限"), null=True, blank=True)
    plan_workdays = models.PositiveSmallIntegerField(_("方案时限（工作日）"), null=True, blank=True)
    plan_due_provisional = models.BooleanField(_("方案时限待确认"), default=False, db_default=False)
    plan_submitted_at = models.DateTimeField(_("方案报送时间"), null=True, blank=True)
    overdue_flagged_on = models.DateField(
        _("标记逾期日期"),
        null=True,
        blank=True,
        help_text=_("每日逾期检查标记的日期；时限调整后清空。"),
    )
    escalated_at = models.DateTimeField(_("督办通报时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    objects: ClassVar[IssueManager[Issue]] = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["raised_at"]),
            # the board's columns, each read in order from its state's range
            # (`selectors.board_columns`)
            models.Index(fields=["status", "deadline", "raised_at", "id"], name="issue_board_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def overdue_on(self, today: dt.date) -> bool:
        """Overdue on `today` (querysets: `overdue(today)`, or the `is_overdue` annotation)."""
        if self.status not in IssueStatus.running():
            return False
        if self.deadline is not None:
            return self.deadline < today
        return (
            self.plan_submitted_at is None and self.plan_due is not None and self.plan_due < today
        )


class IssueTransition(NoDeleteModel):
    """One step of an issue's life: who, when, from, to, note. Written in the same transaction
    as the change; never edited or deleted."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="transitions"
    )
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=IssueStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=IssueStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示系统自动操作（如逾期督办）。"),
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("问题办理记录")
        verbose_name_plural = _("问题办理记录")
        ordering = ["issue", "at", "id"]
        indexes = [models.Index(fields=["issue", "at"])]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.from_status or '—'} → {self.to_status}"


class StoredUpload(NoDeleteModel):
    """A file a user uploaded, checked by content (supervision.uploads) and stored with its
    original name, format, size and SHA-256. Each kind declares its own `file` (where it is
    stored) and what it belongs to; `services.store_upload` writes one."""

    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件格式"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file: FieldFile  # declared by each kind

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class IssueAttachment(StoredUpload):
    """A document or an on-site photo of an issue, validated by content (supervision.uploads)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to="supervision/issues/%Y/%m/")

    class Meta:
        verbose_name = _("问题附件")
        verbose_name_plural = _("问题附件")
        ordering = ["issue", "uploaded_at"]


class Notification(models.Model):
    """An in-app notification (and, when the person has an email and mail is configured, an
    email sent on commit). `key` makes a notification idempotent per recipient."""

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    recipient_person = models.ForeignKey(
        Person,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("通知所涉项目的县市区（用于权限范围）。"),
    )
    issue = models.ForeignKey(
        Issue,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(
        _("事件类型"),
        max_length=50,
        blank=True,
        db_index=True,
        help_text=_("事件键第一个冒号之前的部分，如 issue.assigned（用于接收偏好）。"),
    )
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(_("去重键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # Set by `notify` from the recipient's preferences: the daily digest carries this one
    # instead of an e-mail of its own. db_default: rows are also written by raw SQL (benchmarks).
    digest = models.BooleanField(_("计入每日汇总"), default=False, db_default=False)
    digested_at = models.DateTimeField(_("汇总发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient_user", "read_at"]),
            models.Index(fields=["recipient_person", "read_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_user__isnull=False) | Q(recipient_person__isnull=False),
                name="notification_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.text[:50]


class HolidayOverride(models.Model):
    """One day of the State Council's holiday schedule (or a local correction): a holiday on a
    weekday, or a working Saturday/Sunday (调休). Wins over the calendar package."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("上班"), help_text=_("勾选：调休上班日；不勾选：放假（节假日）。")
    )
    name = models.CharField(_("名称"), max_length=50, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), editable=False, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("放假")
        return f"{self.date:%Y-%m-%d} {self.name} {kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.year = self.date.year
        super().save(*args, **kwargs)


class HolidaySchedule(models.Model):
    """Marks a year whose full schedule has been loaded (State Council notice): its deadlines
    are no longer provisional even if the calendar package does not know the year."""

    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("如：国务院办公厅关于…节假日安排的通知")
    )
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class SupervisionSettings(SingletonModel):
    """Installation settings of the supervision office, one row (pk=1), editable in the admin."""

    ordinary_workdays = models.PositiveSmallIntegerField(
        _("一般问题办结时限（工作日）"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(5)],
    )
    hard_plan_workdays = models.PositiveSmallIntegerField(
        _("疑难问题报送方案时限（工作日）"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    escalate_after_workdays = models.PositiveSmallIntegerField(
        _("逾期多少个工作日后督办通报"),
        default=0,
        validators=[MaxValueValidator(30)],
        help_text=_("0 表示逾期当日即督办通报。"),
    )
    max_upload_mb = models.PositiveSmallIntegerField(
        _("附件大小上限（MB）"), default=20, validators=[MinValueValidator(1)]
    )
    email_notifications = models.BooleanField(_("发送邮件提醒"), default=True)
    letter_issuer = models.CharField(
        _("提示函发文单位"),
        max_length=100,
        blank=True,
        help_text=_("留空则为“<市名>重点项目建设推进办公室”。"),
    )
    letter_number_prefix = models.CharField(
        _("提示函文号前缀"),
        max_length=30,
        blank=True,
        help_text=_("如“青重点办函”；留空则取市名首字加“重点办函”。"),
    )
    letter_reply_workdays = models.PositiveSmallIntegerField(
        _("提示函反馈时限（工作日）"), default=10, validators=[MinValueValidator(1)]
    )
    letter_actions = models.TextField(
        _("提示函整改要求"),
        blank=True,
        help_text=_("每行一条；留空使用默认要求。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("督导设置")
        verbose_name_plural = _("督导设置")

    def __str__(self) -> str:
        return str(_("督导设置"))


class Inspection(NoDeleteModel):
    """A visit to a project (巡查/督导): date, inspectors, findings, photos."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=InspectionKind.choices, default=InspectionKind.PATROL
    )
    date = models.DateField(_("日期"))
    inspectors = models.ManyToManyField(
        Person, verbose_name=_("检查人员"), blank=True, related_name="inspections"
    )
    summary = models.TextField(_("总体情况"), blank=True)
    # Where the inspector stood, when the phone's browser gave it (asked on a button press,
    # never required): WGS-84 degrees like the project's own location.
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[inspectors])

    class Meta:
        verbose_name = _("现场巡查")
        verbose_name_plural = _("现场巡查")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["project", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.project.code}"


class InspectionFinding(NoDeleteModel):
    """A finding of an inspection; it can raise an issue in one step (`issue`)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("巡查"), on_delete=models.PROTECT, related_name="findings"
    )
    description = models.TextField(_("发现问题"))
    category = models.CharField(
        _("问题类别"), max_length=20, choices=IssueCategory.choices, default=IssueCategory.OTHER
    )
    issue = models.OneToOneField(
        Issue,
        verbose_name=_("转为问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding",
    )

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.description[:50]

    def clean(self) -> None:
        if not (self.description or "").strip():
            raise ValidationError({"description": _("请填写发现的问题。")})


class InspectionPhoto(StoredUpload):
    """An on-site photo of an inspection (JPEG, PNG or WebP, checked by content)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("巡查"), on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(_("照片"), upload_to="supervision/inspections/%Y/%m/")
    taken_at = models.DateTimeField(
        _("拍摄时间"),
        null=True,
        blank=True,
        help_text=_(
            "照片的拍摄时间：JPEG 自带的 EXIF 拍摄时间，"
            "没有时取浏览器提供的文件修改时间；未知为空。"
        ),
    )

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")
        ordering = ["inspection", "uploaded_at"]


class NotificationChannel(models.Model):
    """A group channel (WeCom/DingTalk/Feishu group bot, or a mailing list) that receives the
    events of a region's subtree — or, with a unit, only those of that unit — of the kinds it
    subscribes to (all when none is chosen). Configured in the admin."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("渠道类型"), max_length=20, choices=ChannelKind.choices)
    webhook_url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        blank=True,
        help_text=_("群机器人的 Webhook 地址（企业微信、钉钉、飞书）。"),
    )
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉“加签”或飞书“签名校验”的密钥；未启用签名则留空。"),
    )
    emails = models.TextField(
        _("邮件地址"), blank=True, help_text=_("邮件组的收件地址，每行一个或以逗号分隔。")
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("区域"),
        on_delete=models.PROTECT,
        related_name="+",
        blank=True,
        help_text=_("接收该区域及其下级区域的事件；只选单位时取单位所在区域。"),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("选填：只接收交办给该单位或该单位人员的事件。"),
    )
    event_kinds = models.JSONField(
        _("订阅的事件类型"),
        default=list,
        blank=True,
        help_text=_("不选即订阅全部事件类型。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["region", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not self.region_id:
            if self.unit is not None:
                self.region_id = self.unit.region_id
            else:
                errors["region"] = _("请选择区域或单位。")
        if self.kind == ChannelKind.EMAIL_LIST:
            if not self.email_addresses():
                errors["emails"] = _("邮件组至少需要一个收件地址。")
            else:
                from django.core.validators import validate_email  # noqa: PLC0415

                for address in self.email_addresses():
                    try:
                        validate_email(address)
                    except ValidationError:
                        errors["emails"] = _("无效的邮件地址：%(address)s") % {"address": address}
                        break
        elif not self.webhook_url:
            errors["webhook_url"] = _("群机器人需要 Webhook 地址。")
        if self.unit is not None and self.region_id and not self.unit.region.is_within(self.region):
            errors["unit"] = _("单位不在所选区域内。")
        if errors:
            raise ValidationError(errors)

    def email_addresses(self) -> list[str]:
        return [a.strip() for a in self.emails.replace(",", "\n").splitlines() if a.strip()]

    def subscribes(self, kind: str) -> bool:
        return not self.event_kinds or kind in self.event_kinds


class NotificationPreference(models.Model):
    """A user's choice for one event kind: e-mail each notification, or gather them in the
    daily digest (which then replaces the e-mails), or neither (in-app only). No row: e-mail,
    as before preferences existed. In-app notifications are always on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("事件类型"), max_length=50)
    email = models.BooleanField(_("邮件"), default=True)
    digest = models.BooleanField(_("每日汇总"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpref_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class Delivery(models.Model):
    """One message on one channel to one recipient (a person's address, a digest, a group
    channel). `key` is unique per event (or notification) and channel, so a job run twice or a
    task delivered twice sends once: a sender claims the row with a conditional UPDATE
    (pending/retry → sending) before it sends. Failures keep the error and are retried with
    back-off (`NOTIFY_MAX_ATTEMPTS`, `NOTIFY_RETRY_BACKOFF_SECONDS`)."""

    key = models.CharField(_("去重键"), max_length=250, unique=True)
    transport = models.CharField(_("方式"), max_length=20, choices=Transport.choices)
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("渠道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("事件类型"), max_length=50, blank=True)
    recipient = models.CharField(_("接收方"), max_length=500, blank=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_transport_display()} {self.subject[:40]}"
