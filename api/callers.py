"""Who is calling the API (a client's system user with its token, or a signed-in person's session), and the
one audit event of a call."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import exceptions
from rest_framework.request import Request

from accounts.models import ApiClient, User
from audit.models import AuditAction
from audit.services import record_event


def api_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def api_client(request: Request) -> ApiClient | None:
    """The API client whose token made the call, or None for a browser session."""
    return request.auth if isinstance(request.auth, ApiClient) else None


def audit_view(
    request: Request,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    level: str = "",
    action: AuditAction = AuditAction.VIEW,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit event for an API call, like a page view (codes, counts and ids only)."""
    client = api_client(request)
    record_event(
        actor=api_user(request),
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        level=level,
        request=request._request,
        detail={"api": True, "client": client.pk if client else None} | (detail or {}),
    )
