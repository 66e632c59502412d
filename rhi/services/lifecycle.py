"""The RHI lifecycle: every state change is one function here that checks the source state against the one
transition table (``rhi.transitions``) and the version the user saw, records who and when (StateTransition) and
writes an audit event (docs/rhi-states.md).

Each step owns a durable transaction: no caller may wrap one in its own atomic block, so a step's audit event,
webhook and after-commit work are never rolled back by someone else's later failure."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.casework import can_allocate, can_work_on
from access.memberships import managed_organisation_ids
from accounts.models import User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from audit.services import record_event
from core import date_messages
from core.enqueue import call_after_commit, publisher, send_task
from core.exceptions import ActionNotAllowed, TransitionError
from rhi.models import (
    ContactAttempt,
    DeclineReason,
    Interview,
    NotOfferedReason,
    Outcome,
    ReportKind,
    ReturnHomeInterview,
    ReviewDecision,
    ReviewDecisionKind,
    RHIState,
    StateTransition,
)
from rhi.transitions import TIME_NAMES, TRANSITIONS, RHIAction, refusal, target
from sharing.out_of_area import notify_placing_authority_of_outcome
from sharing.webhooks import rhi_outcome

logger = logging.getLogger(__name__)
# rhi.tasks.generate_report, queued by name: rhi.tasks imports the services, so importing it here is a loop.
GENERATE_REPORT_TASK = "rhi.generate_report"
# alerts.tasks.notify_handoff, queued by name: alerts sits above rhi (the hand-off emails, alerts.handoffs).
HANDOFF_TASK = "rhi.notify_handoff"


class StaleVersionError(Exception):
    """Someone else saved the RHI since this user loaded it: refuse rather than overwrite."""


def _check_state(rhi: ReturnHomeInterview, action: RHIAction) -> None:
    """Refuse a step the transition table does not allow from the RHI's current state."""
    if target(action, rhi.state) is None:
        raise TransitionError(refusal(action, rhi.state))


def _move(rhi: ReturnHomeInterview, *, action: RHIAction, by: User | None, now: datetime) -> None:
    """Take ``action`` along its edge in ``rhi.transitions``: refused unless the table allows it from the current
    state; a step that keeps the state records no StateTransition."""
    _check_state(rhi, action)
    to = TRANSITIONS[action].moves[rhi.state]
    if to == rhi.state:
        return
    StateTransition.objects.create(rhi=rhi, from_state=rhi.state, to_state=to, at=now, by=by)
    rhi.state = to
    rhi.state_changed_at = now


def _lock(rhi_id: int, expected_version: int | None) -> ReturnHomeInterview:
    locked = ReturnHomeInterview.objects.select_for_update().select_related("provider").get(pk=rhi_id)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            "This RHI was changed by someone else after you opened it. Reload it and try again."
        )
    return locked


@transaction.atomic(durable=True)
def allocate_rhi(
    *, rhi_id: int, worker: User, by: User, expected_version: int | None = None
) -> ReturnHomeInterview:
    """Allocate (or reallocate) an open RHI to an RHI worker of its provider: a manager's ``allocate``, or a
    worker's ``take`` of an unallocated one."""
    rhi = _lock(rhi_id, expected_version)
    _check_state(rhi, RHIAction.ALLOCATE)
    if not can_allocate(by, rhi, worker):
        raise ActionNotAllowed("You cannot allocate this RHI to that worker.")
    now = timezone.now()
    # A manager allocates (or reallocates) in any open state; anyone else may only take an unallocated RHI.
    action = RHIAction.ALLOCATE if rhi.provider_id in managed_organisation_ids(by) else RHIAction.TAKE
    from_state = rhi.state
    _move(rhi, action=action, by=by, now=now)
    if rhi.state == from_state:
        StateTransition.objects.create(
            rhi=rhi, from_state=rhi.state, to_state=rhi.state, at=now, by=by, note="Reallocated"
        )
    if rhi.team_id is None:
        membership = worker.memberships.filter(organisation_id=rhi.provider_id, team__isnull=False).first()
        rhi.team_id = membership.team_id if membership else None
    rhi.allocated_worker = worker
    rhi.allocated_at = now
    rhi.updated_at = now
    rhi.version += 1
    rhi.save()
    record_event(actor=by, action=AuditAction.UPDATE, obj=rhi, detail={"allocated_to": worker.pk})
    call_after_commit(_announce_handoff, rhi.pk, "allocated", by.pk, now)
    return rhi


