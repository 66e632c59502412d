"""What an organisation administrator may do to its organisation's people and settings (issue 14 item 6).

The rule of issue 11 ("a credential never carries more than its issuer may see", access.api_clients) applied to
people: nobody gives a role they lack. An org admin may give the org admin role, and a case role only when they
hold it in the same organisation themselves; anyone else needs that role given by a holder. Admins manage only
the people whose home organisation they administer, never support staff nor the system users API clients act as
(those have their own pages), and never themselves where it would lock them out.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from access.memberships import admin_organisation_ids, roles_held_in
from accounts.models import Organisation, OrganisationKind, Role, User


def user_admin_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose users, teams and roles the user manages: their org admins."""
    return admin_organisation_ids(user)


def manageable_users(user: User | AnonymousUser) -> QuerySet[User]:
    """The people an org admin manages: those whose home organisation they administer; never support staff
    or API clients' system users. Anyone outside this set answers 404."""
    organisations = user_admin_organisation_ids(user)
    if not organisations:
        return User.objects.none()
    return User.objects.filter(
        organisation_id__in=organisations, is_staff=False, is_superuser=False, api_client__isnull=True
    )


def can_manage_user(admin: User | AnonymousUser, target: User) -> bool:
    return manageable_users(admin).filter(pk=target.pk).exists()


def roles_user_may_give(user: User | AnonymousUser, organisation_id: int) -> set[str]:
    """The roles ``user`` may give in this organisation: none unless they administer it; then the roles they
    hold there themselves (org admin included). The one rule the forms, the services and the tests ask."""
    if organisation_id not in user_admin_organisation_ids(user):
        return set()
    return roles_held_in(user, organisation_id)


def may_give_role(user: User | AnonymousUser, organisation_id: int, role: str) -> bool:
    return role in roles_user_may_give(user, organisation_id) and role in Role.values


def self_allocation_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose self-allocation setting the user may change: admins of a provider, or of a council
    with an in-house team (its workers allocate as a provider's do)."""
    organisations = user_admin_organisation_ids(user)
    if not organisations:
        return set()
    return set(
        Organisation.objects.filter(
            pk__in=organisations,
            kind__in=[OrganisationKind.RHI_PROVIDER, OrganisationKind.LOCAL_AUTHORITY],
        ).values_list("pk", flat=True)
    )
