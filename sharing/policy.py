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
from django.utils import timezone

from accounts.models import Commission, Membership, Organisation, OrganisationKind, Role, User
from missing_episodes.models import Child, MissingEpisode
from referrals.models import Referral
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
    workers see their team's RHIs, any allocated to them and the provider's unallocated intake queue.
    Matches nothing for everyone else."""
    condition = Q(pk__in=[])
    for membership in _memberships(user):
        if membership.role == Role.TEAM_MANAGER:
            condition |= Q(provider_id=membership.organisation_id)
        elif membership.role == Role.RHI_WORKER:
            mine = Q(provider_id=membership.organisation_id, allocated_worker_id=user.pk)
            # The provider's intake queue (no team yet, nobody allocated) is every worker's to see, so an
            # RHI opened on a return reaches someone whichever team ends up taking it.
            intake = Q(
                provider_id=membership.organisation_id, team_id__isnull=True, allocated_worker_id__isnull=True
            )
            if membership.team_id:
                condition |= (
                    mine | intake | Q(provider_id=membership.organisation_id, team_id=membership.team_id)
                )
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


def intake_authority_ids(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose police notifications the user may record (and whose children they see): RHI
    workers and team managers of a provider for the LAs currently commissioning it, and of an LA's in-house
    team for that LA (and any LA commissioning it)."""
    casework_orgs = {m.organisation_id for m in _memberships(user) if m.role in CASEWORK_ROLES}
    if not casework_orgs:
        return set()
    today = timezone.localdate()
    own = set(
        Organisation.objects.filter(pk__in=casework_orgs, kind=OrganisationKind.LOCAL_AUTHORITY).values_list(
            "pk", flat=True
        )
    )
    commissioning = set(
        Commission.objects.filter(provider_id__in=casework_orgs, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("local_authority_id", flat=True)
    )
    return own | commissioning


def visible_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children a casework user may see in full: those of the LAs they record notifications for, and those
    of the RHIs they work on. Matches nothing for everyone else."""
    authorities = intake_authority_ids(user)
    condition = Q(responsible_la_id__in=authorities) if authorities else Q(pk__in=[])
    if is_casework_user(user):
        condition |= Q(pk__in=visible_rhis(user).values("child_id"))
    return Child.objects.filter(condition)


def visible_episodes(user: User | AnonymousUser) -> QuerySet[MissingEpisode]:
    """Episodes of the children the user may see."""
    return MissingEpisode.objects.filter(child__in=visible_children(user))


def works_on_rhi_filter(user: User | AnonymousUser, prefix: str = "") -> Q:
    """``can_work_on`` as a query filter (``prefix`` e.g. "rhi__" from a related model): the allocated worker,
    or a manager of the RHI's provider."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}allocated_worker_id": user.pk}) | Q(
        **{f"{prefix}provider_id__in": managed_organisation_ids(user)}
    )


def visible_referrals(user: User | AnonymousUser) -> QuerySet[Referral]:
    """Follow-up referrals of the RHIs the user may see; any other referral answers 404."""
    return Referral.objects.filter(rhi__in=visible_rhis(user))


class RHIAction(enum.StrEnum):
    """Steps a user can take on an RHI page (the 'What to do next' panel and the journey pages' checks)."""

    TAKE = "take"
    CONTACT = "contact"
    OFFER = "offer"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    UNABLE_TO_CONTACT = "unable_to_contact"
    NOT_OFFERED = "not_offered"
    RECORD_INTERVIEW = "record_interview"
    EDIT_INTERVIEW = "edit_interview"
    FINDINGS = "findings"
    CONSENT = "consent"
    SUBMIT = "submit"
    REVIEW = "review"


OUTCOME_ACTIONS = (RHIAction.ACCEPTED, RHIAction.DECLINED, RHIAction.UNABLE_TO_CONTACT, RHIAction.NOT_OFFERED)


def available_actions(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> list[RHIAction]:
    """What this user may do next on this RHI in its current state (docs/rhi-states.md). Approval freezes
    the report; while submitted only a manager of the provider may act (approve or return)."""
    from rhi.models import RHIState

    if not user.is_authenticated:
        return []
    state = rhi.state
    actions: list[RHIAction] = []
    if state == RHIState.UNALLOCATED and isinstance(user, User) and can_allocate(user, rhi, user):
        actions.append(RHIAction.TAKE)
    if can_work_on(user, rhi):
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING, RHIState.OFFERED, RHIState.ACCEPTED):
            actions.append(RHIAction.CONTACT)
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING):
            actions.append(RHIAction.OFFER)
        if state == RHIState.OFFERED:
            actions.append(RHIAction.ACCEPTED)
        if state in (RHIState.OFFERED, RHIState.ACCEPTED):
            actions += [RHIAction.DECLINED, RHIAction.RECORD_INTERVIEW]
        if state == RHIState.CONTACTING:
            actions.append(RHIAction.UNABLE_TO_CONTACT)
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING):
            actions.append(RHIAction.NOT_OFFERED)
        if state in (RHIState.DRAFTING, RHIState.RETURNED):
            actions += [RHIAction.EDIT_INTERVIEW, RHIAction.FINDINGS, RHIAction.CONSENT, RHIAction.SUBMIT]
    if state == RHIState.SUBMITTED and rhi.provider_id in managed_organisation_ids(user):
        actions.append(RHIAction.REVIEW)
    return actions
