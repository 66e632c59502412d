"""Writes to disclosures: sharing an approved RHI with an organisation at a level, the recipient's
acknowledgement, and revoking a disclosure (which removes the recipient's access at once).

The acknowledgement is due at the end of the second working day after sharing, counted by the clock module
with the bank holidays (and local closure days) of the RHI's policy snapshot; the deadline sweep
(alerts/sweep.py) escalates disclosures not acknowledged by then to the sharer and the provider's managers.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.casework import can_work_on
from access.disclosures import can_decide_share, can_revoke, received_disclosures, related_recipient_ids
from access.episodes import visible_episodes
from accounts.models import Organisation, OrganisationKind, User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed, TransitionError
from missing_episodes.models import MissingEpisode
from rhi.clock import Unit, deadline_after
from rhi.models import ConsentToShare, ReturnHomeInterview, RHIState
from rhi.selectors import working_day_calendar
from sharing.models import (
    RECIPIENT_KINDS,
    ConsentState,
    Disclosure,
    DisclosureLevel,
    DisclosureStatus,
    LawfulBasis,
)
from sharing.webhooks import disclosure_made

ACKNOWLEDGEMENT_WORKING_DAYS = 2

__all__ = [
    "ACKNOWLEDGEMENT_WORKING_DAYS",
    "ActionNotAllowed",
    "TransitionError",
    "acknowledge",
    "approve_share",
    "consent_state_for",
    "disclosure_acknowledgement_due",
    "refuse_share",
    "revoke",
    "share",
]


def disclosure_acknowledgement_due(
    *, shared_at: datetime, rhi: ReturnHomeInterview | None, episode: MissingEpisode | None
) -> datetime:
    """When any disclosure — made by a person or sent automatically to a placing authority — is due to be
    acknowledged: the end (Europe/London) of the second working day after the day it was shared, on the RHI's
    working-day calendar (``rhi.selectors.working_day_calendar``). The one rule both use."""
    authority = episode.responsible_la if rhi is None and episode is not None else None
    nation, closure_days = working_day_calendar(rhi=rhi, local_authority=authority)
    return deadline_after(
        shared_at, Unit.WORKING_DAYS, ACKNOWLEDGEMENT_WORKING_DAYS, nation=nation, closure_days=closure_days
    )


def consent_state_for(rhi: ReturnHomeInterview | None, level: str) -> ConsentState:
    """A notification needs no consent; a report follows the child's recorded consent to share."""
    if level == DisclosureLevel.NOTIFICATION:
        return ConsentState.NOT_REQUIRED
    if rhi is not None and rhi.consent_to_share == ConsentToShare.GIVEN:
        return ConsentState.GIVEN
    if rhi is not None and rhi.consent_to_share == ConsentToShare.REFUSED:
        return ConsentState.REFUSED_OVERRIDDEN
    return ConsentState.NOT_SOUGHT


def _check_recipient(recipient: Organisation, level: str, rhi: ReturnHomeInterview | None) -> None:
    if not recipient.is_active or recipient.kind not in RECIPIENT_KINDS:
        raise ValidationError({"recipient_organisation": "Choose a council, police force or agency."})
    if rhi is not None and recipient.pk == rhi.provider_id:
        raise ValidationError(
            {"recipient_organisation": "Your own organisation already has the full record."}
        )
    if recipient.kind == OrganisationKind.POLICE_FORCE and level == DisclosureLevel.FULL_REPORT:
        raise ValidationError(
            {"level": "The police receive the intelligence summary or a notification, never the full report."}
        )
    if level == DisclosureLevel.INTELLIGENCE_SUMMARY and recipient.kind != OrganisationKind.POLICE_FORCE:
        raise ValidationError({"level": "The intelligence summary is for a police force."})


def _check_choices(level: str, lawful_basis: str) -> None:
    errors: dict[str, str] = {}
    if level not in DisclosureLevel.values:
        errors["level"] = "Choose what to share."
    if lawful_basis not in LawfulBasis.values:
        errors["lawful_basis"] = "Choose the lawful basis for sharing."
    if errors:
        raise ValidationError(errors)


