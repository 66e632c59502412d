"""Writes to follow-up referrals: making one from an RHI, marking it sent, its acknowledgement and outcome.

Referrals are actions taken because of an RHI, not part of the frozen report, so an approved RHI can still get
them and making one never changes the RHI's version. The acknowledgement is due at the end of the fifth working
day after the referral was sent, counted by the clock module with the bank holidays (and local closure days) of
the RHI's policy snapshot; the deadline sweep (alerts/sweep.py) escalates referrals not acknowledged by then.

Each write is durable (``transaction.atomic(durable=True)``): the referral pages call one at a time, and none
may be folded into a caller's longer transaction, where its row lock would be held and its audit event
committed only with the caller's other work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.casework import can_work_on
from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core import date_messages
from core.exceptions import ActionNotAllowed, TransitionError
from referrals.models import Referral, ReferralOutcome, Service, in_force
from rhi.clock import Unit, deadline_after
from rhi.models import ReturnHomeInterview, RHIState, RiskIndicator
from rhi.selectors import working_day_calendar

ACKNOWLEDGEMENT_WORKING_DAYS = 5
# Referrals follow the interview: while the report is drafted, reviewed, returned or once it is approved.
REFERRAL_STATES: frozenset[str] = frozenset(
    {RHIState.DRAFTING, RHIState.SUBMITTED, RHIState.RETURNED, RHIState.APPROVED}
)
# A browser clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=1)

__all__ = [
    "ACKNOWLEDGEMENT_WORKING_DAYS",
    "REFERRAL_STATES",
    "ActionNotAllowed",
    "TransitionError",
    "can_refer_from",
    "make_referral",
    "mark_sent",
    "record_acknowledgement",
    "record_outcome",
    "referral_acknowledgement_due",
    "withdraw_referral",
]


def referral_acknowledgement_due(*, sent_at: datetime, rhi: ReturnHomeInterview) -> datetime:
    """When a referral sent at ``sent_at`` is due to be acknowledged: the end (Europe/London) of the fifth
    working day after the day it was sent, on the RHI's working-day calendar (its policy's nation and closure
    days, or ``rhi.selectors.rules_without_policy``'s)."""
    nation, closure_days = working_day_calendar(rhi=rhi)
    return deadline_after(
        sent_at, Unit.WORKING_DAYS, ACKNOWLEDGEMENT_WORKING_DAYS, nation=nation, closure_days=closure_days
    )


def can_refer_from(rhi: ReturnHomeInterview) -> bool:
    return rhi.state in REFERRAL_STATES


def _require_worker(rhi: ReturnHomeInterview, by: User) -> None:
    if not can_work_on(by, rhi):
        raise ActionNotAllowed("Only the allocated worker or a manager of the team can record referrals.")


# The referral's times as their messages name them (core.date_messages); referrals.forms names them the same.
TIME_NAMES = {
    "sent_at": "the time the referral was sent",
    "acknowledged_at": "the time the referral was acknowledged",
}


def _check_not_future(value: datetime, field: str) -> None:
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: date_messages.in_future(TIME_NAMES[field])})


def _check_sent_at(rhi: ReturnHomeInterview, sent_at: datetime) -> None:
    _check_not_future(sent_at, "sent_at")
    returned = max(
        (t for t in rhi.episodes.values_list("returned_at", flat=True) if t is not None), default=None
    )
    if returned is not None and sent_at < returned:
        raise ValidationError({"sent_at": "A referral cannot be sent before the child returned."})


def _lock_referral(referral_id: int, *, withdrawn_ok: bool = False) -> Referral:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("rhi", "rhi__local_authority")
        .get(pk=referral_id)
    )
    if referral.is_withdrawn and not withdrawn_ok:
        raise TransitionError("This referral was withdrawn: it cannot be changed.")
    return referral


def _refuse_duplicate(
    rhi: ReturnHomeInterview,
    *,
    service: str,
    recipient_organisation: Organisation | None,
    recipient_name: str,
) -> None:
    """An identical referral (same service and recipient) still open on this RHI (not withdrawn, no outcome
    yet) is refused: a double-clicked or resent form must not make a second one. Race-safe because the caller
    holds the RHI row lock, so a concurrent make_referral waits and then sees this one committed."""
    duplicate = (
        Referral.objects.filter(
            in_force(),
            rhi=rhi,
            service=service,
            recipient_organisation=recipient_organisation,
            recipient_name__iexact=recipient_name,
            outcome="",
        )
        .order_by("created_at")
        .first()
    )
    if duplicate is not None:
        made = timezone.localtime(duplicate.created_at).strftime("%-d %B %Y at %H:%M")
        raise ValidationError(
            {
                "service": f"A referral to {duplicate.get_service_display()} for {recipient_name} is "
                f"already open on this RHI (made on {made}). Withdraw it first if it was made in error."
            }
        )


def _save(referral: Referral, *, by: User, action: str, detail: dict[str, object]) -> Referral:
    referral.updated_at = timezone.now()
    referral.full_clean(exclude=["rhi", "created_by", "recipient_organisation"])
    referral.save()
    record_event(actor=by, action=action, obj=referral, detail={"rhi": referral.rhi_id} | detail)
    return referral


