"""Annex A's two return interview questions, answered as at the list's date (issue 13 part 4).

Annex A is a list *as at* a day, and a lead who runs it again in June for 31 March must get what was true on
31 March: something recorded after the end of the as-at day (London time) does not change "offered" or
"accepted". ``answers_as_at`` decides it for one RHI, from when things were *recorded* (``created_at``, the
``StateTransition`` rows, ``state_changed_at``), not from the dates a worker typed (a backdated offer recorded in
April was not on the record on 31 March):

* an RHI created after the day does not exist yet: ``N``, ``N``;
* an RHI whose state has not changed since the day answers from its record as it stands (the same rule as
  ever: ``offered_and_accepted``);
* otherwise the states it had reached by the end of the day answer: offered when one of them follows an offer,
  accepted when the state it was in then is one of acceptance;
* history imported from a council's earlier system (``source=import``) is a copy of what that system recorded
  at the time, so it answers from its record as it stands.

Which RHI answers for an episode follows ``rhi.selectors.answering_rhi_ids``'s rule (its own, or the RHI that
took it over when the child went missing again) as it stood on the day: only a superseding recorded by the end
of the as-at day hands the answer on, so a superseding RHI created afterwards does not answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from reporting.fast_reads import ids_in, read_tuples
from reporting.ssda903 import local_midnight
from rhi.models import (
    Outcome,
    RecordSource,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
    StateTransition,
)
from rhi.selectors import last_of_chain

YES, NO = "Y", "N"
OFFERED_STATES = frozenset(
    {
        RHIState.OFFERED,
        RHIState.ACCEPTED,
        RHIState.DRAFTING,
        RHIState.SUBMITTED,
        RHIState.RETURNED,
        RHIState.APPROVED,
        RHIState.DECLINED,
    }
)
ACCEPTED_STATES = frozenset(
    {RHIState.ACCEPTED, RHIState.DRAFTING, RHIState.SUBMITTED, RHIState.RETURNED, RHIState.APPROVED}
)
_FIELDS = (
    "pk",
    "created_at",
    "state",
    "state_changed_at",
    "offered_at",
    "outcome",
    "source",
    "superseded_by_id",
)
# The same, read through an episode's link to its RHI.
_LINK_FIELDS = ("rhi_id", *(f"rhi__{name}" for name in _FIELDS[1:-1]), "rhi__superseded_by")


def offered_and_accepted(
    state: str | None, offered_at: datetime | None, outcome: str | None
) -> tuple[str, str]:
    """Y/N for the two questions from an RHI's record as it stands (N, N when there is no RHI)."""
    if state is None:
        return NO, NO
    offered = (
        offered_at is not None or state in OFFERED_STATES or outcome in (Outcome.ACCEPTED, Outcome.DECLINED)
    )
    accepted = outcome == Outcome.ACCEPTED or state in ACCEPTED_STATES
    return (YES if offered else NO), (YES if accepted else NO)


@dataclass(frozen=True)
class InterviewRecord:
    """What an RHI's row and history say, for judging it as at a moment."""

    created_at: datetime
    state: str
    state_changed_at: datetime
    offered_at: datetime | None = None
    outcome: str = ""
    source: str = RecordSource.APP
    superseded_by_id: int | None = None
    # (recorded at, state entered), oldest first; loaded only for an RHI whose state changed after the moment.
    transitions: tuple[tuple[datetime, str], ...] = field(default=())

    def changed_after(self, cutoff: datetime) -> bool:
        return self.source != RecordSource.IMPORT and self.state_changed_at >= cutoff

    def state_at(self, cutoff: datetime) -> str | None:
        """The state the RHI was in just before ``cutoff`` (None: it did not exist yet, or — for a row kept
        without its history — it is not known)."""
        if self.source == RecordSource.IMPORT:
            return self.state
        if self.created_at >= cutoff:
            return None
        if not self.changed_after(cutoff):
            return self.state
        reached = [state for at, state in self.transitions if at < cutoff]
        return reached[-1] if reached else None


