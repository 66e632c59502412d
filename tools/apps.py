from django.apps import AppConfig


class ToolsConfig(AppConfig):
    # An app only so that Django finds its management command (benchmark); it has no models.
    name = "tools"
    verbose_name = "Tooling: benchmarks"
