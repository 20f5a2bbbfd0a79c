from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and synthetic data for development and benchmarks: commands, no models."""

    name = "devdata"
    verbose_name = "Development data"
