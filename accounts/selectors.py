"""Reads about users: their roles and organisation. Everything that asks 'what is this user?' calls these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    ApiClient,
    ApiClientDecision,
    ApiClientDecisionKind,
    Membership,
    Organisation,
    Role,
    Team,
    User,
)
from accounts.tokens import invitation_claim, invitation_matches

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


# --- An organisation admin's pages (access.org_admin decides whom; these read them) ----------------------

PEOPLE_PAGE_SIZE = 50


def people_page(people: QuerySet[User], *, after: int | None) -> tuple[list[User], int | None]:
    """One page of ``people`` in name order, after the person with id ``after`` (keyset: a cursor id, never a
    name, in the URL). Returns the page and the cursor of the next page, if any."""
    ordered = people.order_by("last_name", "first_name", "pk")
    if after is not None:
        cursor = people.filter(pk=after).values("last_name", "first_name", "pk").first()
        if cursor is not None:
            ordered = ordered.filter(
                Q(last_name__gt=cursor["last_name"])
                | Q(last_name=cursor["last_name"], first_name__gt=cursor["first_name"])
                | Q(last_name=cursor["last_name"], first_name=cursor["first_name"], pk__gt=cursor["pk"])
            )
    rows = list(
        ordered.prefetch_related("memberships__team").select_related("organisation")[: PEOPLE_PAGE_SIZE + 1]
    )
    more = len(rows) > PEOPLE_PAGE_SIZE
    rows = rows[:PEOPLE_PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


def locked_out_usernames(usernames: Iterable[str], *, now: datetime) -> set[str]:
    """Which of these usernames are locked out of signing in from some address now (django-axes' records)."""
    since = now - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def users_with_two_factor(user_ids: Iterable[int]) -> set[int]:
    return set(
        TOTPDevice.objects.filter(user_id__in=list(user_ids), confirmed=True).values_list(
            "user_id", flat=True
        )
    )


def teams_of(organisation_id: int) -> QuerySet[Team]:
    return Team.objects.filter(organisation_id=organisation_id).order_by("name")


def invited_user(token: str) -> User | None:
    """The invitee an invitation link (accounts.tokens) is for, while it still works; else None."""
    claim = invitation_claim(token)
    if claim is None:
        return None
    user = User.objects.filter(pk=claim[0]).select_related("organisation").first()
    if user is None or not invitation_matches(user, claim[1]):
        return None
    return user


def is_invited(user: User) -> bool:
    """Invited and not yet joined: no password chosen and never signed in."""
    return user.last_login is None and not user.has_usable_password()
