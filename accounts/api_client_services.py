"""Creating and revoking API clients (an organisation admin's job). The token is returned once, at creation;
only its SHA-256 hash is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access.api_clients import (
    api_client_awaiting_roles,
    api_client_may_act,
    api_client_organisation_ids,
    api_client_refused,
    api_client_roles_user_may_approve,
)
from accounts.models import (
    ApiClient,
    ApiClientDecision,
    ApiClientDecisionKind,
    ApiClientState,
    ApiScope,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from accounts.tokens import LOOKUP_LENGTH, TOKEN_PREFIX, token_hash
from audit.models import AuditAction
from audit.services import record_event


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    token: str  # shown once, never stored


def roles_for(organisation: Organisation, scopes: list[str]) -> list[Role]:
    """The role(s) a client's system user holds, from its organisation's kind (docs/api.md): a police force's
    system is a missing-person coordinator; a council's a partner viewer (and a performance lead when it may
    run returns); a provider's a team manager (reads its RHIs in full); any other agency a partner viewer."""
    if organisation.kind == OrganisationKind.POLICE_FORCE:
        return [Role.POLICE]
    if organisation.kind == OrganisationKind.RHI_PROVIDER:
        return [Role.TEAM_MANAGER]
    if organisation.kind == OrganisationKind.LOCAL_AUTHORITY:
        roles = [Role.PARTNER_VIEWER]
        if ApiScope.RETURNS_RUN in scopes:
            roles.append(Role.PERFORMANCE_LEAD)
        return roles
    return [Role.PARTNER_VIEWER]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_client(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    by: User,
) -> NewClient:
    """A new client of ``organisation`` with its system user and role(s); the caller must be its org admin."""
    if organisation.pk not in api_client_organisation_ids(by):
        raise PermissionDenied
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Enter a name for the system, like 'Niche RMS'."
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if not scopes or unknown:
        errors["scopes"] = "Choose what the system may do."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    token = new_token()
    placeholder = f"api-client-new-{secrets.token_hex(8)}"
    user = User(
        username=placeholder, organisation=organisation, first_name="API client", last_name=name[:150]
    )
    user.set_unusable_password()
    user.save()
    client = ApiClient.objects.create(
        organisation=organisation,
        name=name,
        user=user,
        token_prefix=token[:LOOKUP_LENGTH],
        token_hash=token_hash(token),
        scopes=sorted(set(scopes)),
        created_by=by,
        expires_at=expires_at,
    )
    user.username = f"api-client-{client.pk}"
    user.save(update_fields=["username"])
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=organisation, role=role)
            for role in roles_for(organisation, scopes)
        ]
    )
    # An org admin alone may issue only what reads no case records; every case role waits for a holder.
    client.state = state_of(client)
    client.save(update_fields=["state"])
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=client,
        detail={
            "organisation": organisation.pk,
            "scopes": client.scopes,
            "state": client.state,
            "awaiting_roles": sorted(api_client_awaiting_roles(client)),
        },
    )
    return NewClient(client=client, token=token)


def state_of(client: ApiClient) -> str:
    """The client's state as the rule (access.api_clients.api_client_may_act) sees it now."""
    if api_client_may_act(client):
        return ApiClientState.APPROVED
    if api_client_refused(client):
        return ApiClientState.REFUSED
    if client.state == ApiClientState.SUSPENDED:
        return ApiClientState.SUSPENDED
    return ApiClientState.PENDING


def _decide(*, client_id: int, by: User, decision: str, reason: str) -> ApiClient:
    client = ApiClient.objects.select_for_update().select_related("organisation").get(pk=client_id)
    roles = api_client_roles_user_may_approve(by, client)
    if not roles:
        raise PermissionDenied
    ApiClientDecision.objects.bulk_create(
        [
            ApiClientDecision(client=client, role=role, decision=decision, decided_by=by, reason=reason)
            for role in sorted(roles)
        ]
    )
    client = ApiClient.objects.prefetch_related("user__memberships", "decisions").get(pk=client.pk)
    client.state = state_of(client)
    client.save(update_fields=["state"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=client,
        detail={"step": decision, "roles": sorted(roles), "state": client.state},
    )
    return client


@transaction.atomic
def approve_client(*, client_id: int, by: User) -> ApiClient:
    """``by`` approves every role of the client they hold (access.api_clients.api_client_roles_user_may_approve);
    the client's token works once every case role is approved."""
    return _decide(client_id=client_id, by=by, decision=ApiClientDecisionKind.APPROVED, reason="")


@transaction.atomic
def refuse_client(*, client_id: int, by: User, reason: str) -> ApiClient:
    """``by`` refuses the client: its token never works; the org admin may issue another."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are refusing this client."})
    if len(reason) > 500:
        raise ValidationError({"reason": "The reason must be 500 characters or fewer."})
    return _decide(client_id=client_id, by=by, decision=ApiClientDecisionKind.REFUSED, reason=reason)


@transaction.atomic
def revoke_client(*, client_id: int, by: User) -> ApiClient:
    """Revoke at once: the next call with its token answers 401. The system user is deactivated too."""
    client = ApiClient.objects.select_for_update().select_related("user").get(pk=client_id)
    if client.organisation_id not in api_client_organisation_ids(by):
        raise PermissionDenied
    if client.revoked_at is not None:
        raise ValidationError({"client": "This client has already been revoked."})
    client.revoked_at = timezone.now()
    client.revoked_by = by
    client.save(update_fields=["revoked_at", "revoked_by"])
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    record_event(actor=by, action=AuditAction.UPDATE, obj=client, detail={"step": "revoked"})
    return client
