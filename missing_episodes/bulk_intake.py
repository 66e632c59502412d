"""The bulk path of the episode import (issue 18; docs/benchmarks.md, "Bulk intake"): a batch's new episodes of
known children, and of children nobody could be (no child with the LA child id; without one, no candidate by
name and date of birth), are decided in memory, over what is read once for the batch, by the same rules the
per-row path applies (``services.valid_without_reads``, ``plausibility.overlaps``, ``services.placement_on``,
``matching.classify_match``, ``has_same_name``, ``child_intake.new_child``/``new_child_valid``,
``sharing.out_of_area.episode_report`` for the placing LA's notification of an out-of-area episode, and
``rhi.services.NewEpisodeRHIs`` for the RHI and its clock), and written with one insert per table
(``core.bulk_writes``).

Any other row is left to ``record_notification`` (the caller records it after the bulk rows): an episode
already recorded, a reference twice in the batch, a child matched only by a person, a child the recorder does
not see (or, for an upload by a person, one made earlier in the batch), a row failing a rule (the per-row path
reports it, with its reason), an out-of-area episode or a return someone's webhook listens for (the outbox
row). Once a row of a child is left to the per-row path, so are the child's later rows in the batch (and those
of every child the row could be matched to, by LA child id or by name and date of birth), so each child's rows
are still recorded in line order and the database ends as the per-row path would leave it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from access.episodes import visible_children
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_event, record_events
from core import bulk_writes
from missing_episodes.child_intake import (
    flag_possible_duplicates_of,
    has_same_name,
    new_child,
    new_child_valid,
)
from missing_episodes.matching import candidate_days, classify_match, normalise_name
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
        # Two IN lists through the (responsible_la, date_of_birth) index, the exact pairs kept here: an OR of a
        # condition per pair cost more to build in Django than to run (a police file names a few LAs).
        read = Child.objects.filter(
            responsible_la_id__in={la_id for la_id, _ in days}, date_of_birth__in={day for _, day in days}
        )
        for child in read.select_related("responsible_la").order_by("pk"):
            key = (child.responsible_la_id, child.date_of_birth)
            if key in days:
                by_day.setdefault(key, []).append(child)
    return by_id, by_day


def _new_child_ids(
    rows: Sequence[IntakeRow],
    by_id: dict[tuple[int, str], Child],
    by_day: dict[tuple[int, date], list[Child]],
) -> list[int]:
    """Ids for the children the batch may make, taken from the table's sequence in one statement (so episodes,
    RHIs and audit events can name them before they are written): at most one per LA child id not found, and
    one per name and date of birth with no candidate (a later row of the same child finds the first one's
    child). Ids not used are gaps in the sequence, as a rolled-back insert leaves. None on other databases than
    PostgreSQL (the embedded SQLite default): there the per-row path makes new children."""
    if connection.vendor != "postgresql":
        return []
    unknown: set[tuple[object, ...]] = set()
    for row in rows:
        details = row.notification.details
        la_id = details.responsible_la.pk
        if details.la_child_id:
            if (la_id, details.la_child_id) not in by_id:
                unknown.add((la_id, details.la_child_id))
        else:
            read = [c for day in candidate_days(details.date_of_birth) for c in by_day.get((la_id, day), [])]
            match = classify_match(
                read,
                first_name=details.first_name,
                last_name=details.last_name,
                date_of_birth=details.date_of_birth,
            )
            if not match.candidates:
                name = normalise_name(details.first_name) + " " + normalise_name(details.last_name)
                unknown.add((la_id, details.date_of_birth, name))
    if not unknown:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Child._meta.db_table, len(unknown)],
        )
        # Popped from the end: the batch's new children take them in line order, smallest first.
        return sorted((pk for (pk,) in cursor.fetchall()), reverse=True)


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
        # The children's episodes the rows could overlap (``plausibility.overlaps``): open, or ended after the
        # earliest row began. Not their whole history, which grows with the years and decides nothing here.
        earliest = min(row.notification.fields["missing_at"] for row in rows)
        self.episodes: dict[int, list[tuple[datetime, datetime | None]]] = {pk: [] for pk in children}
        for child_id, start, end in (
            MissingEpisode.objects.filter(child_id__in=children)
            .filter(Q(returned_at__isnull=True) | Q(returned_at__gt=earliest))
            .values_list("child_id", "missing_at", "returned_at")
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
        # The rows' own LAs too: a new child's RHI is opened under its LA's policy.
        authorities = {row.notification.details.responsible_la.pk for row in rows}
        authorities |= {child.responsible_la_id for child in children.values()}
        authorities |= {p.host_la_id for found in self.placements.values() for p in found if p.host_la_id}
        self.rhis = NewEpisodeRHIs(child_ids=children, local_authority_ids=authorities, now=now)
        self.returns_listened = anyone_listening(WebhookEventType.EPISODE_RETURNED)
        self.disclosures_listened = anyone_listening(WebhookEventType.DISCLOSURE_MADE)
        self.left_children: set[int] = set()
        self.left_days: set[tuple[int, date]] = set()
        self.left_ids: set[tuple[int, str]] = set()
        self.new_ids = _new_child_ids(rows, self.by_id, self.by_day)
        self.new_children: list[Child] = []

    def child(self, notification: Notification) -> tuple[Child | None, bool]:
        """The known child the notification is about, as ``match_or_create_child`` would find it (children
        made by earlier rows of the batch included), or None; and whether ``match_or_create_child`` would make
        a new child (no child with the LA child id; without one, no candidate by name and date of birth)."""
        details = notification.details
        la_id = details.responsible_la.pk
        if details.la_child_id:
            child = self.by_id.get((la_id, details.la_child_id))
            if child is None:
                return None, True
            if child.date_of_birth != details.date_of_birth or not has_same_name(child, details):
                return None, False
            return child, False
        read = [c for day in candidate_days(details.date_of_birth) for c in self.by_day.get((la_id, day), [])]
        match = classify_match(
            sorted(read, key=lambda c: c.pk),
            first_name=details.first_name,
            last_name=details.last_name,
            date_of_birth=details.date_of_birth,
        )
        return (match.child if match.question is None else None), not match.candidates

    def new_child(self, notification: Notification, now: datetime) -> Child | None:
        """The new child the row makes (``child_intake.new_child``, with an id of its own), if the row may
        make it here: it passes ``create_child``'s rules and nothing left to the per-row path could be it."""
        details = notification.details
        key = (notification.police_force.pk, notification.police_reference)
        la_key = (details.responsible_la.pk, details.la_child_id)
        if key in self.recorded or key in self.repeated or la_key in self.left_ids or not self.new_ids:
            return None
        if self._days(notification) & self.left_days:
            return None
        child = new_child(details, now=now)
        if not new_child_valid(child):
            return None
        child.pk = self.new_ids[-1]
        return child

    def add_child(self, child: Child) -> None:
        """The row's new child is kept: later rows of the batch find it, as they would in the database."""
        self.new_ids.pop()
        self.new_children.append(child)
        if child.la_child_id:
            self.by_id[(child.responsible_la_id, child.la_child_id)] = child
        self.by_day.setdefault((child.responsible_la_id, child.date_of_birth), []).append(child)

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
        if notification.details.la_child_id:
            self.left_ids.add((notification.details.responsible_la.pk, notification.details.la_child_id))

    def is_clear(self, notification: Notification, child: Child | None) -> bool:
        key = (notification.police_force.pk, notification.police_reference)
        if child is None or key in self.recorded or key in self.repeated:
            return False
        if self.visible is not None and child.pk not in self.visible:
            return False
        details = notification.details
        if details.la_child_id and (details.responsible_la.pk, details.la_child_id) in self.left_ids:
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
            for s, e in self.episodes.get(episode.child_id, ())
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


