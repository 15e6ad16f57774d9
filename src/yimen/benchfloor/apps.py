from django.apps import AppConfig


class BenchFloorConfig(AppConfig):
    """Benchmark-only: installed by `yimen.config.settings.bench` alone, never in production."""

    name = "yimen.benchfloor"
    label = "benchfloor"
    verbose_name = "Benchmark floor"
