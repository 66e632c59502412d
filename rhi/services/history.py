"""Recording past RHI outcomes (historic import, docs/import-rhi-outcomes.md).

History did not go through allocation, contact and review in this service, so it does not go through the
lifecycle's transitions either: ``record_historic_outcome`` writes the offer, the outcome and the interview
an RHI ended with, closes it in the state that outcome ends in (an interview held closes it as approved,
marked ``source=import``: docs/decisions/0006-imported-history.md), records a StateTransition noted
"Imported from history" and audits codes and counts only. The returns read these fields exactly as they read
records made in the app.

Rules: an outcome recorded live in the app is never overwritten (nor an RHI already being worked on); the
same values again change nothing; imported values may be corrected by a later import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction, AuditEvent
from audit.services import audit_event
from core import date_messages
from missing_episodes.models import MissingEpisode
from rhi.models import (
    ChildChoice,
    ContactMethod,
    DeclinedBy,
    DeclineReason,
    Interview,
    InterviewerIndependence,
    InterviewLocation,
    NotOfferedReason,
    OfferedTo,
    Outcome,
    RecordSource,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
    StateTransition,
)
from rhi.services.deadlines import open_rhi_for_returned_episode
from rhi.transitions import TIME_NAMES

IMPORT_NOTE = "Imported from history"
INTERVIEWER_NOT_RECORDED = "Not recorded (imported history)"

TIME_FIELDS = ("offered_at", "interview_held_at")
CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "offered_to": tuple(OfferedTo.values),
    "offer_method": tuple(ContactMethod.values),
    "outcome": (Outcome.ACCEPTED, Outcome.DECLINED, Outcome.UNABLE_TO_CONTACT, Outcome.NOT_OFFERED),
    "declined_by": tuple(DeclinedBy.values),
    "decline_reason": tuple(DeclineReason.values),
    "not_offered_reason": tuple(NotOfferedReason.values),
    "interview_location": tuple(InterviewLocation.values),
    "interviewer_independence": tuple(InterviewerIndependence.values),
    "child_choice_of_interviewer": tuple(ChildChoice.values),
}
TEXT_FIELDS = ("decline_reason_text", "not_offered_text")
HISTORY_FIELDS: tuple[str, ...] = (
    "offered_at",
    "offered_to",
    "offer_method",
    "outcome",
    "declined_by",
    "decline_reason",
    "decline_reason_text",
    "not_offered_reason",
    "not_offered_text",
    "interview_held_at",
    "interview_location",
    "interviewer_independence",
    "child_choice_of_interviewer",
)
OFFER_FIELDS = ("offered_at", "offered_to", "offer_method")
DECLINE_FIELDS = ("declined_by", "decline_reason", "decline_reason_text")
NOT_OFFERED_FIELDS = ("not_offered_reason", "not_offered_text")
INTERVIEW_FIELDS = (
    "interview_held_at",
    "interview_location",
    "interviewer_independence",
    "child_choice_of_interviewer",
)
# Fields that only belong with one outcome: anything else in them contradicts the outcome.
ONLY_WITH: dict[str, tuple[str, ...]] = {
    Outcome.ACCEPTED: (*DECLINE_FIELDS, *NOT_OFFERED_FIELDS),
    Outcome.DECLINED: (*NOT_OFFERED_FIELDS, *INTERVIEW_FIELDS),
    Outcome.UNABLE_TO_CONTACT: (*DECLINE_FIELDS, *NOT_OFFERED_FIELDS, *INTERVIEW_FIELDS),
    Outcome.NOT_OFFERED: (*OFFER_FIELDS, *DECLINE_FIELDS, *INTERVIEW_FIELDS),
}
CLOSED_STATE_FOR: dict[str, str] = {
    Outcome.ACCEPTED: RHIState.APPROVED,
    Outcome.DECLINED: RHIState.DECLINED,
    Outcome.UNABLE_TO_CONTACT: RHIState.UNABLE_TO_CONTACT,
    Outcome.NOT_OFFERED: RHIState.NOT_OFFERED,
}
ALREADY_RECORDED = (
    "A different outcome is already recorded in the service for this RHI: an import does not overwrite it."
)
BEING_WORKED_ON = "This RHI is already being worked on in the service: record its outcome there."


@dataclass(frozen=True)
class HistoryResult:
    rhi: ReturnHomeInterview
    outcome: str  # "created", "updated" or "unchanged"


def normalise_history_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Every history field present: times as given (None = not known), codes and text stripped ("" = blank)."""
    unknown = set(fields) - set(HISTORY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown history fields: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name in HISTORY_FIELDS:
        value = fields.get(name)
        if name in TIME_FIELDS:
            # In UTC, as stored: a UK time in the autumn's repeated hour compares unequal to its own stored
            # instant across time zones (PEP 495), which would make a re-import "update" it every time.
            values[name] = value.astimezone(UTC) if value is not None else None
        else:
            values[name] = (value or "").strip()
    for name in CODE_FIELDS:
        values[name] = values[name].lower()
    return values


def validate_history_fields(values: dict[str, Any], *, returned_at: datetime | None) -> dict[str, str]:
    """Field errors (by CSV column) for one outcome: the codes, what each outcome needs and excludes, and the
    times (not in the future, not before the return, no offer after the interview)."""
    errors: dict[str, str] = {}
    outcome = values["outcome"]
    for name, allowed in CODE_FIELDS.items():
        if values[name] and values[name] not in allowed:
            errors[name] = f"'{values[name]}' is not one of: {', '.join(sorted(allowed))}."
    if not outcome:
        errors["outcome"] = f"Enter the outcome: one of {', '.join(sorted(CODE_FIELDS['outcome']))}."
    if "outcome" in errors:
        return errors
    # Each check adds only to fields without an error yet: the first thing wrong with a field is reported.
    _outcome_errors(values, outcome, errors)
    _time_errors(values, returned_at, errors)
    return errors


def _outcome_errors(values: dict[str, Any], outcome: str, errors: dict[str, str]) -> None:
    """What the outcome excludes (blank) and what it needs (an interview time, who declined and why …)."""
    for name in ONLY_WITH[outcome]:
        if values[name] and name not in errors:
            errors[name] = f"Leave this blank when the outcome is {outcome}."
    if outcome == Outcome.ACCEPTED and values["interview_held_at"] is None:
        errors["interview_held_at"] = "Enter when the interview was held: an accepted interview was held."
    if outcome == Outcome.DECLINED:
        _needs(values, errors, "declined_by", "Enter who declined the interview: child or parent_carer.")
        _needs(
            values, errors, "decline_reason", "Enter why the interview was declined (a decline reason code)."
        )
        if values["decline_reason"] == DeclineReason.OTHER and not values["decline_reason_text"]:
            errors["decline_reason_text"] = "Say why the interview was declined (the reason is 'other')."
    if outcome == Outcome.NOT_OFFERED:
        _needs(
            values, errors, "not_offered_reason", "Enter why the interview was not offered (a reason code)."
        )
        if values["not_offered_reason"] == NotOfferedReason.OTHER and not values["not_offered_text"]:
            errors["not_offered_text"] = "Say why the interview was not offered (the reason is 'other')."


def _needs(values: dict[str, Any], errors: dict[str, str], name: str, message: str) -> None:
    if not values[name] and name not in errors:
        errors[name] = message


def _time_errors(values: dict[str, Any], returned_at: datetime | None, errors: dict[str, str]) -> None:
    """Times not in the future, not before the return, and no offer after the interview."""
    now = timezone.now()
    for name in TIME_FIELDS:
        value = values[name]
        if value is None or name in errors:
            continue
        if value > now + timedelta(minutes=1):
            errors[name] = date_messages.in_future(TIME_NAMES[name])
        elif returned_at is not None and value < returned_at:
            errors[name] = date_messages.before(TIME_NAMES[name], "the child returned")
    offered_at, held_at = values["offered_at"], values["interview_held_at"]
    times_valid = "offered_at" not in errors and "interview_held_at" not in errors
    if offered_at is not None and held_at is not None and offered_at > held_at and times_valid:
        errors["offered_at"] = "The offer cannot be after the interview."


def _current_values(rhi: ReturnHomeInterview, interview: Interview | None) -> dict[str, Any]:
    return {
        "offered_at": rhi.offered_at,
        "offered_to": rhi.offered_to,
        "offer_method": rhi.offer_method,
        "outcome": rhi.outcome,
        "declined_by": rhi.declined_by,
        "decline_reason": rhi.decline_reason,
        "decline_reason_text": rhi.decline_reason_text,
        "not_offered_reason": rhi.not_offered_reason,
        "not_offered_text": rhi.not_offered_text,
        "interview_held_at": interview.held_at if interview else None,
        "interview_location": interview.location_type if interview else "",
        "interviewer_independence": interview.interviewer_independence if interview else "",
        "child_choice_of_interviewer": interview.child_choice_of_interviewer if interview else "",
    }


def _latest_return(rhi: ReturnHomeInterview) -> datetime | None:
    """The latest return among the episodes the RHI addresses (as the lifecycle checks its times)."""
    return max(
        (value for value in rhi.episodes.values_list("returned_at", flat=True) if value is not None),
        default=None,
    )


def historic_interview(
    rhi: ReturnHomeInterview,
    existing: Interview | None,
    values: dict[str, Any],
    now: datetime,
    *,
    reads: bool = True,
) -> Interview | None:
    """The RHI's interview as the outcome gives it (checked, not saved), or None: no interview held. ``reads``
    False (the batch import): without the checks that query (the one-per-RHI constraint; the database still
    refuses a second interview)."""
    if values["interview_held_at"] is None:
        return None
    interview = existing or Interview(rhi=rhi, interviewer_name=INTERVIEWER_NOT_RECORDED)
    interview.held_at = values["interview_held_at"]
    interview.location_type = values["interview_location"]
    interview.interviewer_independence = values["interviewer_independence"]
    interview.child_choice_of_interviewer = values["child_choice_of_interviewer"]
    interview.updated_at = now
    # History often does not say where, or who: blank is "not known" and is counted in no category.
    blank_allowed = [
        name
        for name in ("location_type", "interviewer_independence", "child_choice_of_interviewer")
        if not getattr(interview, name)
    ]
    interview.full_clean(exclude=["rhi", *blank_allowed], validate_unique=reads, validate_constraints=reads)
    return interview


def _save_interview(
    rhi: ReturnHomeInterview, existing: Interview | None, values: dict[str, Any], now: datetime
) -> None:
    interview = historic_interview(rhi, existing, values, now)
    if interview is None:
        if existing is not None:
            existing.delete()
        return
    if existing is None:
        # A new row: an interview already there would be a record made outside this service's rules, and
        # the one-per-RHI constraint refuses it rather than the import overwriting it.
        interview.save(force_insert=True)
    else:
        interview.save()


def interview_an_import_may_change(rhi: ReturnHomeInterview, interview: Interview | None) -> Interview | None:
    """The RHI's interview if an imported outcome may rewrite it: only one an import made (an interview made in
    the app is never overwritten). Ask before ``apply_historic_outcome``, which sets the RHI's source."""
    return interview if rhi.source == RecordSource.IMPORT else None


def decide_historic_outcome(
    rhi: ReturnHomeInterview,
    interview: Interview | None,
    values: dict[str, Any],
    *,
    latest_return: datetime | None,
) -> str:
    """What recording ``values`` on the RHI does: "unchanged", "created" or "updated"; or ValidationError keyed
    by the import's columns (the checks against the RHI's latest return, a live outcome never overwritten, an
    RHI being worked on left alone). The one rule for the per-row and the batch import."""
    errors = validate_history_fields(values, returned_at=latest_return)
    if errors:
        raise ValidationError(errors)
    imported = rhi.source == RecordSource.IMPORT
    if rhi.outcome and _current_values(rhi, interview) == values:
        return "unchanged"
    if not imported and rhi.outcome:
        raise ValidationError({"outcome": ALREADY_RECORDED})
    if not imported and rhi.state != RHIState.UNALLOCATED:
        raise ValidationError({"outcome": BEING_WORKED_ON})
    return "updated" if imported and rhi.outcome else "created"


def apply_historic_outcome(
    rhi: ReturnHomeInterview, values: dict[str, Any], *, now: datetime, source: str, reads: bool = True
) -> tuple[str, str]:
    """Set the outcome on the RHI and close it in the state the outcome ends in (checked, not saved); the
    states from and to. ``reads`` False: without the checks that query (the batch import)."""
    from_state, to_state = rhi.state, CLOSED_STATE_FOR[values["outcome"]]
    for name in (*OFFER_FIELDS, "outcome", *DECLINE_FIELDS, *NOT_OFFERED_FIELDS):
        setattr(rhi, name, values[name])
    rhi.outcome_recorded_at = now
    rhi.source = source
    rhi.state = to_state
    rhi.state_changed_at = now
    rhi.updated_at = now
    rhi.version += 1
    rhi.full_clean(
        exclude=["child", "local_authority", "provider", "team", "allocated_worker", "policy"],
        validate_unique=reads,
        validate_constraints=reads,
    )
    return from_state, to_state


def historic_records(
    rhi: ReturnHomeInterview,
    states: tuple[str, str],
    values: dict[str, Any],
    *,
    result: str,
    now: datetime,
    by: User | None,
    source: str,
) -> tuple[StateTransition, AuditEvent]:
    """The state transition and the audit event an imported outcome records (not saved)."""
    transition = StateTransition(
        rhi=rhi,
        from_state=states[0],
        to_state=states[1],
        at=now,
        by=by,
        note=IMPORT_NOTE if result == "created" else f"{IMPORT_NOTE} (corrected)",
    )
    event = audit_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=rhi,
        detail={
            "step": "imported_history",
            "result": result,
            "outcome": values["outcome"],
            "interview": values["interview_held_at"] is not None,
            "source": source,
        },
    )
    return transition, event


