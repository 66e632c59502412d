"""System checks for outbound webhooks: what a production deployment must not run with (docs/webhooks.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from sharing import secret_box


@register(Tags.security)
def webhook_secret_keys_usable(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    problem = secret_box.key_problem()
    return [Error(problem, id="sharing.E003")] if problem else []


@register(Tags.security, deploy=True)
def webhook_settings_fit_for_production(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    if getattr(settings, "RHI_WEBHOOK_ALLOW_LOCALHOST", False):
        errors.append(
            Error(
                "RHI_WEBHOOK_ALLOW_LOCALHOST is on with DEBUG off: webhooks could reach this machine's own "
                "services.",
                hint="Unset RHI_WEBHOOK_ALLOW_LOCALHOST; it is for a developer's local test receiver only.",
                id="sharing.E001",
            )
        )
    if secret_box.using_derived_key():
        errors.append(
            Error(
                "RHI_WEBHOOK_SECRET_KEYS is not set: webhook signing secrets are encrypted with a key derived "
                "from SECRET_KEY.",
                hint="Set RHI_WEBHOOK_SECRET_KEYS to a Fernet key (docs/configuration.md).",
                id="sharing.E002",
            )
        )
    return errors