def _subject_to_share(
    *, by: User, rhi_id: int | None, episode_id: int | None, level: str
) -> tuple[ReturnHomeInterview | None, MissingEpisode | None]:
    """The approved RHI ``by`` may share, or the episode ``by`` may notify about (locked / loaded)."""
    if rhi_id is not None:
        rhi = (
            ReturnHomeInterview.objects.select_for_update(of=("self",))
            .select_related("local_authority", "child")
            .get(pk=rhi_id)
        )
        if not can_work_on(by, rhi):
            raise ActionNotAllowed(
                "Only the allocated worker or a manager of the provider can share this RHI."
            )
        if rhi.state != RHIState.APPROVED:
            raise TransitionError("An RHI is shared once its report has been approved.")
        return rhi, None
    if episode_id is not None and level == DisclosureLevel.NOTIFICATION:
        episode = MissingEpisode.objects.select_related("responsible_la").get(pk=episode_id)
        if not visible_episodes(by).filter(pk=episode.pk).exists():
            raise ActionNotAllowed("You cannot share information about this episode.")
        return None, episode
    raise ValidationError({"level": "Only a notification can be shared before there is an approved RHI."})


def _recipient(
    recipient_id: int, *, level: str, rhi: ReturnHomeInterview | None, episode: MissingEpisode | None
) -> Organisation:
    """The organisation to share with, if it may receive this level and has not been given it already."""
    recipient = Organisation.objects.filter(pk=recipient_id).first()
    if recipient is None:
        raise ValidationError({"recipient_organisation": "Choose who to share with."})
    _check_recipient(recipient, level, rhi)
    duplicate = (
        Disclosure.objects.filter(recipient_organisation=recipient, level=level, revoked_at__isnull=True)
        .exclude(status=DisclosureStatus.REFUSED)
        .filter(**({"rhi": rhi, "episode__isnull": True} if rhi is not None else {"episode": episode}))
    )
    if duplicate.exists():
        raise ValidationError(
            {"recipient_organisation": "This has already been shared with that organisation at this level."}
        )
    return recipient


def _justification(
    consent_state: str, *, rhi: ReturnHomeInterview | None, given: str, lawful_basis: str
) -> str:
    """Without the child's consent: the justification given here or the override recorded on the RHI (and a
    lawful basis other than consent); with it, none."""
    if consent_state not in (ConsentState.REFUSED_OVERRIDDEN, ConsentState.NOT_SOUGHT):
        return ""
    justification = given.strip()
    if not justification and rhi is not None and rhi.share_without_consent:
        justification = rhi.consent_override_justification.strip()
    if not justification:
        raise ValidationError(
            {"override_justification": "Explain why this is shared without the child's consent."}
        )
    if lawful_basis == LawfulBasis.CONSENT:
        raise ValidationError({"lawful_basis": "The child has not consented: choose another lawful basis."})
    return justification


@transaction.atomic
def share(
    *,
    rhi_id: int | None = None,
    episode_id: int | None = None,
    by: User,
    recipient_organisation_id: int,
    level: str,
    lawful_basis: str,
    override_justification: str = "",
    approval_reason: str = "",
) -> Disclosure:
    """Share an approved RHI with an organisation at a level (or notify it of an episode).

    Only the allocated worker or a manager of the provider may share. Without the child's consent a report is
    shared only with a justification: the one given here, or the override recorded on the RHI. To an
    organisation outside the child's relations (``access.disclosures.related_recipient_ids``) it needs a reason and waits,
    unseen by the recipient, for another manager's approval (``approve_share``)."""
    _check_choices(level, lawful_basis)
    rhi, episode = _subject_to_share(by=by, rhi_id=rhi_id, episode_id=episode_id, level=level)
    recipient = _recipient(recipient_organisation_id, level=level, rhi=rhi, episode=episode)
    consent_state = consent_state_for(rhi, level)
    justification = _justification(
        consent_state, rhi=rhi, given=override_justification, lawful_basis=lawful_basis
    )

    approval_reason = approval_reason.strip()
    related = recipient.pk in related_recipient_ids(rhi=rhi, episode=episode, level=level)
    if not related and not approval_reason:
        raise ValidationError(
            {
                "approval_reason": f"{recipient.name} has no relation to this child at this level. Say why it "
                "needs it: a manager must approve it before it is shared."
            }
        )
    status = DisclosureStatus.ACTIVE if related else DisclosureStatus.AWAITING_APPROVAL

    now = timezone.now()
    subject = rhi if rhi is not None else episode
    assert subject is not None
    disclosure = Disclosure(
        child_id=subject.child_id,
        rhi=rhi,
        episode=episode,
        level=level,
        recipient_organisation=recipient,
        shared_at=now,
        shared_by=by,
        lawful_basis=lawful_basis,
        consent_state=consent_state,
        override_justification=justification,
        status=status,
        approval_reason="" if related else approval_reason,
        # The acknowledgement clock starts when the recipient can see it (at approval, if it needs one).
        acknowledgement_due_at=(
            disclosure_acknowledgement_due(shared_at=now, rhi=rhi, episode=episode) if related else None
        ),
    )
    disclosure.full_clean()
    disclosure.save()
    record_event(
        actor=by,
        action=AuditAction.SHARE,
        obj=disclosure,
        level=level,
        detail={
            "rhi": rhi.pk if rhi is not None else None,
            "episode": episode.pk if episode is not None else None,
            "recipient_organisation": recipient.pk,
            "lawful_basis": lawful_basis,
            "consent_state": consent_state,
            "status": status,
        },
    )
    if related:
        disclosure_made(disclosure=disclosure)  # in this transaction (docs/webhooks.md)
    return disclosure


