"""Annex A answers as at its date (issue 13 part 4): what was recorded after the end of the as-at day (London
time) does not change "offered" or "accepted". Child L1 went missing on 20 March 2026 (its last missing episode
in the 12 months up to 31 March 2026); the RHI's history is recorded as StateTransition rows, as the services
record it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Organisation
from missing_episodes.models import LegalStatus, MissingEpisode
from reporting import annex_a
from reporting.annex_a_interviews import ACCEPTED_STATES, OFFERED_STATES, InterviewRecord, answers_as_at
from reporting.annex_a_spec import ACCEPTED, OFFERED
from reporting.ssda903 import local_midnight
from rhi.models import Outcome, RecordSource, ReturnHomeInterview, RHIState, StateTransition
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    RHIEpisodeFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
AS_AT = date(2026, 3, 31)


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


@pytest.fixture
def episode(la: Organisation) -> MissingEpisode:
    child = ChildFactory.create(
        responsible_la=la,
        la_child_id="L1",
        legal_status=LegalStatus.LOOKED_AFTER,
        date_of_birth=date(2010, 6, 15),
    )
    return MissingEpisodeFactory.create(child=child, missing_at=at(3, 20, 9), returned_at=at(3, 20, 18))


def rhi_with_history(
    episode: MissingEpisode | None, steps: list[tuple[datetime, str]], **fields: object
) -> ReturnHomeInterview:
    """An RHI created at the first step, moved through the others; its row as the last step left it."""
    (created, _), (changed, state) = steps[0], steps[-1]
    child = episode.child if episode else fields.pop("child")
    rhi = RHIFactory.create(child=child, created_at=created, state=state, state_changed_at=changed, **fields)
    previous = ""
    for recorded, to_state in steps:
        StateTransition.objects.create(rhi=rhi, from_state=previous, to_state=to_state, at=recorded)
        previous = to_state
    if episode is not None:
        RHIEpisodeFactory.create(rhi=rhi, episode=episode)
    return rhi


def answers(la: Organisation, as_at: date = AS_AT) -> tuple[object, object]:
    rows = {
        row[0]: dict(zip(annex_a.COLUMNS, row, strict=True))
        for row in annex_a.list8_rows(local_authority_id=la.pk, as_at=as_at)
    }
    return rows["L1"][OFFERED], rows["L1"][ACCEPTED]


def test_an_offer_recorded_the_day_after_the_as_at_date_is_not_an_offer_as_at_that_date(
    la: Organisation, episode: MissingEpisode
) -> None:
    # The worker recorded on 1 April (London: 00:30 BST) an offer they dated 30 March.
    rhi_with_history(
        episode,
        [(at(3, 20, 19), RHIState.UNALLOCATED), (at(3, 31, 23, 30), RHIState.OFFERED)],
        offered_at=at(3, 30),
    )

    assert answers(la) == ("N", "N")
    assert answers(la, date(2026, 4, 1)) == ("Y", "N")


def test_an_acceptance_recorded_after_the_as_at_date_leaves_offered_but_not_accepted(
    la: Organisation, episode: MissingEpisode
) -> None:
    rhi_with_history(
        episode,
        [
            (at(3, 20, 19), RHIState.UNALLOCATED),
            (at(3, 25), RHIState.OFFERED),
            (at(4, 2), RHIState.ACCEPTED),
            (at(4, 3), RHIState.DRAFTING),
        ],
        offered_at=at(3, 25),
        outcome=Outcome.ACCEPTED,
    )

    assert answers(la) == ("Y", "N")
    assert answers(la, date(2026, 4, 2)) == ("Y", "Y")


def test_a_superseding_rhi_created_after_the_as_at_date_does_not_answer(
    la: Organisation, episode: MissingEpisode
) -> None:
    # Offered on 25 March; the child went missing again on 5 April and the new RHI took the first one over.
    later = rhi_with_history(
        None,
        [(at(4, 5), RHIState.UNALLOCATED), (at(4, 6), RHIState.OFFERED), (at(4, 7), RHIState.ACCEPTED)],
        child=episode.child,
        offered_at=at(4, 6),
        outcome=Outcome.ACCEPTED,
    )
    rhi_with_history(
        episode,
        [
            (at(3, 20, 19), RHIState.UNALLOCATED),
            (at(3, 25), RHIState.OFFERED),
            (at(4, 5), RHIState.SUPERSEDED),
        ],
        offered_at=at(3, 25),
        outcome=Outcome.SUPERSEDED,
        superseded_by=later,
    )

    assert answers(la) == ("Y", "N")  # the first RHI, as it stood on 31 March
    assert answers(la, date(2026, 4, 8)) == ("Y", "Y")  # by 8 April its successor answers


def test_a_superseding_recorded_by_the_as_at_date_hands_the_answer_to_the_successor(
    la: Organisation, episode: MissingEpisode
) -> None:
    later = rhi_with_history(
        None,
        [(at(3, 22), RHIState.UNALLOCATED), (at(3, 23), RHIState.OFFERED), (at(3, 24), RHIState.ACCEPTED)],
        child=episode.child,
        offered_at=at(3, 23),
        outcome=Outcome.ACCEPTED,
    )
    rhi_with_history(
        episode,
        [(at(3, 20, 19), RHIState.UNALLOCATED), (at(3, 22), RHIState.SUPERSEDED)],
        outcome=Outcome.SUPERSEDED,
        superseded_by=later,
    )

    assert answers(la) == ("Y", "Y")


def test_an_rhi_created_after_the_as_at_date_leaves_both_answers_no(
    la: Organisation, episode: MissingEpisode
) -> None:
    rhi_with_history(
        episode,
        [(at(4, 1, 9), RHIState.UNALLOCATED), (at(4, 1, 10), RHIState.OFFERED)],
        offered_at=at(3, 30),
    )

    assert answers(la) == ("N", "N")


def test_imported_history_answers_from_its_record_whenever_it_was_imported() -> None:
    cutoff = local_midnight(date(2026, 4, 1))
    imported = InterviewRecord(
        created_at=at(6, 1),
        state=RHIState.DECLINED,
        state_changed_at=at(6, 1),  # imported in June: a copy of what the earlier system held at the time
        offered_at=at(3, 22),
        outcome=Outcome.DECLINED,
        source=RecordSource.IMPORT,
    )

    assert answers_as_at(imported, cutoff) == ("Y", "N")
    assert answers_as_at(None, cutoff) == ("N", "N")


# Any path through the states, one step a few hours apart, and a cutoff somewhere along it.
_STATES = [state for state in RHIState.values if state != RHIState.SUPERSEDED]


def _record(
    steps: list[tuple[datetime, str]], transitions: tuple[tuple[datetime, str], ...]
) -> InterviewRecord:
    """The RHI's row as the services leave it after ``steps``: the offer time is when an offer state was first
    reached, the outcome follows the state."""
    state = steps[-1][1]
    offered = [at for at, step in steps if step in OFFERED_STATES]
    changes = [at for (at, step), (_, before) in zip(steps[1:], steps, strict=False) if step != before]
    outcome = (
        Outcome.ACCEPTED
        if state in ACCEPTED_STATES
        else (Outcome.DECLINED if state == RHIState.DECLINED else "")
    )
    return InterviewRecord(
        created_at=steps[0][0],
        state=state,
        state_changed_at=changes[-1] if changes else steps[0][0],
        offered_at=offered[0] if offered else None,
        outcome=outcome,
        transitions=transitions,
    )


@given(
    path=st.lists(st.sampled_from(_STATES), min_size=1, max_size=8),
    gaps=st.lists(st.integers(min_value=0, max_value=3), min_size=8, max_size=8),
    cut=st.integers(min_value=0, max_value=30),
)
def test_nothing_recorded_after_the_cutoff_changes_the_answers(
    path: list[str], gaps: list[int], cut: int
) -> None:
    start = at(3, 1)
    steps, hours = [], 0
    for state, gap in zip([RHIState.UNALLOCATED, *path], [0, *gaps], strict=False):
        hours += gap
        steps.append((start + timedelta(hours=hours), state))
    cutoff = start + timedelta(hours=cut)
    before = [step for step in steps if step[0] < cutoff]
    whole = _record(steps, tuple(before))  # as the list reads it later: its history up to the cutoff
    then = _record(before, ()) if before else None  # the row as it stood at the cutoff

    assert answers_as_at(whole, cutoff) == answers_as_at(then, cutoff)
