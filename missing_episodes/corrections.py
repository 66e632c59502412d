"""Correcting facts recorded wrongly (issue 14 item 4; docs/corrections.md): an episode's time last seen, police
notification time and return time, and a child's date of birth, from the episode's and the child's pages.

Who may: ``access.episodes.can_correct_facts``. Each correction needs a reason (a code for the audit trail) and
an explanation, goes through the same plausible-date rules as a notification (``services.check_episode``,
``missing_episodes.plausibility``), is kept as a ``FactCorrection`` (old and new value) and audited with the
field, the old and the new value and the reason code (never the explanation, which may name people). A
corrected time recalculates the RHI's deadlines through the one service (``rhi.services.recompute_deadlines``)
and, when its due time moved, leaves a note on the RHI's history. Each function owns its transaction, locks
the record and refuses a stamp (``updated_at``) older than the record's: someone else changed it meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.episodes import can_correct_facts
from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed
from missing_episodes import plausibility
from missing_episodes.episode_changes import refresh_returns_category
from missing_episodes.models import (
    EPISODE_FIELDS,
    CarePeriod,
    Child,
    CorrectedField,
    CorrectionReason,
    FactCorrection,
    MissingEpisode,
    eighteenth_birthday,
)
from missing_episodes.services import check_age, check_episode, flag_possible_duplicates
from rhi.models import ReturnHomeInterview, RHIEpisode, StateTransition
from rhi.services import recompute_deadlines

NOT_ALLOWED = (
    "Only RHI workers and team managers of the child's council, or of the provider that records its police "
    "notifications, can correct these facts."
)
STALE = (
    "Someone else changed this record while you were correcting it: nothing was saved. Check the details "
    "below and correct it again if it is still needed."
)


class StaleRecordError(Exception):
    """The record changed after the person opened the correction form."""

    def __init__(self, message: str = STALE) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class DueMoved:
    rhi: ReturnHomeInterview
    old_due: datetime | None
    new_due: datetime | None


@dataclass(frozen=True)
class CorrectionResult:
    correction: FactCorrection
    due_moved: DueMoved | None = None


def stored_value(value: date | datetime | None) -> str:
    """How a corrected value is kept and audited: ISO 8601 (a time in UTC), "" for not recorded."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _reason_errors(reason: str, explanation: str) -> dict[str, str]:
    errors = {}
    if reason not in CorrectionReason.values:
        errors["reason"] = "Choose why this is being corrected."
    if not explanation.strip():
        errors["explanation"] = "Explain the correction, for example where the right value comes from."
    return errors


def _record(
    *,
    child: Child,
    episode: MissingEpisode | None,
    field: str,
    old: date | datetime | None,
    new: date | datetime | None,
    reason: str,
    explanation: str,
    by: User,
) -> FactCorrection:
    correction = FactCorrection(
        child=child,
        episode=episode,
        field=field,
        old_value=stored_value(old),
        new_value=stored_value(new),
        reason=reason,
        explanation=explanation.strip(),
        by=by,
        at=timezone.now(),
    )
    correction.full_clean()
    correction.save()
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=episode if episode is not None else child,
        detail={
            "step": "corrected",
            "field": field,
            "old": correction.old_value,
            "new": correction.new_value,
            "reason": reason,
            "correction": correction.pk,
        },
    )
    return correction


def _due_note(field: str, episode: MissingEpisode, moved: DueMoved, reason: str) -> str:
    def shown(value: datetime | None) -> str:
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}" if value is not None else "not set"

    what = CorrectedField(field).label.lower()
    return (
        f"Due time moved from {shown(moved.old_due)} to {shown(moved.new_due)}: episode {episode.pk}'s "
        f"'{what}' was corrected ({CorrectionReason(reason).label.lower()})."
    )


def _recalculate(episode: MissingEpisode, correction: FactCorrection, *, by: User) -> DueMoved | None:
    """The RHI addressing the episode takes its deadlines from the one service; a moved due time is noted on
    the RHI's history and audited."""
    link = RHIEpisode.objects.filter(episode=episode).select_related("rhi").first()
    if link is None:
        return None
    old_due = ReturnHomeInterview.objects.values_list("due_at", flat=True).get(pk=link.rhi_id)
    rhi = recompute_deadlines(rhi=link.rhi)
    if rhi.due_at == old_due:
        return None
    moved = DueMoved(rhi=rhi, old_due=old_due, new_due=rhi.due_at)
    StateTransition.objects.create(
        rhi=rhi,
        from_state=rhi.state,
        to_state=rhi.state,
        at=correction.at,
        by=by,
        note=_due_note(correction.field, episode, moved, correction.reason),
    )
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=rhi,
        detail={
            "step": "due_moved_by_correction",
            "correction": correction.pk,
            "old": stored_value(old_due),
            "new": stored_value(rhi.due_at),
        },
    )
    return moved


