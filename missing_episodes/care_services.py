"""Writes about periods of care: record, end, correct, delete (docs/domain-model.md "Periods of care").

Every channel (the child's page, the API, the CSV import) calls these, so one place decides what a valid period
is: it starts on or after birth and not in the future, it ends (``end_date``, SSDA903's DEC: the day care ceased)
on or after its start, not in the future and at the latest on the 18th birthday, it has a DfE legal status code,
and it does not overlap another period of the child (one ending on a day and the next starting that day do not
overlap). The child's row is locked while a period is checked and saved, so two requests cannot both add
overlapping periods. Audit events carry the field names and the old and new dates and codes, never a name.
A change or deletion may name the ``updated_at`` the caller read (a form's hidden stamp, the API's If-Match):
if the period has changed since, ``StaleCarePeriod`` is raised and nothing is saved.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from access.episodes import can_record_care
from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed
from missing_episodes.models import (
    CareDeletionReason,
    CareLegalStatus,
    CarePeriod,
    CareSource,
    Child,
    eighteenth_birthday,
)

logger = logging.getLogger(__name__)

CARE_FIELDS = ("start_date", "end_date", "legal_status")
NOT_ALLOWED = "Only the child's council's RHI workers and team managers can record periods of care."
STALE = "Someone else changed or deleted this period of care since you opened it: nothing was saved."


class CareCorrectionReason(models.TextChoices):
    """Why a period was corrected: a code for the audit trail (free text may name people)."""

    WRONG_DATE = "wrong_date", "A date was recorded wrongly"
    WRONG_LEGAL_STATUS = "wrong_legal_status", "The legal status was recorded wrongly"
    LATER_INFORMATION = "later_information", "Later information changed it (for example a court's decision)"


class StaleCarePeriod(Exception):
    """The period changed (or was deleted) after the caller read it."""

    def __init__(self, message: str = STALE) -> None:
        super().__init__(message)


def _date_errors(child: Child, start_date: date, end_date: date | None, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    adult_on = eighteenth_birthday(child.date_of_birth)
    if start_date > today:
        errors["start_date"] = "The date care started cannot be in the future."
    elif start_date < child.date_of_birth:
        errors["start_date"] = "Care cannot start before the child was born."
    elif start_date >= adult_on:
        errors["start_date"] = "Care must start before the child's 18th birthday."
    if end_date is not None:
        if end_date < start_date:
            errors["end_date"] = "The date care ceased cannot be before the date it started."
        elif end_date > today:
            errors["end_date"] = "The date care ceased cannot be in the future."
        elif end_date > adult_on:
            errors["end_date"] = (
                f"Care ceases at the latest on the child's 18th birthday ({adult_on:%d/%m/%Y})."
            )
    return errors


def validate_care_period(
    *,
    child: Child,
    start_date: date,
    end_date: date | None,
    legal_status: str,
    excluding: CarePeriod | None = None,
) -> None:
    """Raise ValidationError (by field) unless this period may be saved for the child; ``excluding`` is the
    period being corrected. Writes nothing: an import's dry run asks this too."""
    errors = _date_errors(child, start_date, end_date, timezone.localdate())
    if legal_status not in CareLegalStatus.values and not (
        excluding is not None and excluding.source == CareSource.MIGRATION and legal_status == ""
    ):
        errors["legal_status"] = "Choose the legal status (the DfE code)."
    if not errors:
        others = CarePeriod.objects.filter(child_id=child.pk)
        if excluding is not None:
            others = others.exclude(pk=excluding.pk)
        # Half-open spans [start, end): they overlap when each starts before the other ends.
        overlapping = others.filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
        if end_date is not None:
            overlapping = overlapping.filter(start_date__lt=end_date)
        clash = overlapping.order_by("start_date").first()
        if clash is not None:
            ends = f"{clash.end_date:%d/%m/%Y}" if clash.end_date else "still open"
            errors["start_date"] = (
                f"This overlaps the period of care from {clash.start_date:%d/%m/%Y} ({ends})."
            )
    if errors:
        raise ValidationError(errors)


def _lock_child(child: Child, by: User | None) -> Child:
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if by is not None and not can_record_care(by, locked):
        raise ActionNotAllowed(NOT_ALLOWED)
    return locked


def _lock_period(
    period: CarePeriod, by: User | None, expected_updated_at: datetime | None = None
) -> CarePeriod:
    """Lock the child, then re-read the period (someone may have changed it since the caller loaded it);
    with ``expected_updated_at``, a period changed or deleted since is refused (``StaleCarePeriod``)."""
    child = _lock_child(period.child, by)
    current = CarePeriod.objects.filter(pk=period.pk).first()
    if current is None or (expected_updated_at is not None and current.updated_at != expected_updated_at):
        raise StaleCarePeriod()
    current.child = child
    return current


def _dates(period: CarePeriod) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name in CARE_FIELDS
        if (value := getattr(period, name)) is not None or name == "end_date"
    }


