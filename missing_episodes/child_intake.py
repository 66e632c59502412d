"""Matching or creating the child a police notification is about (inside ``services.record_notification``,
which owns the transaction): by LA child id when given, else by the police reference already recorded, else by
name and date of birth (``missing_episodes.matching``). Several or near name matches make a provisional child
and a ``ChildMatchQuestion`` for a person (the "match the child" queue, ``missing_episodes.match_queue``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from access.episodes import visible_children
from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes import plausibility
from missing_episodes.matching import ChildMatch, match_child
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    DuplicateReason,
    DuplicateStatus,
    Gender,
    MissingEpisode,
    PossibleDuplicate,
)

# One answer whatever differs (date of birth, name or both): the API must not tell a caller which of a child's
# details it guessed right (issue 11 item 6).
CHILD_MISMATCH = "These details do not match the council's record of this child."


class ChildRecordMismatch(ValidationError):
    """A known LA child id with other details than the council's record (the API counts these per client)."""


@dataclass(frozen=True)
class ChildDetails:
    responsible_la: Organisation
    la_child_id: str  # blank: not known (a police file), so the child is matched by name and date of birth
    first_name: str
    last_name: str
    date_of_birth: date
    gender: str = Gender.NOT_KNOWN


def flag_possible_duplicates(child: Child) -> None:
    """Same name and date of birth elsewhere: a person decides (never merged silently)."""
    flag_possible_duplicates_of([child])


def flag_possible_duplicates_of(children: Sequence[Child]) -> None:
    """``flag_possible_duplicates`` for many children at once (the bulk import's new children): each pair of
    children with the same name, case-blind, and the same date of birth is recorded once (ordered pair; a pair
    already recorded is left as it is). Answered by the index on (UPPER(last_name), UPPER(first_name),
    date_of_birth) (``child_upper_name_dob_idx``): on PostgreSQL one statement, one index probe per child."""
    if not children:
        return
    if connection.vendor != "postgresql":
        for child in children:
            _flag_one(child)
        return
    table = Child._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {PossibleDuplicate._meta.db_table} (child_a_id, child_b_id, reason, status, found_at)
            SELECT DISTINCT LEAST(new.id, other.id), GREATEST(new.id, other.id), %s, %s, %s
            FROM {table} new
            JOIN {table} other
              ON UPPER(other.last_name) = UPPER(new.last_name)
             AND UPPER(other.first_name) = UPPER(new.first_name)
             AND other.date_of_birth = new.date_of_birth
             AND other.id <> new.id
            WHERE new.id = ANY(%s)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - the table names are the models' own; every value is a parameter
            [DuplicateReason.NAME_AND_DOB, DuplicateStatus.OPEN, timezone.now(), [c.pk for c in children]],
        )


