"""The bulk path of the episode import (issue 18; docs/benchmarks.md, "Bulk intake"): a batch's new episodes of
known children are decided in memory, over what is read once for the batch, by the same rules the per-row path
applies (``services.valid_without_reads``, ``plausibility.overlaps``, ``services.placement_on``,
``matching.classify_match``, ``has_same_name``, ``sharing.out_of_area.episode_report`` for the placing LA's
notification of an out-of-area episode, and ``rhi.services.NewEpisodeRHIs`` for the RHI and its clock), and
written with one insert per table.

Any row that is not plainly a new episode of a known child is left to ``record_notification`` (the caller
records it after the bulk rows): an episode already recorded, a reference twice in the batch, a child not
found or matched only by a person, a child the recorder does not see, a row failing a rule (the per-row path
reports it, with its reason), an out-of-area episode or a return someone's webhook listens for (the outbox
row). Once a row of a child is left to the per-row path, so are the child's later rows in the batch (and those
of every child the row could be matched to), so each child's rows are still recorded in line order and the database ends as the per-row path would leave it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from access.episodes import visible_children
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_event, record_events
from missing_episodes.child_intake import has_same_name
from missing_episodes.matching import candidate_days, classify_match
from missing_episodes.models import Child, MissingEpisode, Placement
from missing_episodes.plausibility import overlaps
from missing_episodes.services import (
    EpisodeResult,
    Notification,
    apply_fields,
    changed_fields,
    keep_placement,
    placement_on,
    valid_without_reads,
)
from rhi.services import NewEpisodeRHIs
from sharing.models import Disclosure, WebhookEventType
from sharing.out_of_area import episode_report, is_out_of_area, save_episode_reports
from sharing.webhooks import anyone_listening


@dataclass(frozen=True)
class IntakeRow:
    notification: Notification
    confirm_age: bool


def _children(
    rows: Sequence[IntakeRow],
) -> tuple[dict[tuple[int, str], Child], dict[tuple[int, date], list[Child]]]:
    """The children the rows name: by (LA, LA child id), and by (LA, date of birth) for the rows without an id
    (``matching.candidate_days``), each list in pk order as ``match_child`` reads it."""
    with_id = [row.notification.details for row in rows if row.notification.details.la_child_id]
    by_id: dict[tuple[int, str], Child] = {}
    if with_id:
        for child in Child.objects.filter(
            responsible_la_id__in={d.responsible_la.pk for d in with_id},
            la_child_id__in={d.la_child_id for d in with_id},
        ).select_related("responsible_la"):
            by_id[(child.responsible_la_id, child.la_child_id)] = child
    days = {
        (row.notification.details.responsible_la.pk, day)
        for row in rows
        if not row.notification.details.la_child_id
        for day in candidate_days(row.notification.details.date_of_birth)
    }
    by_day: dict[tuple[int, date], list[Child]] = {}
    if days:
        wanted = Q()
        for la_id, day in days:
            wanted |= Q(responsible_la_id=la_id, date_of_birth=day)
        for child in Child.objects.filter(wanted).select_related("responsible_la").order_by("pk"):
            by_day.setdefault((child.responsible_la_id, child.date_of_birth), []).append(child)
    return by_id, by_day


class _Batch:
    """What a batch's rows need, read once; and the children whose rows are left to the per-row path."""

    def __init__(self, rows: Sequence[IntakeRow], *, by: User | None, now: datetime) -> None:
        keys = [(row.notification.police_force.pk, row.notification.police_reference) for row in rows]
        self.repeated = {key for key, times in Counter(keys).items() if times > 1}
        self.recorded = {
            (force, reference): child_id
            for force, reference, child_id in MissingEpisode.objects.filter(
                police_force_id__in={force for force, _ in keys},
                police_reference__in={reference for _, reference in keys},
            ).values_list("police_force_id", "police_reference", "child_id")
        }
        self.by_id, self.by_day = _children(rows)
        children = {child.pk: child for child in self.by_id.values()}
        children |= {child.pk: child for found in self.by_day.values() for child in found}
        self.episodes: dict[int, list[tuple[datetime, datetime | None]]] = {pk: [] for pk in children}
        for child_id, start, end in MissingEpisode.objects.filter(child_id__in=children).values_list(
            "child_id", "missing_at", "returned_at"
        ):
            self.episodes[child_id].append((start, end))
        self.placements: dict[int, list[Placement]] = {}
        for placement in Placement.objects.filter(child_id__in=children).select_related("host_la"):
            self.placements.setdefault(placement.child_id, []).append(placement)
        # The recorder attaches at once to a child they see (``may_link_episode_to_child``'s first answer); for
        # the rest the per-row path asks the whole question. None: an operator's import, which attaches.
        self.visible = (
            None
            if by is None
            else set(visible_children(by).filter(pk__in=children).values_list("pk", flat=True))
        )
        authorities = {child.responsible_la_id for child in children.values()}
        authorities |= {p.host_la_id for found in self.placements.values() for p in found if p.host_la_id}
        self.rhis = NewEpisodeRHIs(child_ids=children, local_authority_ids=authorities, now=now)
        self.returns_listened = anyone_listening(WebhookEventType.EPISODE_RETURNED)
        self.disclosures_listened = anyone_listening(WebhookEventType.DISCLOSURE_MADE)
        self.left_children: set[int] = set()
        self.left_days: set[tuple[int, date]] = set()

    def child(self, notification: Notification) -> Child | None:
        """The known child the notification is about, as ``match_or_create_child`` would find it, or None."""
        details = notification.details
        la_id = details.responsible_la.pk
        if details.la_child_id:
            child = self.by_id.get((la_id, details.la_child_id))
            if (
                child is None
                or child.date_of_birth != details.date_of_birth
                or not has_same_name(child, details)
            ):
                return None
            return child
        read = [c for day in candidate_days(details.date_of_birth) for c in self.by_day.get((la_id, day), [])]
        match = classify_match(
            sorted(read, key=lambda c: c.pk),
            first_name=details.first_name,
            last_name=details.last_name,
            date_of_birth=details.date_of_birth,
        )
        return match.child if match.question is None else None

    def _days(self, notification: Notification) -> set[tuple[int, date]]:
        la_id = notification.details.responsible_la.pk
        return {(la_id, day) for day in candidate_days(notification.details.date_of_birth)}

    def leave(self, notification: Notification, child: Child | None) -> None:
        """Leave the row to the per-row path, and with it every later row it could touch."""
        key = (notification.police_force.pk, notification.police_reference)
        for child_id in (child.pk if child else None, self.recorded.get(key)):
            if child_id is not None:
                self.left_children.add(child_id)
        self.left_days |= self._days(notification)

    def is_clear(self, notification: Notification, child: Child | None) -> bool:
        key = (notification.police_force.pk, notification.police_reference)
        if child is None or key in self.recorded or key in self.repeated:
            return False
        if self.visible is not None and child.pk not in self.visible:
            return False
        return child.pk not in self.left_children and not (
            self._days(notification) & self.left_days
            or (child.responsible_la_id, child.date_of_birth) in self.left_days
        )

    def fits(self, episode: MissingEpisode, *, confirm_age: bool) -> bool:
        """The new episode passes every rule, and needs nothing the bulk path does not write."""
        if not valid_without_reads(episode, confirm_age=confirm_age):
            return False
        if any(
            overlaps(episode.missing_at, episode.returned_at, s, e)
            for s, e in self.episodes[episode.child_id]
        ):
            return False
        day = timezone.localdate(episode.missing_at)
        keep_placement(episode, placement_on(self.placements.get(episode.child_id, []), day))
        if is_out_of_area(episode) and self.disclosures_listened:
            return False
        return episode.returned_at is None or not self.returns_listened


