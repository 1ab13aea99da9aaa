from django.apps import AppConfig


class SeedConfig(AppConfig):
    """Demo data (`seed_demo`) and synthetic datasets (`generate_dataset`); no models."""

    name = "seed"
    verbose_name = "seed"