@transaction.atomic
def record_historic_outcome(
    *,
    episode: MissingEpisode,
    fields: dict[str, Any],
    by: User | None,
    source: str = RecordSource.IMPORT,
) -> HistoryResult:
    """Record the outcome an episode's RHI ended with, from history (a plain atomic block, not durable: an
    import's dry run runs every row inside one transaction it then rolls back). Opens the RHI (with the policy
    in force at the return, as the app does) when the returned episode has none yet. Raises ValidationError keyed by
    the import's column names; ``outcome`` of the result is created, updated or unchanged."""
    values = normalise_history_fields(fields)
    link = RHIEpisode.objects.filter(episode=episode).first()
    if link is None and episode.returned_at is None:
        raise ValidationError(
            "The episode has no return recorded, so it has no RHI: import the return (import_episodes) first."
        )
    preliminary = validate_history_fields(values, returned_at=episode.returned_at)
    if preliminary:
        raise ValidationError(preliminary)
    rhi_id = link.rhi_id if link is not None else open_rhi_for_returned_episode(episode=episode, by=by).pk
    rhi = ReturnHomeInterview.objects.select_for_update().get(pk=rhi_id)
    interview = Interview.objects.filter(rhi=rhi).first()
    result = decide_historic_outcome(rhi, interview, values, latest_return=_latest_return(rhi))
    if result == "unchanged":
        return HistoryResult(rhi=rhi, outcome=result)
    now = timezone.now()
    existing = interview_an_import_may_change(rhi, interview)  # before the outcome sets the RHI's source
    states = apply_historic_outcome(rhi, values, now=now, source=source)
    rhi.save()
    _save_interview(rhi, existing, values, now)
    transition, event = historic_records(rhi, states, values, result=result, now=now, by=by, source=source)
    transition.save(force_insert=True)
    event.save(force_insert=True)
    return HistoryResult(rhi=rhi, outcome=result)