def _episode_value_errors(episode: MissingEpisode, field: str, value: datetime | None) -> dict[str, str]:
    name = plausibility.TIME_NAMES[field]
    old = getattr(episode, field)
    if field == CorrectedField.RETURNED_AT and old is None:
        return {field: "The child has no return recorded: record the return instead of correcting it."}
    if value is None and field != CorrectedField.POLICE_NOTIFIED_AT:
        return {field: f"Enter the corrected {name}."}
    if value == old:
        return {field: f"This is the {name} already recorded: enter the corrected one."}
    return {}


@transaction.atomic(durable=True)
def correct_episode_time(
    *,
    episode_id: int,
    field: str,
    value: datetime | None,
    reason: str,
    explanation: str,
    expected_updated_at: str,
    by: User,
    confirm_age: bool = False,
) -> CorrectionResult:
    """Correct one of ``EPISODE_FIELDS`` (the police notification time may be cleared: None). Raises
    ValidationError by field (``ImplausibleAge`` when a corrected time last seen makes the child over 25,
    until ``confirm_age``), ActionNotAllowed, or StaleRecordError."""
    if field not in EPISODE_FIELDS:
        raise TypeError(f"Not a correctable episode field: {field!r}")
    episode = (
        MissingEpisode.objects.select_for_update(of=("self",)).select_related("child").get(pk=episode_id)
    )
    if not can_correct_facts(by, episode):
        raise ActionNotAllowed(NOT_ALLOWED)
    if episode.updated_at.isoformat() != expected_updated_at:
        raise StaleRecordError
    errors = _episode_value_errors(episode, field, value) | _reason_errors(reason, explanation)
    if errors:
        raise ValidationError(errors)
    old = getattr(episode, field)
    setattr(episode, field, value)
    check_episode(episode, confirm_age=confirm_age, ask_age=field == CorrectedField.MISSING_AT)
    episode.updated_at = timezone.now()
    episode.save(update_fields=[field, "updated_at"])
    if field == CorrectedField.RETURNED_AT:
        # A reclassification timed before the return counts differently from one after it.
        refresh_returns_category(episode)
    correction = _record(
        child=episode.child,
        episode=episode,
        field=field,
        old=old,
        new=value,
        reason=reason,
        explanation=explanation,
        by=by,
    )
    return CorrectionResult(correction=correction, due_moved=_recalculate(episode, correction, by=by))


def _birth_errors(child: Child, value: date) -> dict[str, str]:
    if value == child.date_of_birth:
        return {"date_of_birth": "This is the date of birth already recorded: enter the corrected one."}
    if value > timezone.localdate():
        return {"date_of_birth": plausibility.DOB_IN_FUTURE}
    first = child.episodes.order_by("missing_at").first()
    if first is not None and plausibility.birth_error(value, first.missing_at) is not None:
        return {
            "date_of_birth": "The date of birth must be before the day the child first went missing "
            f"({timezone.localdate(first.missing_at):%d/%m/%Y})."
        }
    care = CarePeriod.objects.filter(child=child).order_by("start_date")
    if care.filter(start_date__lt=value).exists():
        return {"date_of_birth": "A period of care starts before this date of birth: correct that first."}
    if care.filter(end_date__gt=eighteenth_birthday(value)).exists():
        return {
            "date_of_birth": "A period of care ends after the 18th birthday this date of birth gives: "
            "correct that first."
        }
    if child.legal_status_since is not None and child.legal_status_since < value:
        return {"date_of_birth": "The child's legal status starts before this date of birth."}
    return {}


@transaction.atomic(durable=True)
def correct_date_of_birth(
    *,
    child_id: int,
    value: date,
    reason: str,
    explanation: str,
    expected_updated_at: str,
    by: User,
    confirm_age: bool = False,
) -> CorrectionResult:
    """Correct a child's date of birth: before the day of their first episode, consistent with their periods
    of care, and asked about (``ImplausibleAge``) when it makes them over 25 at their latest episode (or
    today, with none). No deadline depends on it; an approved report shows it was corrected."""
    child = Child.objects.select_for_update().get(pk=child_id)
    if not can_correct_facts(by, child):
        raise ActionNotAllowed(NOT_ALLOWED)
    if child.updated_at.isoformat() != expected_updated_at:
        raise StaleRecordError
    errors = _birth_errors(child, value) | _reason_errors(reason, explanation)
    if errors:
        raise ValidationError(errors)
    latest = child.episodes.order_by("-missing_at").first()
    check_age(value, latest.missing_at if latest else timezone.now(), confirm_age=confirm_age)
    old = child.date_of_birth
    child.date_of_birth = value
    child.updated_at = timezone.now()
    child.full_clean()
    child.save(update_fields=["date_of_birth", "updated_at"])
    flag_possible_duplicates(child)
    correction = _record(
        child=child,
        episode=None,
        field=CorrectedField.DATE_OF_BIRTH,
        old=old,
        new=value,
        reason=reason,
        explanation=explanation,
        by=by,
    )
    return CorrectionResult(correction=correction)
