"""Deciding the "match the child" queue (issue 14 item 1): a notification without an LA child id fitted several
of the council's children, or nearly fitted one, so its episode was recorded on a provisional child and a
``ChildMatchQuestion`` raised (``missing_episodes.child_intake``). An RHI worker or team manager of the
responsible LA (or the provider it commissions: ``access.episodes.can_decide_child_match``) decides:

- **this child** (one of the candidates they may see): the provisional child's episodes, RHIs, disclosures,
  corrections and pending links move to the chosen child and the provisional child is removed. The episode's
  times are not touched, so its clock runs from them as before; the move is refused if it would overlap one of
  the chosen child's episodes.
- **a new child**: the provisional child is kept as the child, and any possible-duplicate flags against the
  candidates are marked "not the same child".

Nothing is merged or guessed without a person; every decision is audited (docs/import-episodes.md).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access.episodes import can_decide_child_match, visible_children
from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed, TransitionError
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    DuplicateStatus,
    FactCorrection,
    MatchStatus,
    MissingEpisode,
    PendingEpisodeLink,
    PossibleDuplicate,
)
from missing_episodes.services import check_episode, placement_snapshot
from rhi.models import ReturnHomeInterview
from rhi.services import recompute_deadlines
from sharing.models import Disclosure
from sharing.out_of_area import notify_placing_authority_of_episode

NOT_A_CANDIDATE = "Choose one of the children listed, or a new child."
# Records only a person adds to a child: if someone added them to the provisional child meanwhile, removing it
# would lose them, so the match is refused and the duplicate is left for the possible-duplicates review.
ADDED_SINCE = (
    "Someone has added placements, periods of care, flags or case notes to this new record since it was made, "
    "so it cannot be removed: choose a new child, and the two records will be reviewed as possible duplicates."
)


def _lock_open(question_id: int, by: User) -> ChildMatchQuestion:
    question = (
        ChildMatchQuestion.objects.select_for_update(of=("self",))
        .select_related("provisional_child")
        .get(pk=question_id)
    )
    if question.status != MatchStatus.OPEN:
        raise TransitionError("This child has already been matched.")
    if not can_decide_child_match(by, question):
        raise ActionNotAllowed(
            "Only the child's council or the provider it commissions can match this child."
        )
    return question


def _decided(question: ChildMatchQuestion, *, status: str, by: User, note: str) -> None:
    question.status = status
    question.decided_by, question.decided_at, question.decision_note = by, timezone.now(), note.strip()
    question.full_clean()
    question.save()


def _move_episodes(provisional: Child, chosen: Child, by: User) -> list[int]:
    """Every episode of the provisional child onto the chosen one, each checked against the chosen child's
    own episodes (an overlap is refused, naming the time last seen)."""
    moved = []
    for episode in MissingEpisode.objects.select_for_update().filter(child=provisional).order_by("pk"):
        episode.child = chosen
        check_episode(episode, ask_age=False)
        placement_snapshot(episode)
        episode.updated_at = timezone.now()
        episode.save()
        record_event(
            actor=by, action=AuditAction.UPDATE, obj=episode, detail={"changed": ["child"], "step": "matched"}
        )
        notify_placing_authority_of_episode(episode=episode, created=True, by=by)
        moved.append(episode.pk)
    return moved


def _move_records(provisional: Child, chosen: Child) -> None:
    for rhi in ReturnHomeInterview.objects.select_for_update().filter(child=provisional):
        rhi.child = chosen
        rhi.save(update_fields=["child"])
        recompute_deadlines(rhi=rhi)
    Disclosure.objects.filter(child=provisional).update(child=chosen)
    FactCorrection.objects.filter(child=provisional).update(child=chosen)
    PendingEpisodeLink.objects.filter(child=provisional).update(child=chosen)
    # An earlier question may have matched another notification to this provisional child.
    ChildMatchQuestion.objects.filter(chosen_child=provisional).update(chosen_child=chosen)


@transaction.atomic(durable=True)
def match_to_child(*, question_id: int, child_id: int, by: User, note: str = "") -> ChildMatchQuestion:
    """The notification is about this known child: move everything to them and remove the provisional
    child. Only a candidate the user may see can be chosen."""
    question = _lock_open(question_id, by)
    chosen = (
        visible_children(by)
        .filter(pk=child_id, pk__in=question.candidates.values("pk"))
        .select_for_update(of=("self",))
        .first()
    )
    if chosen is None:
        raise ValidationError({"child": NOT_A_CANDIDATE})
    provisional = question.provisional_child
    assert provisional is not None  # an open question has one (child_match_open_has_child)
    # Records added to the provisional child since (case notes are the casenotes app's: its reverse accessor,
    # so this app does not import that one) would be lost or block the removal: a person moves them first.
    added = (provisional.placements, provisional.care_periods, provisional.flags, provisional.case_notes)
    if any(related.exists() for related in added):
        raise ValidationError({"child": ADDED_SINCE})
    moved = _move_episodes(provisional, chosen, by)
    _move_records(provisional, chosen)
    question.chosen_child = chosen
    _decided(question, status=MatchStatus.MATCHED, by=by, note=note)
    # Other questions that offered the provisional child as a candidate lose it with it (the M2M row).
    removed_pk = provisional.pk
    provisional.delete()
    record_event(
        actor=by,
        action=AuditAction.DELETE,
        object_type=Child._meta.label_lower,
        object_id=str(removed_pk),
        detail={"step": "matched", "into": chosen.pk, "question": question.pk},
    )
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=question,
        detail={"step": "matched", "child": chosen.pk, "episodes": moved},
    )
    return question


@transaction.atomic(durable=True)
def confirm_new_child(*, question_id: int, by: User, note: str = "") -> ChildMatchQuestion:
    """None of the candidates: the provisional child is the child. Duplicate flags against the candidates
    are settled as "not the same child" (the person has just looked at them)."""
    question = _lock_open(question_id, by)
    child = question.provisional_child
    assert child is not None
    candidate_ids = list(question.candidates.values_list("pk", flat=True))
    settled = PossibleDuplicate.objects.filter(
        Q(child_a=child, child_b_id__in=candidate_ids) | Q(child_b=child, child_a_id__in=candidate_ids),
        status=DuplicateStatus.OPEN,
    ).update(status=DuplicateStatus.NOT_DUPLICATE, resolved_by=by, resolved_at=timezone.now())
    _decided(question, status=MatchStatus.NEW_CHILD, by=by, note=note)
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=question,
        detail={"step": "new_child", "child": child.pk, "duplicates_settled": settled},
    )
    return question
