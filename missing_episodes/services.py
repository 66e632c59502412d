"""Writes about children and missing episodes: matching a child, recording or updating an episode.

A police notification comes by three channels (the web form, the CSV import, the API) and all of them call
``record_notification`` with the fields in ``NOTIFICATION_FIELDS``: one place decides what a notification
carries, who may attach it to a known child, and that the child and the episode are saved together.
``record_episode`` decides what a valid episode is (the model's own rules plus the ones that need other rows:
overlapping episodes, a reference already used). Recording a return opens or extends the RHI through
``rhi.services``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.episodes import can_decide_episode_link, may_link_episode_to_child
from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed, TransitionError
from missing_episodes import plausibility
from missing_episodes.child_intake import CHILD_MISMATCH as CHILD_MISMATCH
from missing_episodes.child_intake import ChildDetails as ChildDetails
from missing_episodes.child_intake import ChildRecordMismatch as ChildRecordMismatch
from missing_episodes.child_intake import (
    create_child,
    has_same_name,
    match_or_create_child,
    raise_match_question,
)
from missing_episodes.child_intake import flag_possible_duplicates as flag_possible_duplicates
from missing_episodes.episode_changes import record_changes
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    EpisodeSource,
    MissingEpisode,
    PendingEpisodeLink,
    PendingLinkStatus,
    Placement,
)
from rhi.services import open_rhi_for_returned_episode, recompute_deadlines
from sharing.out_of_area import notify_placing_authority_of_episode
from sharing.webhooks import episode_returned

# The fields a police notification carries, whichever channel brings it: the web form, the API's create
# serializer and the CSV importer all take their list from here, so a field cannot reach one channel only.
# Anything else on an episode is set by the service itself.
NOTIFICATION_FIELDS = (
    "category",
    "risk_level",
    "missing_from",
    "missing_at",
    "reported_at",
    "returned_at",
    "return_method",
    "found_location",
    "police_notified_at",
)


@dataclass(frozen=True)
class EpisodeResult:
    episode: MissingEpisode
    outcome: str  # "created", "updated" or "unchanged"
    child_created: bool
    # Set when the child is provisional: a person picks the known child or confirms a new one (match_queue).
    match_question: ChildMatchQuestion | None = None


@dataclass(frozen=True)
class PendingResult:
    """A notification kept for the council to confirm the child (``record_notification``)."""

    link: PendingEpisodeLink
    created: bool


def _check_against_other_rows(episode: MissingEpisode) -> None:
    errors: dict[str, str] = {}
    if episode.police_reference and episode.police_force_id:
        taken = MissingEpisode.objects.filter(
            police_force_id=episode.police_force_id, police_reference=episode.police_reference
        ).exclude(pk=episode.pk)
        if taken.exists():
            errors["police_reference"] = "This police reference is already recorded for another episode."
    if episode.missing_at:
        others = (
            MissingEpisode.objects.filter(child_id=episode.child_id)
            .exclude(pk=episode.pk)
            .values_list("missing_at", "returned_at")
        )
        if any(
            plausibility.overlaps(episode.missing_at, episode.returned_at, start, end)
            for start, end in others
        ):
            errors["missing_at"] = plausibility.OVERLAP
    if errors:
        raise ValidationError(errors)


class ImplausibleAge(ValidationError):
    """Asked, not refused: the same call with ``confirm_age=True`` saves it (plausibility.MAX_PLAUSIBLE_AGE)."""


def _rule_errors(episode: MissingEpisode, *, birth_field: str, read: bool = True) -> dict[str, str]:
    """The plausible-date rules (one message per field, naming it) and then the model's own rules. ``read``
    False (the bulk import, ``bulk_intake``): only what needs no query, so not whether the related rows exist
    (they were just read) nor the database constraints (``MissingEpisode.clean`` checks the same in Python, and
    the database still refuses the insert if one is broken)."""
    errors = plausibility.time_errors(
        {name: getattr(episode, name) for name in plausibility.TIME_NAMES}, now=timezone.now()
    )
    born = episode.child.date_of_birth if episode.child_id else None
    if born is not None:
        message = plausibility.birth_error(born, episode.missing_at)
        if message is not None:
            errors.setdefault(birth_field, message)
    related = [] if read else [f.name for f in MissingEpisode._meta.concrete_fields if f.is_relation]
    try:
        episode.full_clean(validate_unique=False, validate_constraints=read, exclude=[*errors, *related])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages[0])
    return errors


def valid_without_reads(episode: MissingEpisode, *, confirm_age: bool) -> bool:
    """Whether a new episode of a known child passes every rule of ``check_episode`` that needs no other row
    (the bulk import checks the rest, the overlap and the reference, against what it read for its batch). False:
    the row goes through ``record_notification``, which reports the problem as it always does."""
    if _rule_errors(episode, birth_field="missing_at", read=False):
        return False
    try:
        check_age(episode.child.date_of_birth, episode.missing_at, confirm_age=confirm_age)
    except ImplausibleAge:
        return False
    return True


def check_age(date_of_birth: date, on: datetime | date, *, confirm_age: bool) -> None:
    """Over ``MAX_PLAUSIBLE_AGE`` at the episode: asked (``ImplausibleAge``) unless already confirmed."""
    age = plausibility.implausible_age(date_of_birth, on)
    if age is not None and not confirm_age:
        raise ImplausibleAge({"date_of_birth": plausibility.age_question(age)}, code="implausible_age")


def check_episode(
    episode: MissingEpisode, *, child_is_new: bool = False, confirm_age: bool = False, ask_age: bool = True
) -> None:
    """The one validation of an episode, whichever channel or correction brings it: the plausible-date rules
    (``missing_episodes.plausibility``), the model's, those needing other rows, then the age question. A child
    born on or after the day they went missing is reported on the date of birth when the child is new in this
    notification (that is what was typed), else on the time last seen."""
    errors = _rule_errors(episode, birth_field="date_of_birth" if child_is_new else "missing_at")
    if errors:
        raise ValidationError(errors)
    _check_against_other_rows(episode)
    if ask_age and episode.missing_at is not None:
        check_age(episode.child.date_of_birth, episode.missing_at, confirm_age=confirm_age)


def placement_on(placements: Iterable[Placement], day: date) -> Placement | None:
    """Of a child's placements, the one on ``day``: begun by then and not ended before it, the latest begun
    (ties: the latest recorded). The one rule for the per-row intake and the bulk import."""
    current = [p for p in placements if p.start_date <= day and (p.end_date is None or p.end_date >= day)]
    return max(current, key=lambda p: (p.start_date, p.pk), default=None)


def placement_snapshot(episode: MissingEpisode) -> None:
    """The child's placement when the episode began (and so whether it was out of area), kept on the episode."""
    day = timezone.localdate(episode.missing_at)
    placements = Placement.objects.filter(child_id=episode.child_id, start_date__lte=day).exclude(
        end_date__lt=day
    )
    # With the host LA: the handling LA of the episode's RHI (rhi.selectors.handling_authority).
    keep_placement(episode, placement_on(placements.select_related("host_la"), day))