def answers_as_at(record: InterviewRecord | None, cutoff: datetime) -> tuple[str, str]:
    """Offered / accepted (Y/N) for one RHI, from what was on record before ``cutoff`` (the midnight after the
    as-at day). The one place the as-at rule is decided."""
    if record is None:
        return NO, NO
    if record.source == RecordSource.IMPORT:
        return offered_and_accepted(record.state, record.offered_at, record.outcome)
    if record.created_at >= cutoff:
        return NO, NO
    if not record.changed_after(cutoff):
        return offered_and_accepted(record.state, record.offered_at, record.outcome)
    reached = [state for at, state in record.transitions if at < cutoff]
    if not record.transitions and record.offered_at is not None and record.offered_at < cutoff:
        reached.append(RHIState.OFFERED)  # a row kept without its history: its offer time is all there is
    offered = any(state in OFFERED_STATES for state in reached)
    accepted = bool(record.transitions) and record.state_at(cutoff) in ACCEPTED_STATES
    return (YES if offered else NO), (YES if accepted else NO)


def _load(rhi_ids: Iterable[int], cutoff: datetime) -> dict[int, InterviewRecord]:
    rows = read_tuples(
        ReturnHomeInterview.objects.filter(ids_in("id", sorted(set(rhi_ids)))).values_list(*_FIELDS)
    )
    return _records(rows, cutoff)


def _records(rows: list[tuple[object, ...]], cutoff: datetime) -> dict[int, InterviewRecord]:
    records: dict[int, InterviewRecord] = {
        row[0]: InterviewRecord(*row[1:])  # type: ignore[arg-type,misc]
        for row in rows
    }
    changed = [pk for pk, record in records.items() if record.changed_after(cutoff)]
    if changed:  # only an RHI changed since the day needs its history (usually few)
        history: dict[int, list[tuple[datetime, str]]] = {}
        for rhi_id, at, to_state in read_tuples(
            StateTransition.objects.filter(ids_in("rhi_id", changed), at__lt=cutoff)
            .order_by("rhi_id", "at", "pk")
            .values_list("rhi_id", "at", "to_state")
        ):
            history.setdefault(rhi_id, []).append((at, to_state))
        # An RHI created before the cutoff with no transition before it was kept without its history (its
        # creation is itself a transition): answers_as_at falls back on its offer time.
        for pk in changed:
            records[pk] = replace(records[pk], transitions=tuple(history.get(pk, ())))
    return records


def interviews_as_at(episode_ids: Iterable[int], as_at: date) -> dict[int, tuple[str, str]]:
    """Offered / accepted for each episode of ``episode_ids`` as at the end of ``as_at`` (London), from the RHI
    that answered for it then. Two queries, one more when an RHI had changed since, and two more per step of a
    chain of RHIs superseded by then."""
    cutoff = local_midnight(as_at + timedelta(days=1))
    links = read_tuples(
        RHIEpisode.objects.filter(ids_in("episode_id", list(episode_ids))).values_list(
            "episode_id", *(_LINK_FIELDS)
        )
    )
    records = _records([row[1:] for row in links], cutoff)
    answering = {rhi_id: rhi_id for rhi_id in records}
    seen: set[int] = set(records)
    while pending := _follow(records, answering, cutoff) - seen:  # never loop on bad data
        seen |= pending
        records.update(_load(pending, cutoff))
    return {row[0]: answers_as_at(records.get(answering[row[1]]), cutoff) for row in links}


def _follow(records: dict[int, InterviewRecord], answering: dict[int, int], cutoff: datetime) -> set[int]:
    """Move each RHI's answering RHI along the successors that had superseded it by ``cutoff``, as far as the
    loaded records go (``rhi.selectors.last_of_chain``); the successors still to load."""

    def successor(rhi_id: int) -> int | None:
        record = records.get(rhi_id)
        if record is None or record.state_at(cutoff) != RHIState.SUPERSEDED:
            return None
        return record.superseded_by_id

    for rhi_id, current in answering.items():
        answering[rhi_id] = last_of_chain(current, successor)
    return {current for current in answering.values() if current not in records}
