"""Choices of the meetings app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("周调度")
    BIWEEKLY = "biweekly", _("双周调度")
    MONTHLY = "monthly", _("月度联席会议")
    QUARTERLY = "quarterly", _("季度推进会")
    OBSERVATION = "observation", _("观摩")