def _new_episode(
    row: IntakeRow, child: Child, *, source: str, now: datetime
) -> tuple[MissingEpisode, list[str]]:
    notification = row.notification
    episode = MissingEpisode(
        child=child,
        responsible_la=child.responsible_la,
        police_force=notification.police_force,
        police_reference=notification.police_reference,
        source=source,
        created_at=now,
        updated_at=now,
    )
    changed = changed_fields(episode, notification.fields)
    apply_fields(episode, notification.fields)
    return episode, changed


def record_new_notifications(
    rows: Sequence[IntakeRow], *, source: str, by: User | None
) -> list[EpisodeResult | None]:
    """Record the rows that are plainly new episodes of known children, together (inside the caller's
    transaction); for each row its result, or None: the caller records it with ``record_notification`` (after
    these, in line order). If the database refuses the batch (a rule only it knows), nothing is written and
    every row is None."""
    now = timezone.now()
    batch = _Batch(rows, by=by, now=now)
    results: list[EpisodeResult | None] = [None] * len(rows)
    taken: list[tuple[int, MissingEpisode, list[str]]] = []
    reports: list[Disclosure] = []
    for index, row in enumerate(rows):
        child = batch.child(row.notification)
        if not batch.is_clear(row.notification, child):
            batch.leave(row.notification, child)
            continue
        assert child is not None
        episode, changed = _new_episode(row, child, source=source, now=now)
        if not batch.fits(episode, confirm_age=row.confirm_age):
            batch.leave(row.notification, child)
            continue
        batch.episodes[child.pk].append((episode.missing_at, episode.returned_at))
        if episode.returned_at is not None:
            batch.rhis.take(episode)
        report = episode_report(episode=episode, now=now)
        if report is not None:
            reports.append(report)
        taken.append((index, episode, changed))
    if not taken:
        return results
    try:
        with transaction.atomic():
            _write(taken, batch.rhis, reports, source=source, by=by)
    except IntegrityError:
        return [None] * len(rows)
    for index, episode, _ in taken:
        results[index] = EpisodeResult(episode=episode, outcome="created", child_created=False)
    return results


def _write(
    taken: Iterable[tuple[int, MissingEpisode, list[str]]],
    rhis: NewEpisodeRHIs,
    reports: list[Disclosure],
    *,
    source: str,
    by: User | None,
) -> None:
    """One insert per table: the episodes (in line order, so their ids run as the per-row path's would), the
    placing LAs' notifications, the RHIs, links and transitions, then every audit event."""
    taken = list(taken)
    MissingEpisode.objects.bulk_create([episode for _, episode, _ in taken])
    events = [
        audit_event(
            actor=by, action=AuditAction.CREATE, obj=episode, detail={"changed": changed, "source": source}
        )
        for _, episode, changed in taken
    ]
    record_events([*events, *save_episode_reports(reports, by=by), *rhis.save(by=by)])
