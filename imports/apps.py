from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from projects import access


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Excel 导入")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - registers the tasks in the web process too

        # A job belongs to its importer's region at upload time.
        access.register({"imports.importjob": ("region__code", None)})
