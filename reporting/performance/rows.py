"""The rows of the performance return: one per episode in scope, fetched with one query for the episodes and
one per chunk of ids for their RHI links, as plain tuples (no model instance per row).

Speed (docs/benchmarks.md): on PostgreSQL the rows are read through psycopg's own (C) loaders, not Django's
per-value ones: Django loads every ``timestamptz`` through a pure-Python loader (to set its tzinfo) and parses
every RHI's ``policy_snapshot`` with ``json.loads``, which for a large LA's year was about a third of the
return's time. The instants are the same (UTC); a snapshot is parsed once per distinct text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import Organisation
from missing_episodes.classification import returns_category
from missing_episodes.models import MissingEpisode
from missing_episodes.selectors import with_looked_after_at_start
from reporting.fast_reads import ids_in, read_by_ids, read_tuples
from reporting.periods import period_bounds
from rhi.models import ReturnHomeInterview, RHIEpisode
from rhi.selectors import answering_rhi_ids


class EpisodeRow(NamedTuple):
    episode_id: int
    child_id: int
    category: str
    missing_from: str
    missing_at: datetime
    returned_at: datetime | None
    police_notified_at: datetime | None
    responsible_la_id: int
    host_la_id: int | None
    was_out_of_area: bool | None
    police_reference: str
    looked_after_at_start: bool  # a period of care covered the day it began (missing_episodes.selectors)
    rhi_id: int | None
    counts_for_timeliness: bool | None
    rhi_state: str | None
    outcome: str | None
    offered_at: datetime | None
    offered_to: str | None
    declined_by: str | None
    decline_reason: str | None
    not_offered_reason: str | None
    snapshot: dict[str, Any] | None
    held_at: datetime | None
    independence: str | None
    commissioning_la_id: int | None  # the LA whose policy the RHI took (the host LA for a child placed away)
    superseded: bool  # the episode's own RHI was superseded: the fields above are its successor's


EPISODE_FIELDS = (
    "pk",
    "child_id",
    "counted_category",  # missing_episodes.classification: the category as the returns count it
    "missing_from",
    "missing_at",
    "returned_at",
    "police_notified_at",
    "responsible_la_id",
    "host_la_id",
    "was_out_of_area",
    "police_reference",
    "looked_after_at_start",
)
# What the RHI that answers for an episode says (``rhi.selectors.answering_rhi_ids``), in EpisodeRow order.
ANSWER_FIELDS = (
    "state",
    "outcome",
    "offered_at",
    "offered_to",
    "declined_by",
    "decline_reason",
    "not_offered_reason",
    "policy_snapshot",
    "interview__held_at",
    "interview__interviewer_independence",
    "local_authority_id",
)
RHI_FIELDS = (
    "episode_id",
    "rhi_id",
    "counts_for_timeliness",
    *(f"rhi__{name}" for name in ANSWER_FIELDS),
    "rhi__superseded_by_id",
)
NO_RHI = (None,) * (len(ANSWER_FIELDS) + 2) + (False,)
LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class Scope:
    """Whose figures and for when: exactly one of an LA or a provider, and a period of local dates."""

    date_from: date
    date_to: date
    local_authority: Organisation | None = None
    provider: Organisation | None = None

    def __post_init__(self) -> None:
        if (self.local_authority is None) == (self.provider is None):
            raise ValueError("Give a local authority or a provider, not both or neither.")
        if self.date_to < self.date_from:
            raise ValueError("The period ends before it starts.")

    @property
    def organisation(self) -> Organisation:
        org = self.local_authority or self.provider
        assert org is not None
        return org

    @property
    def starts(self) -> datetime:
        return period_bounds(self.date_from, self.date_to)[0]

    @property
    def ends(self) -> datetime:
        """Exclusive: midnight at the start of the day after ``date_to``, UK time."""
        return period_bounds(self.date_from, self.date_to)[1]


def episodes_in_scope(scope: Scope) -> QuerySet[MissingEpisode]:
    """Episodes that started in the period and belong to the scope (the headline and the placed-in cohort)."""
    in_period = Q(missing_at__gte=scope.starts, missing_at__lt=scope.ends)
    if scope.local_authority is not None:
        la_id = scope.local_authority.pk
        return MissingEpisode.objects.filter(in_period & (Q(responsible_la_id=la_id) | Q(host_la_id=la_id)))
    assert scope.provider is not None
    return MissingEpisode.objects.filter(in_period, rhi_link__rhi__provider_id=scope.provider.pk)


class SnapshotParser:
    """``policy_snapshot`` as a dict, parsed once per distinct text (an LA's RHIs share a few policies). The
    dicts are shared between rows: read, never changed."""

    def __init__(self) -> None:
        self._parsed: dict[str, Any] = {}

    def __call__(self, snapshot: Any) -> Any:
        if not isinstance(snapshot, str):  # SQLite: Django has parsed it
            return snapshot
        parsed = self._parsed.get(snapshot)
        if parsed is None:
            parsed = self._parsed[snapshot] = json.loads(snapshot)
        return parsed


LINK_SNAPSHOT = 2 + ANSWER_FIELDS.index(
    "policy_snapshot"
)  # in a link: the RHI, counts_for_timeliness, answers


def _links_of(episode_ids: list[int]) -> QuerySet[RHIEpisode]:
    return RHIEpisode.objects.filter(ids_in("episode_id", episode_ids)).order_by().values_list(*RHI_FIELDS)


def fetch_rows(scope: Scope, *, episode_ids: Sequence[int] | None = None) -> list[EpisodeRow]:
    """One row per episode in scope: the episodes by their (LA, start) indexes, then their RHI links by the
    unique episode index in chunks of ids (a join lets the planner hash the whole link table instead).
    ``episode_ids``: only those of them (the kept facts refresh a few episodes at a time)."""
    in_scope = episodes_in_scope(scope)
    if episode_ids is not None:
        in_scope = in_scope.filter(pk__in=list(episode_ids))
    episodes = read_tuples(
        with_looked_after_at_start(in_scope)
        .annotate(counted_category=returns_category())
        .order_by()
        .values_list(*EPISODE_FIELDS)
    )
    ids = [values[0] for values in episodes]
    snapshot = SnapshotParser()
    links: dict[int, tuple[Any, ...]] = {}
    superseded: dict[int, tuple[int, int]] = {}  # episode id: (its RHI, the RHI that superseded it)
    for offset in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[offset : offset + LOOKUP_CHUNK]
        for values in read_by_ids(_links_of, chunk):
            episode_id, rhi_id, successor = values[0], values[1], values[-1]
            link = list(values[1:-1])
            link[LINK_SNAPSHOT] = snapshot(link[LINK_SNAPSHOT])
            links[episode_id] = (*link, False)
            if successor is not None:
                superseded[episode_id] = (rhi_id, successor)
    links.update(_answered_by_successors(superseded))
    return [EpisodeRow(*values, *links.get(values[0], NO_RHI)) for values in episodes]


def _answers_of(rhi_ids: list[int]) -> QuerySet[ReturnHomeInterview]:
    if connection.vendor == "postgresql":  # the RHI's own id: the interview joined in has an "id" too
        table = connection.ops.quote_name(ReturnHomeInterview._meta.db_table)
        ids: Q | RawSQL = RawSQL(f'{table}."id" = ANY(%s)', (rhi_ids,), output_field=BooleanField())  # noqa: S611 - the model's table
    else:
        ids = Q(pk__in=rhi_ids)
    return ReturnHomeInterview.objects.filter(ids).order_by().values_list("pk", *ANSWER_FIELDS)


SNAPSHOT = ANSWER_FIELDS.index("policy_snapshot")


def _answered_by_successors(superseded: dict[int, tuple[int, int]]) -> dict[int, tuple[Any, ...]]:
    """The link values of episodes whose RHI was superseded, taken from the RHI that answers for them: they
    were offered, interviewed or declined by it, and are excluded from timeliness (its clock runs from a later
    episode, as for a bunched one)."""
    if not superseded:
        return {}
    answering = answering_rhi_ids(dict(superseded.values()))
    snapshot = SnapshotParser()
    answers = {}
    for values in read_by_ids(_answers_of, sorted(set(answering.values()))):
        answer = list(values[1:])
        answer[SNAPSHOT] = snapshot(answer[SNAPSHOT])
        answers[values[0]] = tuple(answer)
    return {
        episode_id: (answering[rhi_id], False, *answers[answering[rhi_id]], True)
        for episode_id, (rhi_id, _) in superseded.items()
    }
