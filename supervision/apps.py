from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from projects import access, windows

ISSUE = ("project__region__code", "project__town__code")
OF_ISSUE = ("issue__project__region__code", "issue__project__town__code")
OF_INSPECTION = ("inspection__project__region__code", "inspection__project__town__code")


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督导调度")

    def ready(self) -> None:
        from .workdays import reporting_window_closes  # noqa: PLC0415  (imports models: ready only now)

        windows.set_window_closes(reporting_window_closes)
        access.register(
            {
                "supervision.issue": ISSUE,
                "supervision.issuetransition": OF_ISSUE,
                "supervision.issueattachment": OF_ISSUE,
                "supervision.notification": ("region__code", None),
                "supervision.notificationchannel": ("region__code", None),
                "supervision.delivery": ("region__code", None),
                "supervision.inspection": ISSUE,
                "supervision.inspectionfinding": OF_INSPECTION,
                "supervision.inspectionphoto": OF_INSPECTION,
            }
        )
