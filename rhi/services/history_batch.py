"""The batch path of the outcome import (issue 18; docs/import-rhi-outcomes.md, docs/benchmarks.md "Bulk
intake"): a batch's outcomes for RHIs already linked to their episodes are decided in memory, over what is read
once for the batch (the episodes' links, their RHIs locked as the per-row path locks each, the interviews and
each RHI's latest return), by the per-row path's own rules (``history.decide_historic_outcome``,
``apply_historic_outcome``, ``historic_interview``, ``historic_records``), and written with one statement per
table.

Any row the per-row path must decide is left to ``record_historic_outcome`` (the caller records it after the
batch rows, in line order): an episode with no RHI yet (its RHI is opened), a second row for an RHI, a row
failing a rule (the per-row path reports it, with its reason). Once a row of a child is left, so are the child's
later rows in the batch, so each child's rows are still recorded in line order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_events
from core import bulk_writes
from missing_episodes.models import MissingEpisode
from rhi.models import Interview, RecordSource, ReturnHomeInterview, RHIEpisode, StateTransition
from rhi.services.history import (
    DECLINE_FIELDS,
    NOT_OFFERED_FIELDS,
    OFFER_FIELDS,
    HistoryResult,
    apply_historic_outcome,
    decide_historic_outcome,
    historic_interview,
    historic_records,
    interview_an_import_may_change,
)

# The RHI fields an imported outcome writes (``apply_historic_outcome``).
OUTCOME_FIELDS = (
    *OFFER_FIELDS,
    "outcome",
    *DECLINE_FIELDS,
    *NOT_OFFERED_FIELDS,
    "outcome_recorded_at",
    "source",
    "state",
    "state_changed_at",
    "updated_at",
    "version",
)
INTERVIEW_FIELDS = (
    "held_at",
    "location_type",
    "interviewer_independence",
    "child_choice_of_interviewer",
    "updated_at",
)


@dataclass(frozen=True)
class OutcomeRow:
    episode: MissingEpisode
    values: dict[str, Any]  # ``normalise_history_fields``'s


class _Read:
    """What a batch's rows need, read once: the episodes' RHIs (locked), their interviews and latest returns."""

    def __init__(self, rows: Sequence[OutcomeRow]) -> None:
        self.rhi_of = dict(
            RHIEpisode.objects.filter(episode_id__in={row.episode.pk for row in rows}).values_list(
                "episode_id", "rhi_id"
            )
        )
        ids = set(self.rhi_of.values())
        self.rhis = {
            rhi.pk: rhi for rhi in ReturnHomeInterview.objects.select_for_update().filter(pk__in=ids)
        }
        self.interviews = {i.rhi_id: i for i in Interview.objects.filter(rhi_id__in=ids)}
        self.latest_return: dict[int, datetime | None] = dict(
            RHIEpisode.objects.filter(rhi_id__in=ids)
            .order_by()
            .values("rhi_id")
            .annotate(latest=Max("episode__returned_at"))
            .values_list("rhi_id", "latest")
        )


@dataclass
class _Writes:
    rhis: list[ReturnHomeInterview]
    new_interviews: list[Interview]
    changed_interviews: list[Interview]
    gone_interviews: list[int]
    transitions: list[StateTransition]
    events: list[AuditEvent]


def _decide(
    read: _Read,
    rhi_id: int,
    values: dict[str, Any],
    writes: _Writes,
    *,
    now: datetime,
    by: User | None,
    source: str,
) -> str:
    """One row's outcome on its RHI, by the per-row rules (ValidationError: the per-row path reports it)."""
    rhi = read.rhis[rhi_id]
    interview = read.interviews.get(rhi_id)
    result = decide_historic_outcome(rhi, interview, values, latest_return=read.latest_return.get(rhi_id))
    if result == "unchanged":
        return result
    existing = interview_an_import_may_change(rhi, interview)
    if existing is None and interview is not None and values["interview_held_at"] is not None:
        # The per-row path's insert is refused by the one-interview rule: it reports that, row by row.
        raise ValidationError("an interview made in the app")
    states = apply_historic_outcome(rhi, values, now=now, source=source, reads=False)
    new = historic_interview(rhi, existing, values, now, reads=False)
    transition, event = historic_records(rhi, states, values, result=result, now=now, by=by, source=source)
    writes.rhis.append(rhi)
    if new is None and existing is not None:
        writes.gone_interviews.append(existing.pk)
    elif new is not None and existing is None:
        writes.new_interviews.append(new)
    elif new is not None:
        writes.changed_interviews.append(new)
    writes.transitions.append(transition)
    writes.events.append(event)
    return result


def record_historic_outcomes(
    rows: Sequence[OutcomeRow], *, by: User | None, skip_rhis: set[int], source: str = RecordSource.IMPORT
) -> list[HistoryResult | None]:
    """Record the rows the batch path may decide, together (inside the caller's transaction); for each row its
    result, or None: the caller records it with ``record_historic_outcome`` (after these, in line order). Rows
    of ``skip_rhis`` (RHIs earlier rows of the file gave an outcome: the importer checks them one by one) are
    left too. If the database refuses the batch (a rule only it knows), nothing is written and every row is
    None."""
    read = _Read(rows)
    now = timezone.now()
    writes = _Writes([], [], [], [], [], [])
    results: list[HistoryResult | None] = [None] * len(rows)
    left: set[int] = set()  # children whose rows go to the per-row path from here on
    decided: set[int] = set()  # RHIs a row of the batch decided
    for index, row in enumerate(rows):
        rhi_id = read.rhi_of.get(row.episode.pk)
        child = row.episode.child_id
        if rhi_id is None or rhi_id in decided or rhi_id in skip_rhis or child in left:
            left.add(child)
            continue
        try:
            result = _decide(read, rhi_id, row.values, writes, now=now, by=by, source=source)
        except ValidationError:
            left.add(child)
            continue
        decided.add(rhi_id)
        results[index] = HistoryResult(rhi=read.rhis[rhi_id], outcome=result)
    try:
        with transaction.atomic():
            _write(writes)
    except IntegrityError:
        return [None] * len(rows)
    return results


def _write(writes: _Writes) -> None:
    """One statement per table: the RHIs' outcomes, the interviews (new, changed, gone), the transitions and
    the audit events."""
    bulk_writes.update(writes.rhis, OUTCOME_FIELDS)
    if writes.gone_interviews:
        Interview.objects.filter(pk__in=writes.gone_interviews).delete()
    bulk_writes.update(writes.changed_interviews, INTERVIEW_FIELDS)
    bulk_writes.insert(writes.new_interviews)
    bulk_writes.insert(writes.transitions)
    record_events(writes.events)
