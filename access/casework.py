"""RHI case work by provider staff: which RHIs they see in full and what they may do on them.

Relations are query filters, so a list, a count, an export and a single-record page all ask the same question
(docs/decisions/0003); records outside a user's filter answer 404.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from access.memberships import managed_organisation_ids
from accounts.models import Membership, Organisation, Role, User
from accounts.selectors import memberships
from referrals.models import Referral
from rhi.models import ReturnHomeInterview


def casework_rhi_filter(user: User | AnonymousUser, prefix: str = "") -> Q:
    """RHIs the user works on in full: a provider's managers see all of their organisation's RHIs; its
    workers see their team's RHIs, any allocated to them and the provider's unallocated intake queue.
    Matches nothing for everyone else. With ``prefix`` (e.g. "rhi__" from a referral) it is a condition on
    the joined RHI row, so a list of related records is checked row by row through its own index instead of
    first collecting every RHI of the provider (docs/benchmarks.md, "Pages within budget")."""

    def on(**lookups: object) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    condition = Q(pk__in=[])
    for membership in memberships(user):
        provider = membership.organisation_id
        if membership.role == Role.TEAM_MANAGER:
            condition |= on(provider_id=provider)
        elif membership.role == Role.RHI_WORKER:
            mine = on(provider_id=provider, allocated_worker_id=user.pk)
            # The provider's intake queue (no team yet, nobody allocated) is every worker's to see, so an
            # RHI opened on a return reaches someone whichever team ends up taking it.
            intake = on(provider_id=provider, team_id__isnull=True, allocated_worker_id__isnull=True)
            if membership.team_id:
                condition |= mine | intake | on(provider_id=provider, team_id=membership.team_id)
            else:
                condition |= on(provider_id=provider)
    return condition


def visible_rhis(user: User | AnonymousUser) -> QuerySet[ReturnHomeInterview]:
    return ReturnHomeInterview.objects.filter(casework_rhi_filter(user))


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


def takes_rhis_themselves(user: User | AnonymousUser) -> bool:
    """Whether the user is an RHI worker of a provider that lets its workers take unallocated RHIs (the rule
    ``can_allocate`` applies to each RHI): the worker's home says so, or that a team manager allocates."""
    worker_of = [m.organisation_id for m in memberships(user) if m.role == Role.RHI_WORKER]
    return Organisation.objects.filter(pk__in=worker_of, allow_self_allocation=True).exists()


def can_work_on(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """Record contact, offers, outcomes and the interview: the allocated worker, or a manager of the provider."""
    if not user.is_authenticated:
        return False
    return rhi.allocated_worker_id == user.pk or rhi.provider_id in managed_organisation_ids(user)


def works_on_rhi_filter(user: User | AnonymousUser, prefix: str = "") -> Q:
    """``can_work_on`` as a query filter (``prefix`` e.g. "rhi__" from a related model): the allocated worker,
    or a manager of the RHI's provider."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}allocated_worker_id": user.pk}) | Q(
        **{f"{prefix}provider_id__in": managed_organisation_ids(user)}
    )


def visible_referrals(user: User | AnonymousUser) -> QuerySet[Referral]:
    """Follow-up referrals of the RHIs the user may see; any other referral answers 404. The condition is on
    the joined RHI (not ``rhi IN (visible RHIs)``), so PostgreSQL does not hash every RHI of the provider."""
    return Referral.objects.filter(casework_rhi_filter(user, prefix="rhi__"))
