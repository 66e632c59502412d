"""The child's timeline (docs/case-notes.md): episodes, RHIs, referrals, disclosures, flags and case notes in one
list, newest first, each at the viewer's level, a page at a time.

Each kind of record is a *source*: a query over one table with the moment it is placed at. A page asks every
wanted source for its newest rows older than the cursor (keyset: moment, the source's rank, id), merges them
and keeps the newest ``limit``; the next page starts after the last one kept. So the queries per page do not
grow with the child's history, and a page never skips or repeats an entry.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.casenotes import can_read_case_notes
from access.casework import visible_referrals
from access.disclosures import visible_disclosures
from access.levels import Level, rhi_levels
from accounts.models import User
from casenotes.models import CaseNote
from core.query_params import parse_moment, split_cursor
from missing_episodes.models import Child, ChildFlag, EpisodeChange, MissingEpisode
from referrals.models import Referral
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure, DisclosureStatus

PAGE_SIZE = 50
PRINT_LIMIT = 500


class Kind(enum.StrEnum):
    """What the timeline can be filtered by (the ``kind`` query parameter)."""

    EPISODES = "episodes"
    RHIS = "rhis"
    REFERRALS = "referrals"
    DISCLOSURES = "disclosures"
    NOTES = "notes"
    FLAGS = "flags"


KIND_LABELS = {
    Kind.EPISODES: "Missing episodes",
    Kind.RHIS: "Return home interviews",
    Kind.REFERRALS: "Referrals",
    Kind.DISCLOSURES: "Information shared",
    Kind.NOTES: "Case notes",
    Kind.FLAGS: "Flags",
}


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry sits: newest first by moment, then by source rank, then by id (all descending)."""

    at: datetime
    rank: int
    pk: int

    def cursor(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.pk}"


def parse_cursor(raw: str | None) -> Position | None:
    """A "show older" cursor, or None (the newest page) for a missing or unusable one."""

    def head(text: str) -> tuple[datetime, int]:
        moment, _, rank = text.rpartition("~")
        if not (rank.isascii() and rank.isdigit() and len(rank) < 3):
            raise ValueError(rank)
        return parse_moment(moment), int(rank)

    parsed = split_cursor(raw, head)
    if parsed is None:
        return None
    (at, rank), pk = parsed
    return Position(at=at, rank=rank, pk=pk)


@dataclass
class Entry:
    position: Position
    kind: Kind
    title: str
    detail: str = ""
    episode: MissingEpisode | None = None
    rhi: ReturnHomeInterview | None = None
    rhi_full: bool = False  # the viewer sees the RHI in full: linked, with its outcome
    note: CaseNote | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return self.position.at


@dataclass
class Page:
    entries: list[Entry]
    older: str | None  # the cursor of the next (older) page, None on the last


@dataclass(frozen=True)
class Source:
    kind: Kind
    rank: int
    rows: QuerySet[Any]  # annotated with ``timeline_at``
    build: Callable[[Any, Position], Entry]


def _older_than(rank: int, cursor: Position | None) -> Q:
    if cursor is None:
        return Q()
    if rank < cursor.rank:
        return Q(timeline_at__lte=cursor.at)
    if rank == cursor.rank:
        return Q(timeline_at__lt=cursor.at) | Q(timeline_at=cursor.at, pk__lt=cursor.pk)
    return Q(timeline_at__lt=cursor.at)


def _fetch(source: Source, cursor: Position | None, limit: int) -> list[Entry]:
    rows = (
        source.rows.filter(timeline_at__isnull=False)
        .filter(_older_than(source.rank, cursor))
        .order_by("-timeline_at", "-pk")[: limit + 1]
    )
    return [source.build(row, Position(at=row.timeline_at, rank=source.rank, pk=row.pk)) for row in rows]


# --- the sources --------------------------------------------------------------------------------------------


def _went_missing(episode: MissingEpisode, at: Position) -> Entry:
    return Entry(
        at,
        Kind.EPISODES,
        f"Went {episode.get_category_display().lower()}",
        episode.get_missing_from_display(),
        episode=episode,
        extra={"still_missing": episode.is_open},
    )


def _returned(episode: MissingEpisode, at: Position) -> Entry:
    method = episode.get_return_method_display() if episode.return_method else ""
    return Entry(at, Kind.EPISODES, "Returned or found", method, episode=episode)


def _episode_changed(change: EpisodeChange, at: Position) -> Entry:
    """A reclassification or a re-graded risk the police made (missing_episodes.episode_changes)."""
    title = "Reclassified" if change.field == "category" else "Risk grade changed"
    return Entry(
        at, Kind.EPISODES, title, f"{change.old_shown} to {change.new_shown}", episode=change.episode
    )


def _rhi(levels: dict[int, Level]) -> Callable[[ReturnHomeInterview, Position], Entry]:
    def build(rhi: ReturnHomeInterview, at: Position) -> Entry:
        full = levels.get(rhi.pk) == Level.FULL
        detail = rhi.get_state_display()
        # The outcome (declined and why, unable to contact) is casework: only at the full level.
        if full and rhi.outcome:
            detail += f" – outcome: {rhi.get_outcome_display()}"
        return Entry(
            at,
            Kind.RHIS,
            f"RHI-{rhi.pk} opened",
            detail,
            rhi=rhi,
            rhi_full=full,
            extra={"by": rhi.provider.name},
        )

    return build


