"""Who may see and do what: the one place visibility and case actions are decided.

Relations decide the common cases and are expressed as query filters, so a list, a count, an export and a
single-record page all ask the same question (docs/decisions/0003). Records outside a user's filter answer 404.

So far this covers RHI case work by provider staff (the deadline dashboard and queues); police, placing
authorities, performance leads and explicit shares arrive with the sharing issue and extend these functions.
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import Membership, Organisation, OrganisationKind, Role, User
from rhi.models import ReturnHomeInterview


class Level(enum.StrEnum):
    FULL = "full"
    INTELLIGENCE_SUMMARY = "intelligence_summary"
    NOTIFICATION = "notification"
    NONE = "none"


CASEWORK_ROLES = (Role.RHI_WORKER, Role.TEAM_MANAGER)


def _memberships(user: User | AnonymousUser) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[Membership] | None = getattr(user, "_rhi_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user))
        user._rhi_memberships = cached  # type: ignore[attr-defined]
    return cached


def casework_rhi_filter(user: User | AnonymousUser) -> Q:
    """RHIs the user works on in full: a provider's managers see all of their organisation's RHIs; its
    workers see their team's RHIs and any allocated to them. Matches nothing for everyone else."""
    condition = Q(pk__in=[])
    for membership in _memberships(user):
        if membership.role == Role.TEAM_MANAGER:
            condition |= Q(provider_id=membership.organisation_id)
        elif membership.role == Role.RHI_WORKER:
            mine = Q(provider_id=membership.organisation_id, allocated_worker_id=user.pk)
            if membership.team_id:
                condition |= mine | Q(provider_id=membership.organisation_id, team_id=membership.team_id)
            else:
                condition |= Q(provider_id=membership.organisation_id)
    return condition


def visible_rhis(user: User | AnonymousUser) -> QuerySet[ReturnHomeInterview]:
    return ReturnHomeInterview.objects.filter(casework_rhi_filter(user))


def managed_organisation_ids(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in _memberships(user) if m.role == Role.TEAM_MANAGER}


def can_allocate(user: User | AnonymousUser, rhi: ReturnHomeInterview, worker: User) -> bool:
    """A team manager of the RHI's provider may allocate to any of its RHI workers; a worker may take an
    unallocated RHI themselves where their organisation allows self-allocation."""
    if not user.is_authenticated:
        return False
    worker_is_eligible = Membership.objects.filter(
        user=worker, organisation_id=rhi.provider_id, role=Role.RHI_WORKER, user__is_active=True
    ).exists()
    if not worker_is_eligible:
        return False
    if rhi.provider_id in managed_organisation_ids(user):
        return True
    return (
        worker.pk == user.pk
        and rhi.allocated_worker_id is None
        and rhi.provider.allow_self_allocation
        and visible_rhis(user).filter(pk=rhi.pk).exists()
    )


def can_work_on(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """Record contact, offers, outcomes and the interview: the allocated worker, or a manager of the provider."""
    if not user.is_authenticated:
        return False
    return rhi.allocated_worker_id == user.pk or rhi.provider_id in managed_organisation_ids(user)


def is_casework_user(user: User | AnonymousUser) -> bool:
    return any(m.role in CASEWORK_ROLES for m in _memberships(user))


def policy_authorities(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose clock policies the user may change: org admins of that LA."""
    admin_of = {m.organisation_id for m in _memberships(user) if m.role == Role.ORG_ADMIN}
    if not admin_of:
        return set()
    return set(
        Organisation.objects.filter(pk__in=admin_of, kind=OrganisationKind.LOCAL_AUTHORITY).values_list(
            "pk", flat=True
        )
    )


def can_manage_policies(user: User | AnonymousUser, local_authority_id: int) -> bool:
    return local_authority_id in policy_authorities(user)


def casework_organisation_ids(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in _memberships(user) if m.role in CASEWORK_ROLES}
