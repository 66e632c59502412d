"""Writes about periods of care: record, end, correct, delete (docs/domain-model.md "Periods of care").

Every channel (the child's page, the API, the CSV import) calls these, so one place decides what a valid period
is: it starts on or after birth and not in the future, it ends (``end_date``, SSDA903's DEC: the day care ceased)
on or after its start, not in the future and at the latest on the 18th birthday, it has a DfE legal status code,
and it does not overlap another period of the child (one ending on a day and the next starting that day do not
overlap). The child's row is locked while a period is checked and saved, so two requests cannot both add
overlapping periods. Audit events carry the field names and the old and new dates and codes, never a name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
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

CARE_FIELDS = ("start_date", "end_date", "legal_status")
NOT_ALLOWED = "Only the child's council's RHI workers and team managers can record periods of care."


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


def _lock_period(period: CarePeriod, by: User | None) -> CarePeriod:
    """Lock the child, then re-read the period (someone may have changed it since the caller loaded it)."""
    child = _lock_child(period.child, by)
    current = CarePeriod.objects.get(pk=period.pk)
    current.child = child
    return current


def _dates(period: CarePeriod) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name in CARE_FIELDS
        if (value := getattr(period, name)) is not None or name == "end_date"
    }


@transaction.atomic(durable=True)
def record_care_period(
    *,
    child: Child,
    start_date: date,
    end_date: date | None,
    legal_status: str,
    by: User | None,
    source: str,
) -> CarePeriod:
    """Record a period of care for the child (``by`` None only for an operator's command or the demo seed)."""
    locked = _lock_child(child, by)
    validate_care_period(child=locked, start_date=start_date, end_date=end_date, legal_status=legal_status)
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


def _save_change(period: CarePeriod, changes: dict[str, Any], by: User | None, step: str) -> CarePeriod:
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
        },
    )
    return period


@transaction.atomic(durable=True)
def end_care_period(*, period: CarePeriod, end_date: date, by: User | None) -> CarePeriod:
    """The child ceased to be looked after on ``end_date`` (SSDA903 DEC). ``by`` None only for an operator's
    command (import_care_periods)."""
    current = _lock_period(period, by)
    if current.end_date is not None:
        raise ValidationError({"end_date": "This period of care has already ended: correct it instead."})
    return _save_change(current, {"end_date": end_date}, by, "ended")


@transaction.atomic(durable=True)
def correct_care_period(
    *, period: CarePeriod, start_date: date, end_date: date | None, legal_status: str, by: User | None
) -> CarePeriod:
    """Put right a period recorded wrongly (any of its dates or its legal status). ``by`` None only for an
    operator's command (import_care_periods gives a migrated period its legal status)."""
    current = _lock_period(period, by)
    changes = {"start_date": start_date, "end_date": end_date, "legal_status": legal_status}
    return _save_change(current, changes, by, "corrected")


@transaction.atomic(durable=True)
def delete_care_period(*, period: CarePeriod, by: User, reason: str) -> None:
    """Remove a period recorded in error; the reason is a ``CareDeletionReason`` code, kept in the audit trail."""
    if reason not in CareDeletionReason.values:
        raise ValidationError({"reason": "Choose why this period of care is being deleted."})
    current = _lock_period(period, by)
    old, pk = _dates(current), current.pk
    current.delete()
    record_event(
        actor=by,
        action=AuditAction.DELETE,
        object_type=CarePeriod._meta.label_lower,
        object_id=str(pk),
        detail={"old": old, "reason": reason},
    )