def _announce_handoff(rhi_id: int, kind: str, by_id: int, at: datetime) -> None:
    try:
        with publisher() as producer:
            send_task(HANDOFF_TASK, rhi_id, kind, by_id, at.isoformat(), producer=producer)
    except Exception as exc:  # a broker that is down never fails the step; the record shows the hand-off
        logger.warning(
            "broker unavailable (%s): %s email for RHI %s not queued", type(exc).__name__, kind, rhi_id
        )


# ---------------------------------------------------------------------------------------------------------
# The worker's journey: contact, offer, outcome, interview, review. Each step: lock and check the version the
# user saw, then who is acting, then the source state (the table), then the input; move, audit. So a step out
# of order is refused as such (TransitionError) whatever was typed. Field-level problems raise ValidationError.
# ---------------------------------------------------------------------------------------------------------


def _check_time(value: datetime, field: str, *, not_before: datetime | None, what: str) -> None:
    now = timezone.now()
    if value > now + timedelta(minutes=1):
        raise ValidationError({field: date_messages.in_future(TIME_NAMES[field])})
    if not_before is not None and value < not_before:
        raise ValidationError({field: date_messages.before(TIME_NAMES[field], what)})


def _returned_at(rhi: ReturnHomeInterview) -> datetime | None:
    """The latest return among the episodes the RHI addresses: nothing in the journey can precede it."""
    return max(
        (e for e in rhi.episodes.values_list("returned_at", flat=True) if e is not None),
        default=None,
    )


def _finish(
    rhi: ReturnHomeInterview, *, by: User, now: datetime, detail: dict[str, object]
) -> ReturnHomeInterview:
    rhi.updated_at = now
    rhi.version += 1
    rhi.full_clean(exclude=["child", "local_authority", "provider", "team", "allocated_worker", "policy"])
    rhi.save()
    record_event(actor=by, action=AuditAction.UPDATE, obj=rhi, detail=detail)
    # An outcome (declined, unable to contact, not offered, approved) reaches an out-of-area child's placing LA.
    notify_placing_authority_of_outcome(rhi=rhi, by=by)
    return rhi


def _require_worker(rhi: ReturnHomeInterview, by: User) -> None:
    if not can_work_on(by, rhi):
        raise ActionNotAllowed("Only the allocated worker or a manager of the team can record this.")


@transaction.atomic(durable=True)
def log_contact_attempt(
    *,
    rhi_id: int,
    by: User,
    attempted_at: datetime,
    method: str,
    contact_with: str,
    outcome: str,
    notes: str = "",
    expected_version: int | None = None,
) -> ContactAttempt:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.CONTACT)
    _check_time(attempted_at, "attempted_at", not_before=_returned_at(rhi), what="the child returned")
    now = timezone.now()
    attempt = ContactAttempt(
        rhi=rhi,
        attempted_at=attempted_at,
        method=method,
        contact_with=contact_with,
        outcome=outcome,
        notes=notes,
        recorded_by=by,
        recorded_at=now,
    )
    attempt.full_clean(exclude=["rhi", "recorded_by"])
    attempt.save()
    _move(rhi, action=RHIAction.CONTACT, by=by, now=now)
    _finish(rhi, by=by, now=now, detail={"contact_attempt": attempt.pk})
    return attempt


@transaction.atomic(durable=True)
def record_offer(
    *,
    rhi_id: int,
    by: User,
    offered_at: datetime,
    offered_to: str,
    method: str,
    expected_version: int | None = None,
) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.OFFER)
    _check_time(offered_at, "offered_at", not_before=_returned_at(rhi), what="the child returned")
    now = timezone.now()
    _move(rhi, action=RHIAction.OFFER, by=by, now=now)
    rhi.offered_at, rhi.offered_to, rhi.offer_method = offered_at, offered_to, method
    return _finish(rhi, by=by, now=now, detail={"step": "offer"})


@transaction.atomic(durable=True)
def record_acceptance(*, rhi_id: int, by: User, expected_version: int | None = None) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.ACCEPTED)
    now = timezone.now()
    _move(rhi, action=RHIAction.ACCEPTED, by=by, now=now)
    rhi.outcome, rhi.outcome_recorded_at = Outcome.ACCEPTED, now
    return _finish(rhi, by=by, now=now, detail={"step": "accepted"})


