"""The shape of an API client's token, shared by the service that issues it and the authentication that reads
it (accounts.api_client_services, accounts.api_auth). Domain: no web imports."""

from __future__ import annotations

import hashlib

TOKEN_PREFIX = "rhi_"  # noqa: S105 (the public prefix of every token, not a secret)
LOOKUP_LENGTH = 12  # "rhi_" and the first 8 random characters: enough to find the row, useless to guess with


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
