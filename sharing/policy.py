"""Who may see and do what: the one place visibility and case actions are decided.

Relations decide the common cases and are expressed as query filters, so a list, a count, an export and a
single-record page all ask the same question (docs/decisions/0003). Records outside a user's filter answer 404.

RHI case work by provider staff (the deadline dashboard and queues) sees in full; everyone else sees an RHI
at the level of what was disclosed to their organisation (``rhi_level``, docs/sharing.md) or through an
explicit one-off grant.
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import (
    ApiClient,
    ApiClientDecision,
    ApiClientDecisionKind,
    Commission,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from missing_episodes.models import Child, MissingEpisode, PendingEpisodeLink, PendingLinkStatus, Placement
from referrals.models import Referral
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure, DisclosureLevel, DisclosureStatus, RHIUserObjectPermission


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
        cached = list(Membership.objects.filter(acting_membership_filter(), user=user))
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
    return _authorities_served_by({m.organisation_id for m in _memberships(user) if m.role in CASEWORK_ROLES})


def _authorities_served_by(organisation_ids: set[int]) -> set[int]:
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


def visible_children_filter(user: User | AnonymousUser, prefix: str = "") -> Q:
    """``visible_children`` as a query filter. With ``prefix`` (e.g. "child__" from an episode) the RHI part is a
    correlated EXISTS, so a keyset-paged list checks each row it walks through an index instead of first
    collecting every child of every RHI the user works on (docs/api.md, benchmark --only api)."""
    authorities = intake_authority_ids(user)
    condition = Q(**{f"{prefix}responsible_la_id__in": authorities}) if authorities else Q(pk__in=[])
    if is_casework_user(user):
        if prefix:
            condition |= Q(Exists(visible_rhis(user).filter(child_id=OuterRef(f"{prefix}pk"))))
        else:
            condition |= Q(pk__in=visible_rhis(user).values("child_id"))
    return condition


def visible_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children a casework user may see in full: those of the LAs they record notifications for, and those
    of the RHIs they work on. Matches nothing for everyone else."""
    return Child.objects.filter(visible_children_filter(user))


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


# ---------------------------------------------------------------------------------------------------------
# Out-of-area placements and the audit trail
# ---------------------------------------------------------------------------------------------------------

PLACEMENT_ROLES = (Role.RHI_WORKER, Role.TEAM_MANAGER, Role.PARTNER_VIEWER, Role.PERFORMANCE_LEAD)


def placement_authority_ids(user: User | AnonymousUser) -> set[int]:
    """Local authorities whose placement notifications the user sees and records: workers and team managers of
    the LA's in-house team, its partner viewers and its performance leads."""
    orgs = {m.organisation_id for m in _memberships(user) if m.role in PLACEMENT_ROLES}
    if not orgs:
        return set()
    return set(
        Organisation.objects.filter(pk__in=orgs, kind=OrganisationKind.LOCAL_AUTHORITY).values_list(
            "pk", flat=True
        )
    )


def placement_visibility_filter(user: User | AnonymousUser) -> Q:
    """Placements (as a filter on Placement) of children the user's LA is responsible for, or hosted in it."""
    authorities = placement_authority_ids(user)
    if not authorities:
        return Q(pk__in=[])
    return Q(child__responsible_la_id__in=authorities) | Q(host_la_id__in=authorities)


def _admin_of(user: User | AnonymousUser) -> set[int]:
    return {m.organisation_id for m in _memberships(user) if m.role == Role.ORG_ADMIN}


def audit_trail_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children whose 'who has seen this record' page the user may open: team managers who can see the child,
    and org admins of the child's responsible LA (who see the trail, not the case)."""
    condition = Q(pk__in=[])
    if managed_organisation_ids(user):
        condition |= Q(pk__in=visible_children(user).values("pk"))
    admin_of = _admin_of(user)
    if admin_of:
        condition |= Q(responsible_la_id__in=admin_of)
    return Child.objects.filter(condition)


def audit_trail_rhis(user: User | AnonymousUser) -> QuerySet[ReturnHomeInterview]:
    """RHIs whose 'who has seen this record' page the user may open: team managers of a provider that can see
    the RHI, and org admins of its provider or of the child's responsible LA."""
    condition = Q(pk__in=[])
    managed = managed_organisation_ids(user)
    if managed:
        condition |= Q(pk__in=visible_rhis(user).filter(provider_id__in=managed).values("pk"))
    admin_of = _admin_of(user)
    if admin_of:
        condition |= Q(provider_id__in=admin_of) | Q(child__responsible_la_id__in=admin_of)
    return ReturnHomeInterview.objects.filter(condition)


