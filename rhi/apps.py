from django.apps import AppConfig


class RhiConfig(AppConfig):
    name = "rhi"
    verbose_name = "Return home interviews, clock policies and findings"
