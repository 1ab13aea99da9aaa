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
        access.register(
            {
                "meetings.meeting": ("region__code", None),
                "meetings.reminderletter": ("region__code", None),
            }
        )
