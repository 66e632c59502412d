"""Disclosures (docs/sharing.md): who may open, share, approve, acknowledge and revoke them, and with whom an RHI
or episode may be shared without a manager's approval.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from access.casework import can_work_on, visible_rhis
from access.levels import received_disclosure_filter
from access.memberships import authorities_served_by, is_casework_user, managed_organisation_ids
from accounts.models import User
from missing_episodes.models import Child, MissingEpisode, Placement
from rhi.models import ReturnHomeInterview, RHIState
from sharing.models import Disclosure, DisclosureLevel, DisclosureStatus


def received_disclosures(user: User | AnonymousUser) -> QuerySet[Disclosure]:
    """Only what was shared with the user's organisation ("Shared with your organisation")."""
    return Disclosure.objects.filter(received_disclosure_filter(user))


def visible_disclosures(user: User | AnonymousUser) -> QuerySet[Disclosure]:
    """Disclosures the user may open: those received by their organisation (not revoked), and, for casework
    users, those made from the RHIs they work on (revoked ones too: the sharer keeps the record)."""
    condition = received_disclosure_filter(user)
    if is_casework_user(user):
        condition |= Q(rhi__in=visible_rhis(user))
    return Disclosure.objects.filter(condition)


def can_share(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """Share an approved RHI: the allocated worker or a manager of the provider (``can_work_on``)."""
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
            | Q(rhi__isnull=True, episode__responsible_la_id__in=authorities_served_by(managed))
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