@transaction.atomic(durable=True)
def record_decline(
    *,
    rhi_id: int,
    by: User,
    declined_by: str,
    reason: str,
    reason_text: str = "",
    expected_version: int | None = None,
) -> ReturnHomeInterview:
    """The reports insist a decline's reason is recorded: a coded reason is required, 'other' needs words."""
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.DECLINED)
    if reason == DeclineReason.OTHER and not reason_text.strip():
        raise ValidationError({"decline_reason_text": "Say why the interview was declined."})
    now = timezone.now()
    _move(rhi, action=RHIAction.DECLINED, by=by, now=now)
    rhi.outcome, rhi.outcome_recorded_at = Outcome.DECLINED, now
    rhi.declined_by, rhi.decline_reason, rhi.decline_reason_text = declined_by, reason, reason_text.strip()
    _finish(rhi, by=by, now=now, detail={"step": "declined", "reason": reason})
    rhi_outcome(rhi=rhi)  # rhi.declined, in this transaction (docs/webhooks.md)
    return rhi


@transaction.atomic(durable=True)
def record_unable_to_contact(
    *, rhi_id: int, by: User, expected_version: int | None = None
) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.UNABLE_TO_CONTACT)
    if not rhi.contact_attempts.exists():
        raise ValidationError({"__all__": "Record the contact attempts before closing as unable to contact."})
    now = timezone.now()
    _move(rhi, action=RHIAction.UNABLE_TO_CONTACT, by=by, now=now)
    rhi.outcome, rhi.outcome_recorded_at = Outcome.UNABLE_TO_CONTACT, now
    return _finish(rhi, by=by, now=now, detail={"step": "unable_to_contact"})


@transaction.atomic(durable=True)
def record_not_offered(
    *, rhi_id: int, by: User, reason: str, reason_text: str = "", expected_version: int | None = None
) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.NOT_OFFERED)
    if reason == NotOfferedReason.OTHER and not reason_text.strip():
        raise ValidationError({"not_offered_text": "Say why the interview was not offered."})
    now = timezone.now()
    _move(rhi, action=RHIAction.NOT_OFFERED, by=by, now=now)
    rhi.outcome, rhi.outcome_recorded_at = Outcome.NOT_OFFERED, now
    rhi.not_offered_reason, rhi.not_offered_text = reason, reason_text.strip()
    return _finish(rhi, by=by, now=now, detail={"step": "not_offered", "reason": reason})


@transaction.atomic(durable=True)
def record_interview(
    *, rhi_id: int, by: User, interview: dict[str, Any], expected_version: int | None = None
) -> Interview:
    """The interview happened: record when, where and by whom, and move to drafting the findings. An interview
    cannot be before the child returned or in the future."""
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.RECORD_INTERVIEW)
    held_at = interview.get("held_at")
    if held_at is None:
        raise ValidationError({"held_at": "Enter when the interview was held."})
    _check_time(held_at, "held_at", not_before=_returned_at(rhi), what="the child returned")
    now = timezone.now()
    _move(rhi, action=RHIAction.RECORD_INTERVIEW, by=by, now=now)
    if rhi.outcome != Outcome.ACCEPTED:
        rhi.outcome, rhi.outcome_recorded_at = Outcome.ACCEPTED, now
    record = Interview(rhi=rhi, updated_at=now, **interview)
    if not record.interviewer_id and not record.interviewer_name:
        record.interviewer = by
    record.full_clean(exclude=["rhi"])
    record.save()
    _finish(rhi, by=by, now=now, detail={"step": "interview"})
    return record


@transaction.atomic(durable=True)
def submit_for_approval(*, rhi_id: int, by: User, expected_version: int | None = None) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    _require_worker(rhi, by)
    _check_state(rhi, RHIAction.SUBMIT)
    if not Interview.objects.filter(rhi=rhi).exists():
        raise ValidationError({"__all__": "Record the interview before submitting the report."})
    if not rhi.consent_to_share:
        raise ValidationError(
            {"consent_to_share": "Record whether the child consents to information being shared."}
        )
    now = timezone.now()
    _move(rhi, action=RHIAction.SUBMIT, by=by, now=now)
    rhi.submitted_at, rhi.submitted_by = now, by
    call_after_commit(_announce_handoff, rhi.pk, "submitted", by.pk, now)
    return _finish(rhi, by=by, now=now, detail={"step": "submitted"})