@transaction.atomic(durable=True)
def make_referral(
    *,
    rhi_id: int,
    by: User,
    service: str,
    recipient_organisation: Organisation | None = None,
    recipient_name: str,
    reason: str,
    risk_indicators: list[str],
    sent_at: datetime | None,
) -> Referral:
    """Record a referral from an RHI to a service; sent now, earlier, or (``sent_at`` None) not yet."""
    rhi = (
        ReturnHomeInterview.objects.select_for_update(of=("self",))
        .select_related("local_authority")
        .get(pk=rhi_id)
    )
    _require_worker(rhi, by)
    if not can_refer_from(rhi):
        raise TransitionError(
            "Referrals are made once the interview has been held: "
            f"this RHI is {RHIState(rhi.state).label.lower()}."
        )
    errors: dict[str, str] = {}
    if service not in Service.values:
        errors["service"] = "Choose the service the child is referred to."
    if not reason.strip():
        errors["reason"] = "Say why the child is being referred."
    unknown = [code for code in risk_indicators if code not in RiskIndicator.values]
    if unknown:
        errors["risk_indicators"] = "Choose risk indicators from the list."
    if errors:
        raise ValidationError(errors)
    _refuse_duplicate(
        rhi,
        service=service,
        recipient_organisation=recipient_organisation,
        recipient_name=recipient_name.strip(),
    )
    if sent_at is not None:
        _check_sent_at(rhi, sent_at)
    now = timezone.now()
    referral = Referral(
        rhi=rhi,
        service=service,
        recipient_organisation=recipient_organisation,
        recipient_name=recipient_name.strip(),
        reason=reason.strip(),
        risk_indicators=sorted(set(risk_indicators)),
        sent_at=sent_at,
        acknowledgement_due_at=referral_acknowledgement_due(sent_at=sent_at, rhi=rhi)
        if sent_at is not None
        else None,
        created_by=by,
        created_at=now,
    )
    return _save(
        referral,
        by=by,
        action=AuditAction.CREATE,
        detail={"service": service, "sent": sent_at is not None},
    )


@transaction.atomic(durable=True)
def mark_sent(*, referral_id: int, by: User, sent_at: datetime) -> Referral:
    referral = _lock_referral(referral_id)
    _require_worker(referral.rhi, by)
    if referral.sent_at is not None:
        raise TransitionError("This referral has already been recorded as sent.")
    _check_sent_at(referral.rhi, sent_at)
    referral.sent_at = sent_at
    referral.acknowledgement_due_at = referral_acknowledgement_due(sent_at=sent_at, rhi=referral.rhi)
    return _save(referral, by=by, action=AuditAction.UPDATE, detail={"step": "sent"})


@transaction.atomic(durable=True)
def record_acknowledgement(
    *, referral_id: int, by: User, acknowledged_at: datetime, acknowledged_by_name: str
) -> Referral:
    """The receiving service confirmed it has the referral: not before it was sent, not in the future."""
    referral = _lock_referral(referral_id)
    _require_worker(referral.rhi, by)
    if referral.sent_at is None:
        raise ValidationError({"acknowledged_at": "Record the referral as sent before its acknowledgement."})
    if referral.acknowledged_at is not None:
        raise TransitionError("This referral's acknowledgement has already been recorded.")
    _check_not_future(acknowledged_at, "acknowledged_at")
    if acknowledged_at < referral.sent_at:
        raise ValidationError(
            {"acknowledged_at": "The acknowledgement cannot be before the referral was sent."}
        )
    if not acknowledged_by_name.strip():
        raise ValidationError({"acknowledged_by_name": "Enter who acknowledged the referral."})
    referral.acknowledged_at = acknowledged_at
    referral.acknowledged_by_name = acknowledged_by_name.strip()
    return _save(referral, by=by, action=AuditAction.UPDATE, detail={"step": "acknowledged"})


@transaction.atomic(durable=True)
def record_outcome(*, referral_id: int, by: User, outcome: str, outcome_notes: str = "") -> Referral:
    """What the service did with the referral. Recorded once: a second, different answer is refused rather
    than silently overwriting the first."""
    referral = _lock_referral(referral_id)
    _require_worker(referral.rhi, by)
    if referral.sent_at is None:
        raise ValidationError({"outcome": "Record the referral as sent before its outcome."})
    if outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": "Choose the outcome of the referral."})
    if referral.outcome:
        raise TransitionError("This referral's outcome has already been recorded.")
    referral.outcome = outcome
    referral.outcome_notes = outcome_notes.strip()
    return _save(referral, by=by, action=AuditAction.UPDATE, detail={"step": "outcome", "outcome": outcome})


@transaction.atomic(durable=True)
def withdraw_referral(*, referral_id: int, by: User, reason: str) -> Referral:
    """Withdraw a referral made in error: kept, shown as withdrawn with who, when and why, and no longer
    counted (``referrals.models.in_force``). Once the service has recorded an outcome it was not in error."""
    referral = _lock_referral(referral_id, withdrawn_ok=True)
    _require_worker(referral.rhi, by)
    if referral.is_withdrawn:
        raise TransitionError("This referral has already been withdrawn.")
    if referral.outcome:
        raise TransitionError("This referral has an outcome recorded: it can no longer be withdrawn.")
    if not reason.strip():
        raise ValidationError({"withdrawal_reason": "Say why the referral is being withdrawn."})
    referral.withdrawn_at = timezone.now()
    referral.withdrawn_by = by
    referral.withdrawal_reason = reason.strip()
    return _save(referral, by=by, action=AuditAction.UPDATE, detail={"step": "withdrawn"})
