"""Writing audit events. The one way any part of the app records who looked at or did what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.models import User
from audit.context import current_client_request_id, current_request_id
from audit.models import AuditAction, AuditEvent, AuditOutcome
from core import bulk_writes


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: AuditOutcome | str = AuditOutcome.ALLOWED,
    level: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. ``detail`` must hold codes and counts only, never names or narrative."""
    event = audit_event(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        level=level,
        request=request,
        detail=detail,
    )
    event.save(force_insert=True)
    return event


def record_events(events: Sequence[AuditEvent]) -> None:
    """Append many audit events (made by ``audit_event``) with one insert: the bulk import's."""
    bulk_writes.insert(events)


def audit_event(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: AuditOutcome | str = AuditOutcome.ALLOWED,
    level: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit event ``record_event`` appends, not yet saved (``record_events`` saves many at once)."""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    path_name = ""
    if request is not None and getattr(request, "resolver_match", None) is not None:
        path_name = request.resolver_match.view_name or ""  # type: ignore[union-attr]
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_organisation_id=actor.organisation_id if authenticated and actor is not None else None,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        level=level,
        request_id=current_request_id(),
        client_request_id=current_client_request_id(),
        ip_address=_client_ip(request),
        path_name=path_name[:100],
        detail=detail or {},
    )


_ACTION_FOR_METHOD = {
    "GET": AuditAction.VIEW,
    "HEAD": AuditAction.VIEW,
    "OPTIONS": AuditAction.VIEW,
    "DELETE": AuditAction.DELETE,
}


def record_denied_request(*, request: HttpRequest, reason: str, actor: object = None) -> AuditEvent:
    """A request refused before any view looked at a record (a failed CSRF check, a method the route does not
    take, a non-staff user at the admin): one denied event with the reason code, the method and the URL name.
    ``actor`` names the person when the request is not yet signed in (a refused sign-in)."""
    user = actor if actor is not None else getattr(request, "user", None)
    method = (request.method or "").upper()
    return record_event(
        actor=user if isinstance(user, User) else None,
        action=_ACTION_FOR_METHOD.get(method, AuditAction.UPDATE),
        outcome=AuditOutcome.DENIED,
        request=request,
        detail={"reason": reason, "method": method[:10]},
    )


def record_denial(
    request: HttpRequest,
    *,
    object_type: str = "",
    object_id: str = "",
    obj: models.Model | None = None,
    action: AuditAction | str | None = AuditAction.VIEW,
    step: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """A page refused the signed-in person this record (or this step of it): one denied event. Views do not call
    this: they raise ``audit.exceptions.NotVisible``/``NotAllowed`` and ``AuditedDenialMiddleware`` calls it.
    ``action=None``: the request's method decides (UPDATE for a POST)."""
    user = getattr(request, "user", None)
    method = (request.method or "").upper()
    return record_event(
        actor=user if isinstance(user, User) else None,
        action=action if action is not None else _ACTION_FOR_METHOD.get(method, AuditAction.UPDATE),
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditOutcome.DENIED,
        request=request,
        detail=dict(detail or {}) | ({"step": step} if step else {}),
    )