# The audited steps that write the report's content (findings.py and record_interview): whoever took one of
# them in the current draft is an author of it, and four eyes means an author cannot also approve it.
AUTHORING_STEPS = ("interview", "interview_details", "findings", "consent")


def report_author_ids(rhi: ReturnHomeInterview) -> set[int]:
    """Everyone who recorded the interview or changed the interview details, findings or consent since the
    report went into draft (the append-only audit trail is the record of who changed what)."""
    draft_started = (
        StateTransition.objects.filter(rhi=rhi, to_state=RHIState.DRAFTING)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if draft_started is None:
        return set()
    actors = AuditEvent.objects.filter(
        object_type=ReturnHomeInterview._meta.label_lower,
        object_id=str(rhi.pk),
        action=AuditAction.UPDATE,
        outcome=AuditOutcome.ALLOWED,
        at__gte=draft_started,
        detail__step__in=AUTHORING_STEPS,
        actor_id__isnull=False,
    ).values_list("actor_id", flat=True)
    return set(actors)


def approval_refusal(rhi: ReturnHomeInterview, user: User) -> str:
    """Why this user may not approve this report (four eyes), or "" if nothing stands in the way of them
    doing so. The one rule: ``approve`` enforces it and the review page shows it before anyone tries."""
    if rhi.submitted_by_id == user.pk:
        return "A report cannot be approved by the person who submitted it. Another manager must approve it."
    if user.pk in report_author_ids(rhi):
        return (
            "You wrote or changed part of this report (the interview, findings or consent), so you cannot "
            "approve it. Another manager must approve it, or return it with comments."
        )
    return ""


@transaction.atomic(durable=True)
def approve(
    *, rhi_id: int, by: User, comments: str = "", expected_version: int | None = None
) -> ReturnHomeInterview:
    """Four eyes: a team manager of the provider who neither submitted the report nor wrote any of it in the
    current draft (``approval_refusal``). Approval freezes it."""
    rhi = _lock(rhi_id, expected_version)
    if rhi.provider_id not in managed_organisation_ids(by):
        raise ActionNotAllowed("Only a team manager of the provider can approve the report.")
    _check_state(rhi, RHIAction.APPROVE)
    refusal = approval_refusal(rhi, by)
    if refusal:
        raise ValidationError({"__all__": refusal})
    now = timezone.now()
    _move(rhi, action=RHIAction.APPROVE, by=by, now=now)
    rhi.approved_at, rhi.approved_by = now, by
    ReviewDecision.objects.create(
        rhi=rhi, reviewer=by, decision=ReviewDecisionKind.APPROVED, comments=comments, decided_at=now
    )
    _finish(rhi, by=by, now=now, detail={"step": "approved"})
    rhi_outcome(rhi=rhi)  # rhi.completed, in this transaction (docs/webhooks.md)
    # The frozen report and the placing authority's letter are rendered once, in the background, after the
    # approval is committed (the download page renders on demand if the worker has not got to it yet).
    call_after_commit(_enqueue_reports, rhi.pk)
    call_after_commit(_announce_handoff, rhi.pk, "approved", by.pk, now)
    return rhi


def _enqueue_reports(rhi_id: int) -> None:
    try:
        with publisher() as producer:
            for kind in ReportKind.values:
                send_task(GENERATE_REPORT_TASK, rhi_id, kind, producer=producer)
    except Exception as exc:
        # Nothing is lost: the download page renders the report on demand when none is stored.
        logger.warning(
            "broker unavailable (%s): report rendering for RHI %s not queued", type(exc).__name__, rhi_id
        )


@transaction.atomic(durable=True)
def return_for_changes(
    *, rhi_id: int, by: User, comments: str, expected_version: int | None = None
) -> ReturnHomeInterview:
    rhi = _lock(rhi_id, expected_version)
    if rhi.provider_id not in managed_organisation_ids(by):
        raise ActionNotAllowed("Only a team manager of the provider can return the report.")
    _check_state(rhi, RHIAction.RETURN)
    if not comments.strip():
        raise ValidationError({"comments": "Say what needs to change."})
    now = timezone.now()
    _move(rhi, action=RHIAction.RETURN, by=by, now=now)
    ReviewDecision.objects.create(
        rhi=rhi, reviewer=by, decision=ReviewDecisionKind.RETURNED, comments=comments.strip(), decided_at=now
    )
    call_after_commit(_announce_handoff, rhi.pk, "returned", by.pk, now)
    return _finish(rhi, by=by, now=now, detail={"step": "returned"})
