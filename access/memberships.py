"""The organisations a user acts for, by role: the sets every other access rule starts from.

All of them read ``accounts.selectors.memberships`` (one per-request cache of the memberships that count, so an
API client's unapproved role gives nothing). Navigation and home ask these too, never raw roles.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Commission, Organisation, OrganisationKind, Role, User
from accounts.selectors import memberships

CASEWORK_ROLES = (Role.RHI_WORKER, Role.TEAM_MANAGER)


# Roles through which a member of an organisation sees what was disclosed to it. Performance leads (figures,
# never narrative) and org admins (users, never case content) are left out on purpose.
RECIPIENT_ROLES = (Role.POLICE, Role.PARTNER_VIEWER, Role.RHI_WORKER, Role.TEAM_MANAGER)


PLACEMENT_ROLES = (Role.RHI_WORKER, Role.TEAM_MANAGER, Role.PARTNER_VIEWER, Role.PERFORMANCE_LEAD)


def is_casework_user(user: User | AnonymousUser) -> bool:
    return any(m.role in CASEWORK_ROLES for m in memberships(user))


def managed_organisation_ids(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in memberships(user) if m.role == Role.TEAM_MANAGER}


def casework_organisation_ids(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in memberships(user) if m.role in CASEWORK_ROLES}


def admin_organisation_ids(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in memberships(user) if m.role == Role.ORG_ADMIN}


def roles_held_in(user: User | AnonymousUser, organisation_id: int) -> set[str]:
    """The roles the user holds (and that count) in one organisation: what they may give or approve there
    (access.api_clients, access.org_admin: nobody gives a role they lack)."""
    return {m.role for m in memberships(user) if m.organisation_id == organisation_id}


def authorities_served_by(organisation_ids: set[int]) -> set[int]:
    """The LAs among ``organisation_ids`` and the LAs currently commissioning any of them."""
    if not organisation_ids:
        return set()
    today = timezone.localdate()
    own = set(
        Organisation.objects.filter(
            pk__in=organisation_ids, kind=OrganisationKind.LOCAL_AUTHORITY
        ).values_list("pk", flat=True)
    )
    commissioning = set(
        Commission.objects.filter(provider_id__in=organisation_ids, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("local_authority_id", flat=True)
    )
    return own | commissioning


def intake_authority_ids(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose police notifications the user may record (and whose children they see): RHI
    workers and team managers of a provider for the LAs currently commissioning it, and of an LA's in-house
    team for that LA (and any LA commissioning it). Kept on the user object for the request and the day, as
    ``memberships`` is: a child's page asks four times."""
    today = timezone.localdate()
    cached: tuple[date, frozenset[int]] | None = getattr(user, "_rhi_intake_authorities", None)
    if cached is None or cached[0] != today:
        found = authorities_served_by(
            {m.organisation_id for m in memberships(user) if m.role in CASEWORK_ROLES}
        )
        cached = (today, frozenset(found))
        if user.is_authenticated:
            user._rhi_intake_authorities = cached  # type: ignore[attr-defined]
    return set(cached[1])


def placement_authority_ids(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose placement notifications the user sees and records: workers and team managers of
    the LA's in-house team, its partner viewers and its performance leads."""
    orgs = {m.organisation_id for m in memberships(user) if m.role in PLACEMENT_ROLES}
    if not orgs:
        return set()
    return set(
        Organisation.objects.filter(pk__in=orgs, kind=OrganisationKind.LOCAL_AUTHORITY).values_list(
            "pk", flat=True
        )
    )


def recipient_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose received disclosures the user may open."""
    return {m.organisation_id for m in memberships(user) if m.role in RECIPIENT_ROLES}


def police_force_ids(user: User | AnonymousUser) -> set[int]:
    """The forces the user is a missing-person coordinator for."""
    return {m.organisation_id for m in memberships(user) if m.role == Role.POLICE}


def is_disclosure_recipient(user: User | AnonymousUser) -> bool:
    return bool(recipient_organisation_ids(user))
