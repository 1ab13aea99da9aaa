from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("重点项目")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save  # noqa: PLC0415
        from rest_framework.authtoken.models import Token, TokenProxy  # noqa: PLC0415

        from . import checks  # noqa: F401, PLC0415  (registers the system checks; apps loaded)
        from .api import authentication  # noqa: PLC0415
        from .models import Region, User  # noqa: PLC0415

        # the API's kept tokens, users and regions (projects.api.authentication) are read
        # again after any change of one of them (TokenProxy: the admin's tokens)
        for model in (Token, TokenProxy, User, Region):
            for signal in (post_save, post_delete):
                signal.connect(
                    authentication.changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"api_auth.{model.__name__}.{signal is post_save}",
                )
