from django.apps import AppConfig


class ToolsConfig(AppConfig):
    # An app only so that Django finds its management commands (benchmark, export_ssda903_returns); no models.
    name = "tools"
    verbose_name = "Tooling: benchmarks"
