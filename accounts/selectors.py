"""Reads about users: their roles and organisation. Everything that asks 'what is this user?' calls these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import (
    ApiClient,
    ApiClientDecision,
    ApiClientDecisionKind,
    Membership,
    Organisation,
    Role,
    User,
)

# The order a person with several roles sees their home page sections in.
ROLE_ORDER: tuple[str, ...] = (
    Role.TEAM_MANAGER,
    Role.RHI_WORKER,
    Role.PERFORMANCE_LEAD,
    Role.POLICE,
    Role.PARTNER_VIEWER,
    Role.ORG_ADMIN,
)


def user_roles(user: User | AnonymousUser) -> list[str]:
    """The user's roles, most operational first, from the one per-request ``memberships`` cache (so an API
    client's unapproved role is not a role here either)."""
    held = {m.role for m in memberships(user)}
    return [role for role in ROLE_ORDER if role in held]


def acting_membership_filter() -> Q:
    """Memberships (a filter on Membership) that count for visibility: every person's, and an API client's
    system user's only for a role approved by a holder while no role of the client was refused. Below the
    token check on purpose: a role added to a system user some other way (the admin, a script) gives nothing."""
    decisions = ApiClientDecision.objects.filter(client__user_id=OuterRef("user_id"))
    return Q(user__api_client__isnull=True) | (
        Q(Exists(decisions.filter(role=OuterRef("role"), decision=ApiClientDecisionKind.APPROVED)))
        & ~Q(Exists(decisions.filter(decision=ApiClientDecisionKind.REFUSED)))
    )


def memberships(user: User | AnonymousUser) -> list[Membership]:
    """The memberships that count for this user (``acting_membership_filter``), cached on the user object for the
    request: every access rule (the ``access`` package), the navigation and the home page read this one list."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[Membership] | None = getattr(user, "_rhi_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(acting_membership_filter(), user=user))
        user._rhi_memberships = cached  # type: ignore[attr-defined]
    return cached


def user_has_role(user: User | AnonymousUser, role: str) -> bool:
    return role in user_roles(user)


def people_memberships() -> QuerySet[Membership]:
    """Memberships of active people: never the system users that partner API clients act as, so nobody
    allocates work to, alerts or emails a machine."""
    return Membership.objects.filter(user__is_active=True, user__api_client__isnull=True)


def organisation_by_code(*, kind: str, code: str) -> Organisation | None:
    """The organisation of this kind with this code (a DfE LA code, an ONS police force area code), ignoring
    case and surrounding spaces: the API, the CSV imports and the returns API all name organisations by code,
    and all ask here."""
    return Organisation.objects.filter(kind=kind, code__iexact=code.strip()).first()


def organisations_by_name(ids: Iterable[int]) -> QuerySet[Organisation]:
    """The organisations with these ids in name order: the choices of a form or a page's list of the
    organisations someone acts for (the ids come from the policy)."""
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def api_clients_of(organisation_ids: Iterable[int]) -> list[ApiClient]:
    """The API clients of these organisations (the ids an organisation admin may manage), with what their
    page shows: organisation, issuer, system user's roles and approval decisions."""
    return list(
        ApiClient.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "created_by", "user")
        .prefetch_related("user__memberships", "decisions__decided_by")
        .order_by("organisation__name", "revoked_at", "name")
    )


def api_client_of(pk: int, organisation_ids: Iterable[int]) -> ApiClient | None:
    """One API client, only if it belongs to one of these organisations (else None: the page answers 404)."""
    return (
        ApiClient.objects.filter(pk=pk, organisation_id__in=organisation_ids)
        .select_related("organisation")
        .first()
    )