# ---------------------------------------------------------------------------------------------------------
# Levels and disclosures (sharing issue): what an RHI's recipients outside the provider may see, and how much.
# ---------------------------------------------------------------------------------------------------------

# Roles through which a member of an organisation sees what was disclosed to it. Performance leads (figures,
# never narrative) and org admins (users, never case content) are left out on purpose.
RECIPIENT_ROLES = (Role.POLICE, Role.PARTNER_VIEWER, Role.RHI_WORKER, Role.TEAM_MANAGER)
_LEVEL_RANK = {Level.NONE: 0, Level.NOTIFICATION: 1, Level.INTELLIGENCE_SUMMARY: 2, Level.FULL: 3}


def level_at_least(level: Level, wanted: Level) -> bool:
    return _LEVEL_RANK[level] >= _LEVEL_RANK[wanted]


def recipient_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose received disclosures the user may open."""
    return {m.organisation_id for m in _memberships(user) if m.role in RECIPIENT_ROLES}


def police_force_ids(user: User | AnonymousUser) -> set[int]:
    """The forces the user is a missing-person coordinator for."""
    return {m.organisation_id for m in _memberships(user) if m.role == Role.POLICE}


def is_disclosure_recipient(user: User | AnonymousUser) -> bool:
    return bool(recipient_organisation_ids(user))


def disclosure_level(level: str) -> Level:
    """A disclosure's level (sharing.models.DisclosureLevel) as a visibility level."""
    return {
        "notification": Level.NOTIFICATION,
        "intelligence_summary": Level.INTELLIGENCE_SUMMARY,
        "full_report": Level.FULL,
    }.get(level, Level.NONE)


def _active_disclosures() -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(revoked_at__isnull=True, status=DisclosureStatus.ACTIVE)


def received_disclosure_filter(user: User | AnonymousUser) -> Q:
    """Active disclosures the user sees as a recipient: to their organisation, at a level their role takes
    (an intelligence summary only through a police role in the force it went to)."""
    organisations = recipient_organisation_ids(user)
    if not organisations:
        return Q(pk__in=[])
    # Awaiting a manager's approval (or refused) is not shared: the recipient sees nothing of it.
    return Q(revoked_at__isnull=True, status=DisclosureStatus.ACTIVE) & (
        Q(
            recipient_organisation_id__in=organisations,
            level__in=[DisclosureLevel.NOTIFICATION, DisclosureLevel.FULL_REPORT],
        )
        | Q(recipient_organisation_id__in=police_force_ids(user), level=DisclosureLevel.INTELLIGENCE_SUMMARY)
    )


def visible_disclosures(user: User | AnonymousUser) -> QuerySet[Disclosure]:
    """Disclosures the user may open: those received by their organisation (not revoked), and, for casework
    users, those made from the RHIs they work on (revoked ones too: the sharer keeps the record)."""
    condition = received_disclosure_filter(user)
    if is_casework_user(user):
        condition |= Q(rhi__in=visible_rhis(user))
    return Disclosure.objects.filter(condition)


def received_disclosures(user: User | AnonymousUser) -> QuerySet[Disclosure]:
    """Only what was shared with the user's organisation ("Shared with your organisation")."""
    return Disclosure.objects.filter(received_disclosure_filter(user))


