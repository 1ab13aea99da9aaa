from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from projects import access


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("调度会议")

    def ready(self) -> None:
        from supervision.signals import calendar_changed  # noqa: PLC0415  (apps loaded now)

        from . import services  # noqa: PLC0415  (models are loaded only now)

        calendar_changed.connect(
            services.letters_recompute_receiver, dispatch_uid="meetings.letters_recompute"
        )
        from django.db.models.signals import post_save  # noqa: PLC0415

        from assessment.models import RankingSnapshot  # noqa: PLC0415  (apps loaded now)

        post_save.connect(
            services.letters_after_publish,
            sender=RankingSnapshot,
            dispatch_uid="meetings.letters_after_publish",
        )
        access.register(
            {
                "meetings.meeting": ("region__code", None),
                "meetings.reminderletter": ("region__code", None),
            }
        )
