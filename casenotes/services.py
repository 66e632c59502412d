"""Writing case notes (docs/case-notes.md). Append-only: a note is never changed; a correction is a new note that
points at the one it corrects, and the timeline shows both."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access.casenotes import author_organisation_id, can_add_case_note, can_correct_case_note
from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from casenotes.models import MAX_TEXT_LENGTH, CaseNote, NoteKind
from core.exceptions import ActionNotAllowed
from missing_episodes.models import Child

# A note written at 10:00 about a call "at 10:01" by a slightly fast office clock is not in the future.
CLOCK_SKEW = timedelta(minutes=5)
TEXT_TOO_LONG = f"The note must be {MAX_TEXT_LENGTH:,} characters or fewer."


def _errors(child: Child, *, occurred_at: datetime, kind: str, text: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in NoteKind.values:
        errors["kind"] = "Choose what kind of note this is."
    if not text.strip():
        errors["text"] = "Enter the note."
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = TEXT_TOO_LONG
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = "The date and time of the contact must be in the past."
    elif timezone.localdate(occurred_at) < child.date_of_birth:
        errors["occurred_at"] = "The date and time of the contact must be after the child was born."
    return errors


# Plain atomic, not durable: the API's idempotency wrapper (api.idempotency.run_once) runs it inside its own.
@transaction.atomic()
def add_case_note(
    *,
    child_id: int,
    by: User,
    occurred_at: datetime,
    kind: str,
    text: str,
    corrects_id: int | None = None,
    request: HttpRequest | None = None,
) -> CaseNote:
    """Record a note on the child, or (``corrects_id``) a correction of an earlier note of the same child.

    Raises ``ValidationError`` with field errors (kind, text, occurred_at) and ``ActionNotAllowed`` when the
    user may not write it (the caller has already answered 404 for a child the user cannot see)."""
    child = Child.objects.get(pk=child_id)
    corrected: CaseNote | None = None
    if corrects_id is not None:
        corrected = CaseNote.objects.select_related("child").filter(pk=corrects_id, child_id=child.pk).first()
        if corrected is None:
            raise ValidationError({"corrects": "Choose a note of this child to correct."})
        # A correction of a correction corrects the original: one note, one list of corrections.
        if corrected.corrects_id is not None:
            corrected = CaseNote.objects.select_related("child").get(pk=corrected.corrects_id)
        if not can_correct_case_note(by, corrected):
            raise ActionNotAllowed("Only the note's author or a manager of their team can correct it.")
    elif not can_add_case_note(by, child):
        raise ActionNotAllowed("Only the child's workers and their managers can add case notes.")
    errors = _errors(child, occurred_at=occurred_at, kind=kind, text=text)
    if errors:
        raise ValidationError(errors)
    organisation_id = author_organisation_id(by)
    if organisation_id is None:
        raise ActionNotAllowed("Only the child's workers and their managers can add case notes.")
    note = CaseNote.objects.create(
        child=child,
        organisation_id=organisation_id,
        author=by,
        occurred_at=occurred_at,
        kind=kind,
        text=text.strip(),
        corrects=corrected,
    )
    detail: dict[str, object] = {"kind": kind, "child": child.pk}
    if corrected is not None:
        detail["corrects"] = corrected.pk
    record_event(actor=by, action=AuditAction.CREATE, obj=note, level="full", request=request, detail=detail)
    return note
