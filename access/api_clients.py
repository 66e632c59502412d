"""A credential never carries more than a person who may see it chose to give (docs/api.md, "Approval").

An org admin issues a client but sees no case content, so each case role the client acts as must be approved
by a person holding that role in the client's organisation who did not issue it (four eyes). Which memberships
count for visibility meanwhile is ``accounts.selectors.acting_membership_filter``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from access.memberships import admin_organisation_ids, roles_held_in
from accounts.models import ApiClient, ApiClientDecisionKind, ApiScope, OrganisationKind, Role, User
from accounts.selectors import memberships


def api_client_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose API clients the user manages: their org admins (who see no case content)."""
    return admin_organisation_ids(user)


# Every role but org admin reads or writes case records, so every one needs a holder's approval.
API_CLIENT_CASE_ROLES = frozenset(role.value for role in Role if role != Role.ORG_ADMIN)


def api_client_roles(client: ApiClient) -> set[str]:
    """The case roles the client's system user holds (prefetch ``user__memberships`` for lists)."""
    return {m.role for m in client.user.memberships.all()} & API_CLIENT_CASE_ROLES


def api_client_care_writer(client: ApiClient) -> bool:
    """A council's client given ``care:write``: it records its council's periods of care without holding a
    casework role (access.episodes.care_client_authority_ids), so it reads no RHI."""
    return client.organisation.kind == OrganisationKind.LOCAL_AUTHORITY and client.has_scope(
        ApiScope.CARE_WRITE
    )


def api_client_approval_roles(client: ApiClient) -> set[str]:
    """Whose approval the client needs: a holder of each case role it acts as, and, for a council's care
    writer, a team manager of the council too (someone who may record its care on the web): nobody gives what
    they lack, and the partner viewer its system user is cannot record care. The decision gives no membership."""
    roles = api_client_roles(client)
    if api_client_care_writer(client):
        roles.add(Role.TEAM_MANAGER.value)
    return roles


def api_client_awaiting_roles(client: ApiClient) -> set[str]:
    """Approvals the client still needs (``api_client_approval_roles``; prefetch ``decisions`` for lists)."""
    decided = {d.role for d in client.decisions.all()}
    return api_client_approval_roles(client) - decided


def api_client_refused(client: ApiClient) -> bool:
    return any(d.decision == ApiClientDecisionKind.REFUSED for d in client.decisions.all())


def api_client_may_act(client: ApiClient) -> bool:
    """The rule: a client's token works only while it is not revoked and every case role it acts as was
    approved (never refused) by a person holding that role in its organisation who did not issue it
    (``api_client_roles_user_may_approve`` decides who may). Asked on every call (accounts.api_auth), by the
    issuing and approval pages and the admin."""
    return (
        client.revoked_at is None and not api_client_refused(client) and not api_client_awaiting_roles(client)
    )


def api_client_roles_user_may_approve(user: User | AnonymousUser, client: ApiClient) -> set[str]:
    """The roles of ``client`` this person may approve or refuse now: a person (never a system user), active,
    holding that role in the client's organisation, who did not issue it; the client not revoked or refused,
    and the role not yet decided."""
    if not isinstance(user, User) or not user.is_active or hasattr(user, "api_client"):
        return set()
    if client.created_by_id == user.pk or client.revoked_at is not None or api_client_refused(client):
        return set()
    return api_client_awaiting_roles(client) & roles_held_in(user, client.organisation_id)


def api_client_approver_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations in which the user holds a case role, and so may be asked to approve a client."""
    if isinstance(user, User) and hasattr(user, "api_client"):
        return set()
    return {m.organisation_id for m in memberships(user) if m.role in API_CLIENT_CASE_ROLES}


def approvable_api_clients(user: User | AnonymousUser) -> list[ApiClient]:
    """Clients waiting for a decision this person may make (the approval list and the decision page)."""
    organisations = api_client_approver_organisation_ids(user)
    if not organisations:
        return []
    candidates = (
        ApiClient.objects.filter(organisation_id__in=organisations, revoked_at__isnull=True)
        .exclude(created_by_id=user.pk)
        .select_related("organisation", "created_by", "user")
        .prefetch_related("user__memberships", "decisions")
        .order_by("created_at", "pk")
    )
    return [client for client in candidates if api_client_roles_user_may_approve(user, client)]