def _flag_one(child: Child) -> None:
    """``flag_possible_duplicates_of``'s rule through the ORM (SQLite, the embedded default): Django's
    ``iexact`` is UPPER(name) = UPPER(%s) there too."""
    matches = (
        Child.objects.filter(
            first_name__iexact=child.first_name,
            last_name__iexact=child.last_name,
            date_of_birth=child.date_of_birth,
        )
        .exclude(pk=child.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    PossibleDuplicate.objects.bulk_create(
        [
            PossibleDuplicate(
                child_a_id=min(child.pk, other),
                child_b_id=max(child.pk, other),
                reason=DuplicateReason.NAME_AND_DOB,
            )
            for other in matches
        ],
        ignore_conflicts=True,
    )


def _mismatch_errors(
    child: Child, details: ChildDetails, *, same_name: bool, by: User | None
) -> dict[str, str]:
    """Which detail differs, only for someone who may see the child anyway (the council's own staff, or an
    operator's command line import); anyone else gets the one generic answer."""
    if by is not None and not visible_children(by).filter(pk=child.pk).exists():
        return {"la_child_id": CHILD_MISMATCH}
    errors = {}
    if child.date_of_birth != details.date_of_birth:
        errors["date_of_birth"] = "This LA child ID belongs to a child with a different date of birth."
    if not same_name:
        errors["last_name"] = "This LA child ID belongs to a child with a different name."
    return errors


def _known_child(
    *, details: ChildDetails, police_force: Organisation, police_reference: str
) -> tuple[Child | None, ChildMatch | None]:
    """The child a notification names, if known: by LA child id when given; else the child of the episode with
    this police reference (a re-import stays where it was put, matched or not); else by name and date of birth
    (``missing_episodes.matching``: one exact match, or the candidates a person must choose between)."""
    if details.la_child_id:
        # With its council: the episode takes it as its responsible LA (one read fewer per row of an import).
        child = (
            Child.objects.filter(responsible_la=details.responsible_la, la_child_id=details.la_child_id)
            .select_related("responsible_la")
            .first()
        )
        return child, None
    episode = (
        MissingEpisode.objects.filter(police_force=police_force, police_reference=police_reference)
        .select_related("child__responsible_la")
        .first()
    )
    if episode is not None:
        return episode.child, None
    match = match_child(
        responsible_la=details.responsible_la,
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
    )
    return match.child, match


def has_same_name(child: Child, details: ChildDetails) -> bool:
    """Whether a notification naming a known LA child id gives the council's name for the child (case aside)."""
    return (child.first_name.casefold(), child.last_name.casefold()) == (
        details.first_name.casefold(),
        details.last_name.casefold(),
    )


def match_or_create_child(
    *, details: ChildDetails, police_force: Organisation, police_reference: str, by: User | None
) -> tuple[Child, bool, ChildMatch | None]:
    """The known child (``_known_child``) or a new one (inside ``record_notification`` only: it owns the
    transaction); with the name match when a person must choose. A known id with a different date of birth or
    name is refused rather than guessed at: the caller fixes the source. The refusal says which detail differs
    only to someone who may see the child (``_mismatch_errors``)."""
    child, match = _known_child(details=details, police_force=police_force, police_reference=police_reference)
    if child is not None and details.la_child_id:
        same_name = has_same_name(child, details)
        if child.date_of_birth != details.date_of_birth or not same_name:
            raise ChildRecordMismatch(_mismatch_errors(child, details, same_name=same_name, by=by))
    if child is not None:
        return child, False, None
    return create_child(details=details, match=match, by=by)


def create_child(
    *, details: ChildDetails, match: ChildMatch | None, by: User | None
) -> tuple[Child, bool, ChildMatch | None]:
    if details.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": plausibility.DOB_IN_FUTURE})
    child = new_child(details, now=timezone.now())
    child.full_clean()
    child.save()
    flag_possible_duplicates(child)
    record_event(actor=by, action=AuditAction.CREATE, obj=child)
    return child, True, match if match is not None and match.question is not None else None


def new_child(details: ChildDetails, *, now: datetime) -> Child:
    """The child a notification makes (not saved): ``create_child``'s and the bulk import's."""
    return Child(
        responsible_la=details.responsible_la,
        la_child_id=details.la_child_id,
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        gender=details.gender,
        created_at=now,
        updated_at=now,
    )


def new_child_valid(child: Child) -> bool:
    """Whether ``create_child`` would accept the child, asked without a query (the bulk import: its LA was just
    read, and the LA child id was looked for in the batch's read; the database still refuses a duplicate id).
    False: the row goes through ``record_notification``, which reports the problem as it always does."""
    try:
        child.full_clean(exclude=["responsible_la"], validate_unique=False, validate_constraints=False)
    except ValidationError:
        return False
    return True


def raise_match_question(
    *, child: Child, episode: MissingEpisode, match: ChildMatch, by: User | None
) -> ChildMatchQuestion:
    """Put the provisional child on the "match the child" queue (the episode is already recorded on it)."""
    reason = match.question
    assert reason is not None
    question = ChildMatchQuestion.objects.create(
        responsible_la_id=child.responsible_la_id,
        provisional_child=child,
        episode=episode,
        reason=reason,
        raised_by=by,
    )
    question.candidates.set(match.candidates)
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=question,
        detail={"step": "match_queued", "reason": reason, "candidates": len(match.candidates)},
    )
    return question
