from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API: errors, pagination, throttling, ETags and idempotency keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # drf-spectacular registers an extension when its class is defined, so the module must be imported
        # before any schema is generated; drf-spectacular's modules read DRF settings on import, so not before
        # the apps are loaded (Django's own pattern for signal handlers).
        from api import schema  # noqa: F401, PLC0415 — registers the bearer scheme once the apps are loaded