def _lock_awaiting(disclosure_id: int, by: User) -> Disclosure:
    disclosure = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("rhi", "episode")
        .get(pk=disclosure_id)
    )
    if disclosure.status != DisclosureStatus.AWAITING_APPROVAL or disclosure.revoked_at is not None:
        raise TransitionError("This share is not waiting for approval.")
    if not can_decide_share(by, disclosure):
        raise ActionNotAllowed(
            "Only a manager of the service that made it, other than the person who asked, can decide this."
        )
    return disclosure


@transaction.atomic
def approve_share(*, disclosure_id: int, by: User, note: str = "") -> Disclosure:
    """A manager approves a share outside the child's relations: it reaches the recipient now, and the
    acknowledgement clock starts now."""
    disclosure = _lock_awaiting(disclosure_id, by)
    now = timezone.now()
    disclosure.status = DisclosureStatus.ACTIVE
    disclosure.decided_by, disclosure.decided_at, disclosure.decision_note = by, now, note.strip()
    disclosure.shared_at = now
    disclosure.acknowledgement_due_at = disclosure_acknowledgement_due(
        shared_at=now, rhi=disclosure.rhi, episode=disclosure.episode
    )
    disclosure.full_clean()
    disclosure.save()
    record_event(
        actor=by,
        action=AuditAction.SHARE,
        obj=disclosure,
        level=disclosure.level,
        detail={
            "step": "share_approved",
            "rhi": disclosure.rhi_id,
            "recipient_organisation": disclosure.recipient_organisation_id,
        },
    )
    disclosure_made(disclosure=disclosure)  # in this transaction (docs/webhooks.md)
    return disclosure


@transaction.atomic
def refuse_share(*, disclosure_id: int, by: User, note: str) -> Disclosure:
    """A manager refuses a share outside the child's relations, saying why: the recipient never sees it."""
    if not note.strip():
        raise ValidationError({"decision_note": "Say why it is not to be shared."})
    disclosure = _lock_awaiting(disclosure_id, by)
    disclosure.status = DisclosureStatus.REFUSED
    disclosure.decided_by, disclosure.decided_at, disclosure.decision_note = by, timezone.now(), note.strip()
    disclosure.full_clean()
    disclosure.save()
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=disclosure,
        level=disclosure.level,
        detail={
            "step": "share_refused",
            "rhi": disclosure.rhi_id,
            "recipient_organisation": disclosure.recipient_organisation_id,
        },
    )
    return disclosure


def _lock(disclosure_id: int) -> Disclosure:
    return Disclosure.objects.select_for_update(of=("self",)).select_related("rhi").get(pk=disclosure_id)


@transaction.atomic
def acknowledge(*, disclosure_id: int, by: User) -> Disclosure:
    """The receiving organisation confirms it has it: a member who may open it, once."""
    disclosure = _lock(disclosure_id)
    if not received_disclosures(by).filter(pk=disclosure.pk).exists():
        raise ActionNotAllowed("Only the organisation it was shared with can acknowledge it.")
    if disclosure.acknowledged_at is not None:
        raise TransitionError("This has already been acknowledged.")
    disclosure.acknowledged_at = timezone.now()
    disclosure.acknowledged_by = by
    disclosure.full_clean()
    disclosure.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=disclosure,
        level=disclosure.level,
        detail={"step": "acknowledged", "rhi": disclosure.rhi_id},
    )
    return disclosure


@transaction.atomic
def revoke(*, disclosure_id: int, by: User, reason: str) -> Disclosure:
    """Withdraw a disclosure: the recipient loses access at once (their next request answers 404)."""
    disclosure = _lock(disclosure_id)
    if disclosure.revoked_at is not None:
        raise TransitionError("This has already been revoked.")
    if not can_revoke(by, disclosure):
        raise ActionNotAllowed("Only the person who shared it or a manager of the provider can revoke it.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is being revoked."})
    disclosure.revoked_at = timezone.now()
    disclosure.revoked_by = by
    disclosure.revoke_reason = reason.strip()
    disclosure.full_clean()
    disclosure.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=disclosure,
        level=disclosure.level,
        detail={"step": "revoked", "rhi": disclosure.rhi_id},
    )
    return disclosure
