"""Choices of the meetings app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("周调度")
    BIWEEKLY = "biweekly", _("双周调度")
    MONTHLY = "monthly", _("月度联席会议")
    QUARTERLY = "quarterly", _("季度推进会")
    OBSERVATION = "observation", _("观摩")


class LetterVerdict(models.TextChoices):
    """The city's verification of a district's reply to a reminder letter."""

    PENDING = "", _("待核验")
    ACCEPTED = "accepted", _("核验通过")
    UNSATISFACTORY = "unsatisfactory", _("整改不到位")


class LetterState(models.TextChoices):
    """Where a letter's loop is (derived: `ReminderLetter.state`)."""

    AWAITING = "awaiting", _("待反馈")
    OVERDUE = "overdue", _("逾期未反馈")
    REPLIED = "replied", _("已反馈，待核验")
    ACCEPTED = "accepted", _("已闭环")
    UNSATISFACTORY = "unsatisfactory", _("整改不到位，需再次反馈")
