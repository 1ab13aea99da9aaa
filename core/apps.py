from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Registered only for its template library (`{% load portfolio %}`); it has no models."""

    name = "core"
    verbose_name = "core"
