"""How much of an RHI a user may see (docs/sharing.md): FULL through casework or a one-off grant, otherwise the
level of what was disclosed to their organisation. Also the batched form the API's pages of 100 RHIs need.
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from access.casework import casework_rhi_filter, visible_rhis
from access.memberships import is_disclosure_recipient, police_force_ids, recipient_organisation_ids
from accounts.models import User
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure, DisclosureLevel, DisclosureStatus, RHIUserObjectPermission


class Level(enum.StrEnum):
    FULL = "full"
    INTELLIGENCE_SUMMARY = "intelligence_summary"
    NOTIFICATION = "notification"
    NONE = "none"


_LEVEL_RANK = {Level.NONE: 0, Level.NOTIFICATION: 1, Level.INTELLIGENCE_SUMMARY: 2, Level.FULL: 3}


def level_at_least(level: Level, wanted: Level) -> bool:
    return _LEVEL_RANK[level] >= _LEVEL_RANK[wanted]


def disclosure_level(level: str) -> Level:
    """A disclosure's level (sharing.models.DisclosureLevel) as a visibility level."""
    return {
        "notification": Level.NOTIFICATION,
        "intelligence_summary": Level.INTELLIGENCE_SUMMARY,
        "full_report": Level.FULL,
    }.get(level, Level.NONE)


def report_level_needed(kind: str) -> Level | None:
    """The level an RHI's PDF document needs (rhi.models.ReportKind): the full report only at FULL; the
    notification letter at any level a disclosure gives. None for an unknown kind."""
    return {"full_report": Level.FULL, "notification_letter": Level.NOTIFICATION}.get(kind)


def active_disclosures() -> QuerySet[Disclosure]:
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
        active_disclosures()
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
        active_disclosures()
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
