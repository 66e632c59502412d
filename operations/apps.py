from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations: health and heartbeats"
    default_auto_field = "django.db.models.BigAutoField"
