"""Webhook signing secrets at rest (docs/webhooks.md, docs/configuration.md).

The service needs each secret in clear to sign deliveries, so it cannot hash them as it does API tokens: it
encrypts them with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under keys that come from the
environment, ``RHI_WEBHOOK_SECRET_KEYS``: a comma-separated list, the first encrypts, every one decrypts
(MultiFernet), so a key is rotated by putting a new one first, running ``manage.py
rotate_webhook_secrets`` and then dropping the old one. A database copy alone does not reveal the secrets.

With no keys set (the embedded default, a developer's machine) a key is derived from ``SECRET_KEY`` so the
app still runs; ``check --deploy`` refuses that with DEBUG off (sharing/checks.py).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "key_problem", "reencrypt", "using_derived_key"]


def using_derived_key() -> bool:
    return not list(getattr(settings, "RHI_WEBHOOK_SECRET_KEYS", []))


def _derived_key() -> bytes:
    # Development only: stable while SECRET_KEY is, and never the same as SECRET_KEY itself.
    digest = hashlib.sha256(b"rhi-webhook-secrets/v1:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _keys() -> list[bytes]:
    configured = [key.strip() for key in getattr(settings, "RHI_WEBHOOK_SECRET_KEYS", []) if key.strip()]
    return [key.encode() for key in configured] or [_derived_key()]


def key_problem() -> str | None:
    """Why the configured keys cannot be used, or None (a system check reports it at start-up)."""
    try:
        _box()
    except ValueError:
        return (
            "RHI_WEBHOOK_SECRET_KEYS must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated."
        )
    return None


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The secret in clear; InvalidToken if no configured key opens it (a key was dropped too soon)."""
    return _box().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret under the first (newest) key."""
    return _box().rotate(token.encode()).decode()
