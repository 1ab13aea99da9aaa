from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from projects import access


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Excel 导入")

    def ready(self) -> None:
        from . import tasks  # noqa: F401, PLC0415 - registers the tasks once the apps are ready

        # A job belongs to its importer's region at upload time.
        access.register({"imports.importjob": ("region__code", None)})