def keep_placement(episode: MissingEpisode, placement: Placement | None) -> None:
    """Keep the placement on the episode, with its host LA and whether the episode was out of area."""
    episode.placement = placement
    episode.host_la = placement.host_la if placement else None
    episode.was_out_of_area = (placement.host_la_id != episode.responsible_la_id) if placement else None


def _stored(name: str, value: Any) -> Any:
    """A notification field as the episode keeps it: a blank time is None, any other blank is ""."""
    return value if value is not None or name.endswith("_at") else ""


def changed_fields(episode: MissingEpisode, fields: Mapping[str, Any]) -> list[str]:
    """The notification fields that ``fields`` would change on ``episode`` (none: the notification is
    unchanged, and recording it again changes nothing)."""
    return [
        name
        for name in NOTIFICATION_FIELDS
        if name in fields and _stored(name, fields[name]) != getattr(episode, name)
    ]


def apply_fields(episode: MissingEpisode, fields: Mapping[str, Any]) -> None:
    """Set a notification's fields on the episode as it keeps them."""
    for name, value in fields.items():
        setattr(episode, name, _stored(name, value))


@dataclass(frozen=True)
class Notification:
    """One notification of a batch (``unchanged_notifications``): the arguments of ``record_notification``."""

    details: ChildDetails
    police_force: Organisation
    police_reference: str
    fields: dict[str, Any]