def record_care_period(
    *,
    child: Child,
    start_date: date,
    end_date: date | None,
    legal_status: str,
    by: User | None,
    source: str,
) -> CarePeriod:
    """Record a period of care for the child (``by`` None only for an operator's command or the demo seed).

    Plain atomic, not durable: the API's idempotency wrapper (api.idempotency.run_once) runs it in its own
    transaction, so the stored answer commits with the period."""
    with transaction.atomic():
        locked = _lock_child(child, by)
        validate_care_period(
            child=locked, start_date=start_date, end_date=end_date, legal_status=legal_status
        )
        now = timezone.now()
        period = CarePeriod(
            child=locked,
            start_date=start_date,
            end_date=end_date,
            legal_status=legal_status,
            recorded_by=by,
            source=source,
            created_at=now,
            updated_at=now,
        )
        period.full_clean()
        period.save()
        record_event(
            actor=by, action=AuditAction.CREATE, obj=period, detail={"new": _dates(period), "source": source}
        )
    return period


def _save_change(
    period: CarePeriod, changes: dict[str, Any], by: User | None, step: str, reason: str = ""
) -> CarePeriod:
    before = _dates(period)
    for name, value in changes.items():
        setattr(period, name, value)
    changed = [name for name in CARE_FIELDS if _dates(period).get(name) != before.get(name)]
    if not changed:
        return period
    validate_care_period(
        child=period.child,
        start_date=period.start_date,
        end_date=period.end_date,
        legal_status=period.legal_status,
        excluding=period,
    )
    period.updated_at = timezone.now()
    period.full_clean()
    period.save()
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=period,
        detail={
            "step": step,
            "changed": changed,
            "old": {name: before.get(name) for name in changed},
            "new": {name: _dates(period).get(name) for name in changed},
        }
        | ({"reason": reason} if reason else {}),
    )
    return period


@transaction.atomic(durable=True)
def end_care_period(
    *, period: CarePeriod, end_date: date, by: User | None, expected_updated_at: datetime | None = None
) -> CarePeriod:
    """The child ceased to be looked after on ``end_date`` (SSDA903 DEC). ``by`` None only for an operator's
    command (import_care_periods)."""
    current = _lock_period(period, by, expected_updated_at)
    if current.end_date is not None:
        raise ValidationError({"end_date": "This period of care has already ended: correct it instead."})
    return _save_change(current, {"end_date": end_date}, by, "ended")


@transaction.atomic(durable=True)
def correct_care_period(
    *,
    period: CarePeriod,
    start_date: date,
    end_date: date | None,
    legal_status: str,
    by: User | None,
    expected_updated_at: datetime | None = None,
    reason: str = "",
) -> CarePeriod:
    """Put right a period recorded wrongly (any of its dates or its legal status). ``by`` None only for an
    operator's command (import_care_periods gives a migrated period its legal status). ``reason`` is a
    ``CareCorrectionReason`` code, kept in the audit trail; the page and the API ask for one, the importer
    gives none."""
    if reason and reason not in CareCorrectionReason.values:
        raise ValidationError({"reason": "Choose why this period of care is being corrected."})
    current = _lock_period(period, by, expected_updated_at)
    changes = {"start_date": start_date, "end_date": end_date, "legal_status": legal_status}
    return _save_change(current, changes, by, "corrected", reason)


@transaction.atomic(durable=True)
def delete_care_period(
    *, period: CarePeriod, by: User, reason: str, expected_updated_at: datetime | None = None
) -> None:
    """Remove a period recorded in error; the reason is a ``CareDeletionReason`` code, kept in the audit trail."""
    if reason not in CareDeletionReason.values:
        raise ValidationError({"reason": "Choose why this period of care is being deleted."})
    current = _lock_period(period, by, expected_updated_at)
    old, pk = _dates(current), current.pk
    current.delete()
    record_event(
        actor=by,
        action=AuditAction.DELETE,
        object_type=CarePeriod._meta.label_lower,
        object_id=str(pk),
        detail={"old": old, "reason": reason},
    )


def _latest_birth_date_of_an_adult(today: date) -> date:
    """Children born on or before this day are 18 by ``today`` (a superset on 29 February; each is checked)."""
    try:
        return today.replace(year=today.year - 18)
    except ValueError:
        return date(today.year - 18, 2, 28)


@transaction.atomic(durable=True)
def _end_at_eighteen(period_id: int, today: date) -> bool:
    period = CarePeriod.objects.filter(pk=period_id, end_date__isnull=True).select_related("child").first()
    if period is None:
        return False  # ended meanwhile, by a person or an earlier run
    current = _lock_period(period, None)
    adult_on = eighteenth_birthday(current.child.date_of_birth)
    if current.end_date is not None or adult_on > today:
        return False
    _save_change(current, {"end_date": adult_on}, None, "eighteenth_birthday")
    return True


def end_care_at_eighteen(*, today: date | None = None) -> int:
    """End every open period of care of a child who has turned 18 on the 18th birthday (care ceases then at
    the latest), as the system (audited with no actor, step ``eighteenth_birthday``). Idempotent: a period
    already ended is left alone, so a missed day is caught up by the next run. One transaction per period, so
    one that cannot be ended (e.g. it started after the birthday) does not hold up the others. Returns how
    many were ended."""
    today = today or timezone.localdate()
    candidates = CarePeriod.objects.filter(
        end_date__isnull=True, child__date_of_birth__lte=_latest_birth_date_of_an_adult(today)
    ).values_list("pk", flat=True)
    ended = refused = 0
    for period_id in list(candidates):
        try:
            ended += _end_at_eighteen(period_id, today)
        except ValidationError:
            refused += 1  # the child's page shows the open period; ids and counts only in the log
            logger.warning("care period %s could not be ended at 18", period_id)
    if refused:
        logger.warning("%s open care periods of adults could not be ended at 18", refused)
    return ended