def _take(
    batch: _Batch, row: IntakeRow, *, source: str, now: datetime
) -> tuple[MissingEpisode, list[str]] | None:
    """Decide one row: its new episode (and the child's, when the row makes one) if the bulk path records it,
    else None (left to the per-row path, and with it every later row it could touch)."""
    notification = row.notification
    child, makes_child = batch.child(notification)
    made = batch.new_child(notification, now) if child is None and makes_child else None
    if made is None and not batch.is_clear(notification, child):
        batch.leave(notification, child)
        return None
    owner = made or child
    assert owner is not None
    episode, changed = _new_episode(row, owner, source=source, now=now)
    if not batch.fits(episode, confirm_age=row.confirm_age):
        batch.leave(notification, child)
        return None
    if made is not None:
        batch.add_child(made)
    batch.episodes.setdefault(owner.pk, []).append((episode.missing_at, episode.returned_at))
    if episode.returned_at is not None:
        batch.rhis.take(episode)
    return episode, changed


def record_new_notifications(
    rows: Sequence[IntakeRow], *, source: str, by: User | None
) -> list[EpisodeResult | None]:
    """Record the rows that are plainly new episodes of known children or of new children nobody could be
    (no child with the LA child id; without one, no candidate by name and date of birth), together (inside the
    caller's transaction); for each row its result, or None: the caller records it with
    ``record_notification`` (after these, in line order). If the database refuses the batch (a rule only it
    knows), nothing is written and every row is None."""
    now = timezone.now()
    batch = _Batch(rows, by=by, now=now)
    results: list[EpisodeResult | None] = [None] * len(rows)
    taken: list[tuple[int, MissingEpisode, list[str]]] = []
    reports: list[Disclosure] = []
    for index, row in enumerate(rows):
        decided = _take(batch, row, source=source, now=now)
        if decided is None:
            continue
        report = episode_report(episode=decided[0], now=now)
        if report is not None:
            reports.append(report)
        taken.append((index, *decided))
    if not taken:
        return results
    try:
        with transaction.atomic():
            _write(taken, batch.new_children, batch.rhis, reports, source=source, by=by)
    except IntegrityError:
        return [None] * len(rows)
    # A new child is counted as made by its first row, as the per-row path counts it.
    made = {child.pk for child in batch.new_children}
    for index, episode, _ in taken:
        results[index] = EpisodeResult(
            episode=episode, outcome="created", child_created=episode.child_id in made
        )
        made.discard(episode.child_id)
    return results


def _write(
    taken: Iterable[tuple[int, MissingEpisode, list[str]]],
    children: list[Child],
    rhis: NewEpisodeRHIs,
    reports: list[Disclosure],
    *,
    source: str,
    by: User | None,
) -> None:
    """One insert per table: the new children (and their possible duplicates), the episodes (in line order, so
    their ids run as the per-row path's would), the placing LAs' notifications, the RHIs, links and
    transitions, then every audit event."""
    taken = list(taken)
    bulk_writes.insert(children)
    flag_possible_duplicates_of(children)
    bulk_writes.insert([episode for _, episode, _ in taken])
    events = [audit_event(actor=by, action=AuditAction.CREATE, obj=child) for child in children]
    events += [
        audit_event(
            actor=by, action=AuditAction.CREATE, obj=episode, detail={"changed": changed, "source": source}
        )
        for _, episode, changed in taken
    ]
    record_events([*events, *save_episode_reports(reports, by=by), *rhis.save(by=by)])
