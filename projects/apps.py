from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("重点项目")

    def ready(self) -> None:
        from . import checks  # noqa: F401, PLC0415  (registers the system checks; apps loaded)