def has_explicit_rhi_grant(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """A one-off django-guardian grant, read from the direct-foreign-key table (never the generic one)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return RHIUserObjectPermission.objects.filter(
        user_id=user.pk, content_object_id=rhi.pk, permission__codename="view_returnhomeinterview"
    ).exists()


def rhi_level(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> Level:
    """How much of this RHI the user may see. FULL: casework, an explicit grant or a full report shared with
    their organisation; INTELLIGENCE_SUMMARY: a police user whose force was sent one; NOTIFICATION: a
    notification sent to their organisation; NONE otherwise (performance leads and org admins included)."""
    if not user.is_authenticated or not user.is_active:
        return Level.NONE
    if visible_rhis(user).filter(pk=rhi.pk).exists() or has_explicit_rhi_grant(user, rhi):
        return Level.FULL
    received = set(
        _active_disclosures()
        .filter(received_disclosure_filter(user), rhi_id=rhi.pk)
        .values_list("level", flat=True)
        .distinct()
    )
    best = Level.NONE
    for level in received:
        candidate = disclosure_level(level)
        if _LEVEL_RANK[candidate] > _LEVEL_RANK[best]:
            best = candidate
    return best


def police_episode_filter(user: User | AnonymousUser) -> Q:
    """Episodes reported to a force the user is a missing-person coordinator for."""
    forces = police_force_ids(user)
    return Q(police_force_id__in=forces) if forces else Q(pk__in=[])


def can_share(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """Share an approved RHI: the allocated worker or a manager of the provider (``can_work_on``)."""
    from rhi.models import RHIState

    return rhi.state == RHIState.APPROVED and can_work_on(user, rhi)


def related_recipient_ids(
    *, rhi: ReturnHomeInterview | None, episode: MissingEpisode | None, level: str
) -> set[int]:
    """Organisations this may be shared with at ``level`` without a manager's approval: the one rule for the
    share form, the service and the approval queue (docs/sharing.md). A full report goes to the child's
    responsible (placing) authority, the LA handling the RHI, or a host authority (of the current placement or
    of an episode); a notification or intelligence summary also to the police forces the episodes were reported
    to or the current placement lies in. Anything else needs a manager's approval with a reason."""
    if rhi is not None:
        child_id = rhi.child_id
        episodes = MissingEpisode.objects.filter(rhi_link__rhi_id=rhi.pk)
        authorities = {rhi.local_authority_id}
    elif episode is not None:
        child_id = episode.child_id
        episodes = MissingEpisode.objects.filter(pk=episode.pk)
        authorities = set()
    else:
        return set()
    authorities |= set(Child.objects.filter(pk=child_id).values_list("responsible_la_id", flat=True))
    for responsible, host in episodes.values_list("responsible_la_id", "host_la_id"):
        authorities |= {responsible, host} - {None}
    current = Placement.objects.filter(child_id=child_id, end_date__isnull=True).values_list(
        "host_la_id", "police_force_area_id"
    )
    forces = {force for force in episodes.values_list("police_force_id", flat=True) if force}
    for host, force in current:
        authorities.add(host)
        if force:
            forces.add(force)
    if level == DisclosureLevel.FULL_REPORT:
        return authorities
    return authorities | forces


def can_decide_share(user: User | AnonymousUser, disclosure: Disclosure) -> bool:
    """Approve or refuse a share awaiting approval: a team manager of the RHI's provider (of an LA serving the
    episode's council, for an episode notification) who did not ask for it (four eyes)."""
    if not user.is_authenticated or disclosure.status != DisclosureStatus.AWAITING_APPROVAL:
        return False
    if disclosure.revoked_at is not None or disclosure.shared_by_id == user.pk:
        return False
    return Disclosure.objects.filter(share_approval_filter(user), pk=disclosure.pk).exists()


def share_approval_filter(user: User | AnonymousUser) -> Q:
    """Shares awaiting approval that this user may decide (as a filter on Disclosure): the managers' queue."""
    managed = managed_organisation_ids(user)
    if not managed:
        return Q(pk__in=[])
    return (
        Q(status=DisclosureStatus.AWAITING_APPROVAL, revoked_at__isnull=True)
        & ~Q(shared_by_id=user.pk)
        & (
            Q(rhi__provider_id__in=managed)
            | Q(rhi__isnull=True, episode__responsible_la_id__in=_authorities_served_by(managed))
        )
    )


def can_acknowledge(user: User | AnonymousUser, disclosure: Disclosure) -> bool:
    """A member of the receiving organisation who may open it, while it is active and unacknowledged."""
    return (
        disclosure.revoked_at is None
        and disclosure.acknowledged_at is None
        and received_disclosures(user).filter(pk=disclosure.pk).exists()
    )


def can_revoke(user: User | AnonymousUser, disclosure: Disclosure) -> bool:
    """The person who shared it, or a manager of the provider whose RHI it came from."""
    if not user.is_authenticated or disclosure.revoked_at is not None:
        return False
    if disclosure.shared_by_id is not None and disclosure.shared_by_id == user.pk:
        return True
    provider_id = disclosure.rhi.provider_id if disclosure.rhi is not None else None
    return provider_id is not None and provider_id in managed_organisation_ids(user)


def report_level_needed(kind: str) -> Level | None:
    """The level an RHI's PDF document needs (rhi.models.ReportKind): the full report only at FULL; the
    notification letter at any level a disclosure gives. None for an unknown kind."""
    return {"full_report": Level.FULL, "notification_letter": Level.NOTIFICATION}.get(kind)


def reporting_authority_ids(user: User | AnonymousUser) -> set[int]:
    """LAs whose statutory returns and performance figures the user may run: their performance leads."""
    return {m.organisation_id for m in _memberships(user) if m.role == Role.PERFORMANCE_LEAD}


def history_import_authority_ids(user: User | AnonymousUser) -> set[int]:
    """LAs whose past RHI outcomes the user may import (docs/import-rhi-outcomes.md): team managers for the LAs
    they record notifications for (as ``intake_authority_ids``) and performance leads for their LA. A row whose
    episode's responsible LA is not among them is refused."""
    managed = {m.organisation_id for m in _memberships(user) if m.role == Role.TEAM_MANAGER}
    return _authorities_served_by(managed) | reporting_authority_ids(user)


# ---------------------------------------------------------------------------------------------------------
# The REST API (docs/api.md): the same rules as the pages, as querysets a keyset-paged list can filter, and
# the one batched form of ``rhi_level`` a page of 100 RHIs needs (a constant number of queries).
# ---------------------------------------------------------------------------------------------------------


def readable_rhis(user: User | AnonymousUser) -> QuerySet[ReturnHomeInterview]:
    """RHIs the user may open at any level above NONE (``rhi_level``): casework, an explicit grant, or an
    active disclosure received by their organisation."""
    if not user.is_authenticated or not user.is_active:
        return ReturnHomeInterview.objects.none()
    condition = casework_rhi_filter(user)
    granted = RHIUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_returnhomeinterview"
    ).values("content_object_id")
    condition |= Q(pk__in=granted)
    if is_disclosure_recipient(user):
        received = Disclosure.objects.filter(received_disclosure_filter(user), rhi_id__isnull=False)
        condition |= Q(pk__in=received.values("rhi_id"))
    return ReturnHomeInterview.objects.filter(condition)