def unchanged_notifications(notifications: Sequence[Notification]) -> list[bool]:
    """For each notification, whether ``record_notification`` would find it already recorded exactly so
    (outcome "unchanged", nothing written), read for the whole batch in two queries: the episodes by police
    force and reference, and the children by LA child id. False means "not known to be unchanged": the caller
    records it (a mismatch or a change is then decided, and refused or saved, by ``record_notification``)."""
    # IN lists on both columns of each unique index, then the exact pairs picked here.
    episodes = {
        (episode.police_force_id, episode.police_reference): episode
        for episode in MissingEpisode.objects.filter(
            police_force_id__in={n.police_force.pk for n in notifications},
            police_reference__in={n.police_reference for n in notifications},
        )
    }
    with_id = [n.details for n in notifications if n.details.la_child_id]
    children = (
        {
            (child.responsible_la_id, child.la_child_id): child
            for child in Child.objects.filter(
                responsible_la_id__in={d.responsible_la.pk for d in with_id},
                la_child_id__in={d.la_child_id for d in with_id},
            ).exclude(la_child_id="")
        }
        if with_id
        else {}
    )
    answers = []
    for n in notifications:
        episode = episodes.get((n.police_force.pk, n.police_reference))
        child = (
            children.get((n.details.responsible_la.pk, n.details.la_child_id))
            if n.details.la_child_id
            else None
        )
        same_child = episode is not None and (
            not n.details.la_child_id
            or (
                child is not None
                and child.pk == episode.child_id
                and child.date_of_birth == n.details.date_of_birth
                and has_same_name(child, n.details)
            )
        )
        answers.append(bool(same_child and episode is not None and not changed_fields(episode, n.fields)))
    return answers


