"""Choices of the supervision app. Each knows its label and, where it has one, its colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssueStatus(models.TextChoices):
    COLLECTED = "collected", _("已收集")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    FEEDBACK = "feedback", _("已反馈")
    CLOSED = "closed", _("已销号")
    ESCALATED = "escalated", _("已督办通报")

    @classmethod
    def done(cls) -> list[str]:
        """Counted as resolved by 办结率: resolved, feedback given or closed."""
        return [cls.RESOLVED, cls.FEEDBACK, cls.CLOSED]

    @classmethod
    def running(cls) -> list[str]:
        """Assigned and not yet resolved: the states in which a deadline runs."""
        return [cls.ASSIGNED, cls.IN_PROGRESS, cls.ESCALATED]

    @classmethod
    def open(cls) -> list[str]:
        """Not yet closed (销号): everything a meeting still follows."""
        return [s for s in cls.values if s != cls.CLOSED]

    @property
    def colour(self) -> str:
        return {
            "collected": "#7a7a7a",
            "assigned": "#1f6fb2",
            "in_progress": "#2f8fd8",
            "resolved": "#2e9d4f",
            "feedback": "#3aa76d",
            "closed": "#4d4d4d",
            "escalated": "#d9342b",
        }[self.value]


class IssueCategory(models.TextChoices):
    LAND = "land", _("用地")
    FUNDING = "funding", _("资金")
    ENVIRONMENT = "environment", _("环境容量")
    ENERGY = "energy", _("能耗")
    APPROVAL = "approval", _("审批手续")
    DEMOLITION = "demolition", _("征地拆迁")
    UTILITIES = "utilities", _("水电气配套")
    OTHER = "other", _("其他")


class Difficulty(models.TextChoices):
    ORDINARY = "ordinary", _("一般问题")
    HARD = "hard", _("疑难问题")


class IssueSource(models.TextChoices):
    COLLECTED = "collected", _("日常收集")
    MEETING = "meeting", _("会议议定")
    INSPECTION = "inspection", _("巡查发现")
    IMPORTED = "imported", _("导入")


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("文件")
    PHOTO = "photo", _("现场照片")


class InspectionKind(models.TextChoices):
    PATROL = "patrol", _("巡查")
    SUPERVISION = "supervision", _("督导")
    SPOT_CHECK = "spot_check", _("抽查")
    OBSERVATION = "observation", _("观摩")


class EventKind(models.TextChoices):
    """The kinds of event `notifications.notify` carries: what a user's preferences and a group
    bot's subscription choose among. An event's kind is the part of its key before the first
    ':' (``issue.assigned:17:…``). Kinds not listed here (a newer module's) are still delivered;
    they are shown by their code."""

    REPORTING_OPEN = "reporting.open", _("填报窗口开启")
    REPORTING_CLOSING = "reporting.closing", _("填报明日截止")
    REPORTING_MISSING = "reporting.missing", _("催报（截止仍未填报）")
    REPORTING_RETURNED = "reporting.returned", _("月报被退回")
    REPORTING_ACCEPTED = "reporting.accepted", _("月报已通过")
    ISSUE_ASSIGNED = "issue.assigned", _("问题交办")
    ISSUE_DUE_SOON = "issue.due_soon", _("问题 1 个工作日内到期")
    ISSUE_OVERDUE = "issue.overdue", _("问题逾期")
    ISSUE_ESCALATED = "issue.escalated", _("问题督办通报")
    PROJECT_COLOUR = "project.colour", _("项目转为黄色或红色")
    LETTER_ISSUED = "letter.issued", _("提示函印发")
    DECISION_ASSIGNED = "decision.assigned", _("会议议定事项交办")


class ChannelKind(models.TextChoices):
    """A group channel configured in the admin (`NotificationChannel`)."""

    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")
    EMAIL_LIST = "email_list", _("邮件组")


class Transport(models.TextChoices):
    """How one `Delivery` travels: a person's e-mail, their daily digest, or a group channel."""

    EMAIL = "email", _("个人邮件")
    DIGEST = "digest", _("每日汇总邮件")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")
    EMAIL_LIST = "email_list", _("邮件组")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    RETRY = "retry", _("待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")