def rhi_levels(user: User | AnonymousUser, rhi_ids: list[int]) -> dict[int, Level]:
    """``rhi_level`` for many RHIs at once (tests/api/test_visibility.py checks the two agree)."""
    levels = dict.fromkeys(rhi_ids, Level.NONE)
    if not rhi_ids or not user.is_authenticated or not user.is_active:
        return levels
    full = set(visible_rhis(user).filter(pk__in=rhi_ids).values_list("pk", flat=True))
    full |= set(
        RHIUserObjectPermission.objects.filter(
            user_id=user.pk, content_object_id__in=rhi_ids, permission__codename="view_returnhomeinterview"
        ).values_list("content_object_id", flat=True)
    )
    received = (
        _active_disclosures()
        .filter(received_disclosure_filter(user), rhi_id__in=set(rhi_ids) - full)
        .values_list("rhi_id", "level")
        .distinct()
    )
    for rhi_id, level in received:
        candidate = disclosure_level(level)
        if _LEVEL_RANK[candidate] > _LEVEL_RANK[levels[rhi_id]]:
            levels[rhi_id] = candidate
    for rhi_id in full:
        levels[rhi_id] = Level.FULL
    return levels


def readable_episodes(user: User | AnonymousUser) -> QuerySet[MissingEpisode]:
    """Episodes the user may read: those of the children they see in full (``visible_episodes``), and, for a
    missing-person coordinator, those reported to their force (shown without the child's details)."""
    condition = visible_children_filter(user, prefix="child__") if is_casework_user(user) else Q(pk__in=[])
    return MissingEpisode.objects.filter(condition | police_episode_filter(user))


def can_record_notification(
    user: User | AnonymousUser, *, police_force_id: int | None, responsible_la_id: int
) -> bool:
    """Record a police notification: casework users for the LAs they take notifications for (the intake
    form's rule), and a missing-person coordinator (a force's system) for episodes reported to their own force,
    whichever council is responsible for the child."""
    if responsible_la_id in intake_authority_ids(user):
        return True
    return police_force_id is not None and police_force_id in police_force_ids(user)


def may_link_episode_to_child(user: User | AnonymousUser, child: Child) -> bool:
    """Attach a notification to this existing child at once: a casework user who sees the child, or a
    missing-person coordinator whose force already has a relation to the child (an episode reported to it, or
    the current placement in its area). Anyone else's notification waits for the council to confirm the link
    (``pending_link_filter``), so an API client cannot attach itself to any child whose details it knows."""
    if visible_children(user).filter(pk=child.pk).exists():
        return True
    forces = police_force_ids(user)
    if not forces:
        return False
    return (
        MissingEpisode.objects.filter(child_id=child.pk, police_force_id__in=forces).exists()
        or Placement.objects.filter(
            child_id=child.pk, end_date__isnull=True, police_force_area_id__in=forces
        ).exists()
    )