def _referral(referral: Referral, at: Position) -> Entry:
    if referral.withdrawn_at:
        state = f"Withdrawn {timezone.localtime(referral.withdrawn_at):%d/%m/%Y}"
    elif referral.acknowledged_at:
        state = f"Acknowledged {timezone.localtime(referral.acknowledged_at):%d/%m/%Y}"
    else:
        state = "Sent, not yet acknowledged" if referral.sent_at else "Draft"
    return Entry(
        at,
        Kind.REFERRALS,
        f"Referral to {referral.get_service_display()}",
        state,
        rhi=referral.rhi,
        rhi_full=True,
    )


def _disclosure(disclosure: Disclosure, at: Position) -> Entry:
    if disclosure.revoked_at:
        state = f"Revoked {timezone.localtime(disclosure.revoked_at):%d/%m/%Y}"
    elif disclosure.status != DisclosureStatus.ACTIVE:
        state = disclosure.get_status_display()
    elif disclosure.acknowledged_at:
        state = f"Acknowledged {timezone.localtime(disclosure.acknowledged_at):%d/%m/%Y}"
    else:
        state = "Not yet acknowledged"
    return Entry(
        at,
        Kind.DISCLOSURES,
        f"Shared with {disclosure.recipient_organisation.name}",
        f"{disclosure.get_level_display()} – {state}",
        extra={"disclosure": disclosure.pk},
    )


def _flag_set(flag: ChildFlag, at: Position) -> Entry:
    return Entry(
        at, Kind.FLAGS, f"Flag set: {flag.get_kind_display()}", f"Review by {flag.review_on:%d/%m/%Y}"
    )


def _flag_removed(flag: ChildFlag, at: Position) -> Entry:
    return Entry(at, Kind.FLAGS, f"Flag removed: {flag.get_kind_display()}")


def _note(note: CaseNote, at: Position) -> Entry:
    title = note.get_kind_display() if note.corrects_id is None else f"Correction: {note.get_kind_display()}"
    return Entry(
        at,
        Kind.NOTES,
        title,
        note.text,
        note=note,
        extra={
            "by": f"{note.author.get_full_name() or note.author.username}, {note.organisation.name}",
            "corrected": getattr(note, "is_corrected", False),
        },
    )


def _sources(user: User | AnonymousUser, child: Child, kinds: set[Kind]) -> Iterable[Source]:
    episodes = MissingEpisode.objects.filter(child=child)
    if Kind.EPISODES in kinds:
        yield Source(Kind.EPISODES, 0, episodes.annotate(timeline_at=F("missing_at")), _went_missing)
        yield Source(Kind.EPISODES, 1, episodes.annotate(timeline_at=F("returned_at")), _returned)
        changes = EpisodeChange.objects.filter(episode__child=child).select_related("episode")
        yield Source(Kind.EPISODES, 8, changes.annotate(timeline_at=F("changed_at")), _episode_changed)
    if Kind.RHIS in kinds:
        rhis = ReturnHomeInterview.objects.filter(child=child)
        levels = rhi_levels(user, list(rhis.values_list("pk", flat=True)))
        rows = rhis.select_related("provider").annotate(timeline_at=F("created_at"))
        yield Source(Kind.RHIS, 2, rows, _rhi(levels))
    if Kind.REFERRALS in kinds:
        referrals = visible_referrals(user).filter(rhi__child=child).select_related("rhi")
        yield Source(
            Kind.REFERRALS, 3, referrals.annotate(timeline_at=Coalesce("sent_at", "created_at")), _referral
        )
    if Kind.DISCLOSURES in kinds:
        disclosures = visible_disclosures(user).filter(child=child).select_related("recipient_organisation")
        yield Source(Kind.DISCLOSURES, 4, disclosures.annotate(timeline_at=F("shared_at")), _disclosure)
    if Kind.FLAGS in kinds:
        flags = ChildFlag.objects.filter(child=child)
        yield Source(Kind.FLAGS, 5, flags.annotate(timeline_at=F("set_at")), _flag_set)
        yield Source(Kind.FLAGS, 6, flags.annotate(timeline_at=F("removed_at")), _flag_removed)
    if Kind.NOTES in kinds and can_read_case_notes(user, child):
        notes = (
            CaseNote.objects.filter(child=child)
            .select_related("author", "organisation")
            .annotate(
                timeline_at=F("occurred_at"),
                is_corrected=Exists(CaseNote.objects.filter(corrects_id=OuterRef("pk"))),
            )
        )
        yield Source(Kind.NOTES, 7, notes, _note)


def child_timeline(
    user: User | AnonymousUser,
    child: Child,
    *,
    kinds: Iterable[Kind] = (),
    before: Position | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of the child's timeline as the user may see it, newest first, from ``before`` (exclusive).

    The caller has checked that the user sees the child (``access.casenotes.case_note_children``); ``kinds``
    (empty: all) narrows it. Records the user may not see are left out, and RHIs below the full level show
    neither a link nor their outcome."""
    wanted = set(kinds) or set(Kind)
    entries: list[Entry] = []
    for source in _sources(user, child, wanted):
        entries.extend(_fetch(source, before, limit))
    entries.sort(key=lambda entry: entry.position, reverse=True)
    page = entries[:limit]
    older = page[-1].position.cursor() if len(entries) > limit else None
    return Page(entries=page, older=older)
