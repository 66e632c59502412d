from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Disclosures and explicit shares"

    def ready(self) -> None:
        from sharing import checks  # noqa: F401, PLC0415 — registers the webhook system checks once apps are loaded
