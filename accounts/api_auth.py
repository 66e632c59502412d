"""How a partner system signs in to the REST API: ``Authorization: Bearer rhi_…`` with a token only its hash
is kept of, and the scopes the organisation's admin gave the client.

A client acts as its own system user (accounts.api_client_services), so access answers for it
exactly as for a person holding that role in the organisation.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from access.api_clients import api_client_may_act, api_client_refused
from accounts.models import ApiClient, User
from accounts.tokens import LOOKUP_LENGTH, TOKEN_PREFIX, token_hash

LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per client per minute for "last used"


def find_client(token: str) -> ApiClient | None:
    """The client this token belongs to (revoked and expired ones included), compared in constant time."""
    if not token.startswith(TOKEN_PREFIX) or len(token) < LOOKUP_LENGTH or len(token) > 200:
        return None
    wanted = token_hash(token)
    clients = (
        ApiClient.objects.select_related("user", "organisation")
        .prefetch_related("user__memberships", "decisions")
        .filter(token_prefix=token[:LOOKUP_LENGTH])
    )
    for client in clients:
        if hmac.compare_digest(client.token_hash, wanted):
            return client
    return None


class ClientNotApproved(exceptions.PermissionDenied):
    """A known, live token whose client may not act yet (or ever): access.api_clients.api_client_may_act."""

    default_detail = (
        "This API client is waiting for approval by a person who holds its role in your organisation "
        "(docs/api.md, 'Approval')."
    )
    default_code = "client_not_approved"


class ApiTokenAuthentication(BaseAuthentication):
    """Bearer tokens of API clients. No header: not this scheme (the session may apply). A token that is
    unknown, revoked or expired, or whose organisation is inactive: 401 with the standard error body. A
    client not approved (or refused) by a holder of its role: 403, whatever the call."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiClient] | None:
        token = self._bearer_token(request)
        if token is None:
            return None
        client = find_client(token)
        if client is None:
            raise exceptions.AuthenticationFailed("The token is not valid.", code="invalid_token")
        now = timezone.now()
        # The audit event for the refusal names the client's system user (api.errors.api_exception_handler).
        request._request.api_denied_user = client.user  # type: ignore[attr-defined]
        self._refuse_unless_live(client, now)
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client.user, client

    def _bearer_token(self, request: Request) -> str | None:
        """The token of an ``Authorization: Bearer`` header; None when the header is another scheme (or none)."""
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer rhi_…'.", code="invalid_token"
            )
        try:
            return parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.", code="invalid_token") from None

    @staticmethod
    def _refuse_unless_live(client: ApiClient, now: datetime) -> None:
        """401 for a revoked, expired or inactive client; 403 for one not approved (or refused)."""
        if client.is_revoked:
            raise exceptions.AuthenticationFailed("This token has been revoked.", code="token_revoked")
        if client.is_expired(now):
            raise exceptions.AuthenticationFailed("This token has expired.", code="token_expired")
        if not client.user.is_active or not client.organisation.is_active:
            raise exceptions.AuthenticationFailed("This client is not active.", code="client_inactive")
        if not api_client_may_act(client):
            if api_client_refused(client):
                raise ClientNotApproved(
                    "This API client was refused by a person who holds its role in your organisation.",
                    code="client_refused",
                )
            raise ClientNotApproved()

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """The API client holds ``scope``; a browser session (a person) is decided by access alone.
    Used as ``HasScope.of("episodes:write")``."""

    scope = ""
    write_scope = ""
    message = "This API client does not have the scope this call needs."

    @classmethod
    def of(cls, scope: str, *, write: str = "") -> type[HasScope]:
        """``scope`` for reads; ``write`` (when given) for POST, PUT, PATCH and DELETE."""
        name = f"HasScope_{scope}_{write}".replace(":", "_")
        return type(name, (cls,), {"scope": scope, "write_scope": write or scope})

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        client = request.auth
        if isinstance(client, ApiClient):
            needed = self.scope if request.method in SAFE_METHODS else self.write_scope
            if not client.has_scope(needed):
                self.message = f"This API client needs the '{needed}' scope for this call."
                return False
        return True