def pending_link_filter(user: User | AnonymousUser) -> Q:
    """Notifications waiting for a link to be confirmed (as a filter on PendingEpisodeLink) that this user may
    confirm or reject: RHI workers and team managers of the child's responsible LA or of a provider it
    commissions (``intake_authority_ids``)."""
    authorities = intake_authority_ids(user)
    if not authorities:
        return Q(pk__in=[])
    return Q(status=PendingLinkStatus.PENDING, child__responsible_la_id__in=authorities)


def can_decide_episode_link(user: User | AnonymousUser, link: PendingEpisodeLink) -> bool:
    return PendingEpisodeLink.objects.filter(pending_link_filter(user), pk=link.pk).exists()


def can_record_return(user: User | AnonymousUser, episode: MissingEpisode) -> bool:
    """Record the return on an episode: whoever may record its notification."""
    return can_record_notification(
        user, police_force_id=episode.police_force_id, responsible_la_id=episode.responsible_la_id
    )


def api_client_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose API clients the user manages: their org admins (who see no case content)."""
    return _admin_of(user)


# ---------------------------------------------------------------------------------------------------------
# A credential never carries more than a person who may see it chose to give (docs/api.md, "Approval").
# An org admin issues a client but sees no case content, so each case role the client acts as must be
# approved by a person holding that role in the client's organisation who did not issue it (four eyes).
# ---------------------------------------------------------------------------------------------------------

# Every role but org admin reads or writes case records, so every one needs a holder's approval.
API_CLIENT_CASE_ROLES = frozenset(role.value for role in Role if role != Role.ORG_ADMIN)


def acting_membership_filter() -> Q:
    """Memberships (a filter on Membership) that count for visibility: every person's, and an API client's
    system user's only for a role approved by a holder while no role of the client was refused. Below the
    token check on purpose: a role added to a system user some other way (the admin, a script) gives nothing."""
    decisions = ApiClientDecision.objects.filter(client__user_id=OuterRef("user_id"))
    return Q(user__api_client__isnull=True) | (
        Q(Exists(decisions.filter(role=OuterRef("role"), decision=ApiClientDecisionKind.APPROVED)))
        & ~Q(Exists(decisions.filter(decision=ApiClientDecisionKind.REFUSED)))
    )


def api_client_roles(client: ApiClient) -> set[str]:
    """The case roles the client's system user holds (prefetch ``user__memberships`` for lists)."""
    return {m.role for m in client.user.memberships.all()} & API_CLIENT_CASE_ROLES


def api_client_awaiting_roles(client: ApiClient) -> set[str]:
    """Case roles the client acts as that nobody has approved yet (prefetch ``decisions`` for lists)."""
    decided = {d.role for d in client.decisions.all()}
    return api_client_roles(client) - decided


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
    held = {m.role for m in _memberships(user) if m.organisation_id == client.organisation_id}
    return api_client_awaiting_roles(client) & held


def api_client_approver_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations in which the user holds a case role, and so may be asked to approve a client."""
    if isinstance(user, User) and hasattr(user, "api_client"):
        return set()
    return {m.organisation_id for m in _memberships(user) if m.role in API_CLIENT_CASE_ROLES}


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


# ---------------------------------------------------------------------------------------------------------
# Outbound webhooks (docs/webhooks.md): who manages them, and which organisations are told of an event.
# ---------------------------------------------------------------------------------------------------------


def webhook_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose webhook subscriptions and delivery log the user manages: their org admins."""
    return _admin_of(user)


def webhook_recipients(event_type: str, obj: object) -> set[int]:
    """Organisations whose subscriptions hear of this event about ``obj``, by relation to the record: an
    episode's police force and responsible LA (and the provider of the RHI addressing it); an RHI's provider
    and the child's responsible LA; a disclosure's recipient only. The partner then reads the record through
    the API with its own token, at its own level."""
    if isinstance(obj, Disclosure):
        return {obj.recipient_organisation_id}
    if isinstance(obj, MissingEpisode):
        ids = {obj.responsible_la_id}
        if obj.police_force_id:
            ids.add(obj.police_force_id)
        ids |= set(
            ReturnHomeInterview.objects.filter(episode_links__episode_id=obj.pk).values_list(
                "provider_id", flat=True
            )
        )
        return ids
    if isinstance(obj, ReturnHomeInterview):
        responsible = Child.objects.filter(pk=obj.child_id).values_list("responsible_la_id", flat=True)
        return {obj.provider_id, *responsible}
    return set()
