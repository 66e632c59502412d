"""Who may change a local authority's clock policies (docs/clock.md)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.selectors import memberships


def policy_authorities(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose clock policies the user may change: org admins of that LA."""
    admin_of = {m.organisation_id for m in memberships(user) if m.role == Role.ORG_ADMIN}
    if not admin_of:
        return set()
    return set(
        Organisation.objects.filter(pk__in=admin_of, kind=OrganisationKind.LOCAL_AUTHORITY).values_list(
            "pk", flat=True
        )
    )


def can_manage_policies(user: User | AnonymousUser, local_authority_id: int) -> bool:
    return local_authority_id in policy_authorities(user)