def record_episode(
    *,
    child: Child,
    police_force: Organisation | None,
    police_reference: str,
    fields: dict[str, Any],
    source: str = EpisodeSource.MANUAL,
    by: User | None = None,
    confirm_age: bool = False,
    child_is_new: bool = False,
    reclassified_at: datetime | None = None,
) -> EpisodeResult:
    """Create the episode, or update the one with this force + reference. Idempotent: the same notification
    twice changes nothing. A return time (new or corrected) opens, extends or re-times the RHI. The age
    question (``check_episode``) is asked of a new episode or a changed time last seen. A changed category or
    risk grade is kept as a change made at ``reclassified_at`` (None: now) (``episode_changes``)."""
    unknown = set(fields) - set(NOTIFICATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown episode fields: {sorted(unknown)}")
    with transaction.atomic():
        existing = None
        if police_force is not None and police_reference:
            existing = (
                MissingEpisode.objects.select_for_update()
                .filter(police_force=police_force, police_reference=police_reference)
                .first()
            )
        if existing is not None and existing.child_id != child.pk:
            raise ValidationError(
                {"police_reference": "This police reference is already recorded for a different child."}
            )
        episode = existing or MissingEpisode(
            child=child,
            responsible_la=child.responsible_la,
            police_force=police_force,
            police_reference=police_reference,
            source=source,
        )
        before = {name: getattr(episode, name) for name in NOTIFICATION_FIELDS}
        changed = changed_fields(episode, fields)
        apply_fields(episode, fields)
        if existing is not None and not changed:
            return EpisodeResult(episode=existing, outcome="unchanged", child_created=False)
        check_episode(
            episode,
            child_is_new=child_is_new,
            confirm_age=confirm_age,
            ask_age=existing is None or "missing_at" in changed,
        )
        now = timezone.now()
        if existing is None:
            placement_snapshot(episode)
            episode.created_at = now
        episode.updated_at = now
        episode.save()
        # A changed category or risk grade is kept with its time (a bad time refuses the whole notification).
        record_changes(
            episode=episode,
            before=None if existing is None else before,
            changed_at=reclassified_at,
            by=by,
            source=source,
            now=now,
        )
        record_event(
            actor=by,
            action=AuditAction.CREATE if existing is None else AuditAction.UPDATE,
            obj=episode,
            detail={"changed": changed, "source": source},
        )
        notify_placing_authority_of_episode(episode=episode, created=existing is None, changed=changed, by=by)
        if episode.returned_at is not None and ({"returned_at", "police_notified_at"} & set(changed)):
            rhi_link = getattr(episode, "rhi_link", None) if existing is not None else None
            if rhi_link is None:
                open_rhi_for_returned_episode(episode=episode, by=by)
            else:
                recompute_deadlines(rhi=rhi_link.rhi)
        if episode.returned_at is not None and before["returned_at"] is None:
            # In this transaction: a rolled-back return sends no webhook (docs/webhooks.md).
            episode_returned(episode=episode)
        return EpisodeResult(
            episode=episode, outcome="created" if existing is None else "updated", child_created=False
        )


def parse_local_datetime(value: str) -> datetime | None:
    """ISO 8601; without an offset it is UK local time. Blank is 'not known'."""
    value = value.strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    # In UTC: PEP 495 makes an inter-zone comparison with a time in the repeated autumn hour always unequal,
    # so a Europe/London value from that hour would never match what is stored, and a re-import would
    # "update" it every time.
    return parsed.astimezone(UTC)


class StaleEpisodeError(Exception):
    """Someone else changed the episode after this user loaded it: refuse rather than overwrite."""


def record_return(
    *, episode_id: int, expected_updated_at: str, fields: dict[str, Any], by: User
) -> EpisodeResult:
    """Record the return on an open episode the user loaded at ``expected_updated_at`` (ISO 8601). A change
    made meanwhile by someone else, or a return already recorded, is refused with StaleEpisodeError. Durable:
    the web page and the API call it on its own, and its lock and stamp check mean nothing inside a longer
    transaction."""
    with transaction.atomic(durable=True):
        current = MissingEpisode.objects.select_for_update().select_related("child").get(pk=episode_id)
        if current.updated_at.isoformat() != expected_updated_at or not current.is_open:
            raise StaleEpisodeError(
                "Someone else changed this episode while you were editing it: nothing was saved. "
                "Check the details below and record the return again if it is still needed."
            )
        return record_episode(
            child=current.child,
            police_force=current.police_force,
            police_reference=current.police_reference,
            fields=fields,
            source=current.source,
            by=by,
        )


# ---------------------------------------------------------------------------------------------------------
# Police notifications for a child the force has no relation to (issue 11 item 6): kept pending until the
# responsible LA (or its commissioned provider) confirms the link.
# ---------------------------------------------------------------------------------------------------------


def _as_json(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value for name, value in fields.items()
    }


def _from_json(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        name: datetime.fromisoformat(value) if name.endswith("_at") and isinstance(value, str) else value
        for name, value in stored.items()
    }


def record_notification(
    *,
    child: Child | None = None,
    details: ChildDetails,
    police_force: Organisation,
    police_reference: str,
    fields: dict[str, Any],
    source: str,
    by: User | None,
    confirm_age: bool = False,
    reclassified_at: datetime | None = None,
    new_child: bool = False,
) -> EpisodeResult | PendingResult:
    """Record a police notification, whichever channel brings it (the web form, the CSV import, the API): the
    child (``child`` when the person chose one; else matched by LA child id, or without one by name and date
    of birth; else created from ``details``; ``new_child``: the person chose a new child over the candidates)
    and the episode are saved together or not at all. Several or near name matches make a provisional child
    with the episode on it and a ``ChildMatchQuestion`` for a person (``EpisodeResult.match_question``). A
    known LA child id must match the council's record (one generic refusal otherwise). If the recorder has no relation to that existing child
    (``may_link_episode_to_child``) nothing is attached: the notification waits as a ``PendingEpisodeLink``
    for the council to confirm, and the recorder learns nothing more about the child. ``by`` None is an
    operator's command-line import, which attaches. ``confirm_age``: the recorder confirmed an age over
    ``plausibility.MAX_PLAUSIBLE_AGE`` at the episode (``ImplausibleAge`` asks for it).

    Plain atomic, not durable: the API's idempotency wrapper runs it in its own transaction, so that the
    stored answer commits with the episode."""
    unknown = set(fields) - set(NOTIFICATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown episode fields: {sorted(unknown)}")
    with transaction.atomic():
        child_created, match = False, None
        if child is None and new_child:
            child, child_created, _ = create_child(details=details, match=None, by=by)
        elif child is None:
            child, child_created, match = match_or_create_child(
                details=details, police_force=police_force, police_reference=police_reference, by=by
            )
        if (
            not child_created
            and by is not None
            and not _may_attach(by, child, police_force, police_reference)
        ):
            return _keep_pending(
                child=child,
                police_force=police_force,
                police_reference=police_reference,
                fields=fields,
                source=source,
                by=by,
                confirm_age=confirm_age,
            )
        result = record_episode(
            child=child,
            police_force=police_force,
            police_reference=police_reference,
            fields=fields,
            source=source,
            by=by,
            confirm_age=confirm_age,
            child_is_new=child_created,
            reclassified_at=reclassified_at,
        )
        question = None
        if match is not None and result.outcome == "created":
            question = raise_match_question(child=child, episode=result.episode, match=match, by=by)
    return EpisodeResult(
        episode=result.episode, outcome=result.outcome, child_created=child_created, match_question=question
    )


def _may_attach(by: User, child: Child, police_force: Organisation, police_reference: str) -> bool:
    """The notification goes onto this known child at once: it updates the recorder's own episode of the
    child, or the recorder has a relation to the child."""
    already = MissingEpisode.objects.filter(
        child=child, police_force=police_force, police_reference=police_reference
    ).exists()
    return already or may_link_episode_to_child(by, child)


def _keep_pending(
    *,
    child: Child,
    police_force: Organisation,
    police_reference: str,
    fields: dict[str, Any],
    source: str,
    by: User,
    confirm_age: bool,
) -> PendingResult:
    """Keep the notification for the council to confirm (inside ``record_notification``'s transaction)."""
    # Validate what can be checked without the child's other records, so a confirmation does not fail on
    # something the force could have fixed; the checks against other rows run when it is confirmed.
    episode = MissingEpisode(
        child=child,
        responsible_la=child.responsible_la,
        police_force=police_force,
        police_reference=police_reference,
        **{
            name: value if value is not None or name.endswith("_at") else "" for name, value in fields.items()
        },
    )
    errors = _rule_errors(episode, birth_field="missing_at")
    if errors:
        raise ValidationError(errors)
    check_age(child.date_of_birth, episode.missing_at, confirm_age=confirm_age)
    if MissingEpisode.objects.filter(police_force=police_force, police_reference=police_reference).exists():
        raise ValidationError({"police_reference": "This police reference is already recorded."})
    link = (
        PendingEpisodeLink.objects.select_for_update()
        .filter(
            police_force=police_force, police_reference=police_reference, status=PendingLinkStatus.PENDING
        )
        .first()
    )
    if link is not None and link.child_id != child.pk:
        raise ValidationError({"police_reference": "This police reference is already waiting for a council."})
    is_new = link is None
    if link is None:
        link = PendingEpisodeLink(
            child=child, police_force=police_force, police_reference=police_reference, submitted_by=by
        )
    link.episode_fields = _as_json(fields)
    link.submitted_at = timezone.now()
    link.full_clean()
    link.save()
    record_event(
        actor=by,
        action=AuditAction.CREATE if is_new else AuditAction.UPDATE,
        obj=link,
        detail={"step": "link_requested", "police_force": police_force.pk, "source": source},
    )
    return PendingResult(link=link, created=is_new)


def _lock_pending(link_id: int, by: User) -> PendingEpisodeLink:
    link = PendingEpisodeLink.objects.select_for_update(of=("self",)).select_related("child").get(pk=link_id)
    if link.status != PendingLinkStatus.PENDING:
        raise TransitionError("This notification has already been decided.")
    if not can_decide_episode_link(by, link):
        raise ActionNotAllowed("Only the child's council or the provider it commissions can confirm this.")
    return link


@transaction.atomic(durable=True)
def confirm_episode_link(*, link_id: int, by: User, note: str = "") -> PendingEpisodeLink:
    """The council confirms the notification is about this child: the episode is recorded now, exactly as if
    it had come in attached (the checks against the child's other episodes run here; the age question was
    answered when the notification was kept)."""
    link = _lock_pending(link_id, by)
    result = record_episode(
        child=link.child,
        police_force=link.police_force,
        police_reference=link.police_reference,
        fields=_from_json(link.episode_fields),
        source=EpisodeSource.API,
        by=by,
        confirm_age=True,
    )
    link.status, link.episode = PendingLinkStatus.CONFIRMED, result.episode
    link.decided_by, link.decided_at, link.decision_note = by, timezone.now(), note.strip()
    link.full_clean()
    link.save()
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=link,
        detail={"step": "link_confirmed", "episode": result.episode.pk},
    )
    return link


@transaction.atomic(durable=True)
def reject_episode_link(*, link_id: int, by: User, note: str) -> PendingEpisodeLink:
    """Not this child: nothing is recorded against them; the force hears only that it was not accepted."""
    if not note.strip():
        raise ValidationError({"decision_note": "Say why this is not the child."})
    link = _lock_pending(link_id, by)
    link.status = PendingLinkStatus.REJECTED
    link.decided_by, link.decided_at, link.decision_note = by, timezone.now(), note.strip()
    link.full_clean()
    link.save()
    record_event(actor=by, action=AuditAction.UPDATE, obj=link, detail={"step": "link_rejected"})
    return link
