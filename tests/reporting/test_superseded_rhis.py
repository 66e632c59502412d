"""One answer for superseded RHIs (issue 13 part 6): the RHI that took an episode's RHI over answers for it, in
the performance return as in Annex A (``rhi.selectors.answering_rhi_ids``).

North (72 hours from the return, bunch from latest), collection year 2025/26, looked at on 1 June 2026. Child K:
  K1  missing Mon 1 Sep 2025 10:00 UTC, returned 18:00; RHI R1 opened, offered nothing yet.
  K2  absent Tue 2 Sep 10:00, returned 20:00, before R1's interview: R1 is superseded by R2.
  K3  absent Thu 4 Sep 08:00, returned 12:00: bunched into R2, whose clock restarts at K3's return (K2 excluded).
  R2  offered Thu 4 Sep 14:00, accepted, interview Fri 5 Sep 10:00 — due Sun 7 Sep 12:00 (72 h): in time.
So K1 was offered and interviewed by R2 (not "not offered / not done"), and is excluded from timeliness like
K2: R2's clock runs from K3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import Organisation
from missing_episodes.models import CareLegalStatus, CarePeriod, EpisodeCategory, MissingEpisode
from reporting import annex_a
from reporting.annex_a_spec import ACCEPTED, OFFERED
from reporting.performance import EXCLUDED, IN_TIME, LATE, NOT_DONE, OWN, figure_records, performance_figures
from rhi.models import ClockPolicy, OfferedTo, Outcome, RepeatRule, ReturnHomeInterview, RHIState
from rhi.selectors import answering_rhi_ids, last_of_chain
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory, RHIFactory
from tests.reporting.performance_world import NORTH_RULES, NOW, YEAR, interview, rhi_for, snapshot, utc

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class SupersededWorld:
    north: Organisation
    k1: MissingEpisode
    k2: MissingEpisode
    k3: MissingEpisode
    r1: ReturnHomeInterview
    r2: ReturnHomeInterview


@pytest.fixture
def superseded() -> SupersededWorld:
    north = LocalAuthorityFactory.create(code="811", name="North")
    ClockPolicy.objects.create(
        local_authority=north, effective_from=utc(2020, 1, 1).date(), repeat_rule=RepeatRule.BUNCH_FROM_LATEST
    )
    snap = snapshot(NORTH_RULES, RepeatRule.BUNCH_FROM_LATEST)
    child = ChildFactory.create(responsible_la=north)
    k1 = MissingEpisodeFactory.create(
        child=child, missing_at=utc(2025, 9, 1, 10), returned_at=utc(2025, 9, 1, 18)
    )
    k2 = MissingEpisodeFactory.create(
        child=child,
        category=EpisodeCategory.ABSENT,
        missing_at=utc(2025, 9, 2, 10),
        returned_at=utc(2025, 9, 2, 20),
    )
    k3 = MissingEpisodeFactory.create(
        child=child,
        category=EpisodeCategory.ABSENT,
        missing_at=utc(2025, 9, 4, 8),
        returned_at=utc(2025, 9, 4, 12),
    )
    r2 = rhi_for(
        [k2, k3],
        la=north,
        provider=north,
        snap=snap,
        counts=[False, True],
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 9, 4, 14),
        offered_to=OfferedTo.CHILD,
    )
    interview(r2, utc(2025, 9, 5, 10))
    r1 = rhi_for(
        [k1],
        la=north,
        provider=north,
        snap=snap,
        state=RHIState.SUPERSEDED,
        outcome=Outcome.SUPERSEDED,
        superseded_by=r2,
    )
    return SupersededWorld(north=north, k1=k1, k2=k2, k3=k3, r1=r1, r2=r2)


def test_episode_whose_rhi_was_superseded_counts_as_offered_and_carried_out_by_its_successor(
    superseded: SupersededWorld,
) -> None:
    result = performance_figures(local_authority=superseded.north, now=NOW, **YEAR)
    counts = result.counts
    assert result.incidents == 3
    assert counts["offered"] == 3  # K1 through R2, and K2, K3
    assert counts["accepted"] == 3
    assert counts["carried_out"] == 3  # before: 2 (K1 counted as not done)
    assert counts["superseded"] == 1 and counts["bunched"] == 1
    assert result.interviews == 1  # one interview, R2's, however many episodes it answers for
    assert figure_records("superseded", local_authority=superseded.north, now=NOW, **YEAR) == [
        superseded.k1.pk
    ]


def test_superseded_episode_is_excluded_from_timeliness_like_a_bunched_one(
    superseded: SupersededWorld,
) -> None:
    result = performance_figures(local_authority=superseded.north, now=NOW, **YEAR)
    own = result.own.counts
    # K3 in time (interview 22 h after its return); K1 (superseded) and K2 (bunched) excluded; none not done.
    assert (own[IN_TIME], own[LATE], own[NOT_DONE], own[EXCLUDED]) == (1, 0, 0, 2)
    for row in result.standard:
        assert row.counts[EXCLUDED] == 2 and row.counts[NOT_DONE] == 0, row.key
    excluded = figure_records(f"{OWN}__{EXCLUDED}", local_authority=superseded.north, now=NOW, **YEAR)
    assert excluded == sorted([superseded.k1.pk, superseded.k2.pk])


def test_annex_a_answers_for_the_superseded_episode_from_the_same_successor(
    superseded: SupersededWorld,
) -> None:
    """K1 is the child's last *missing* episode (K2 and K3 are absences); R2, which took R1 over on 2 September,
    accepted and interviewed, answers for it in Annex A as in the performance return."""
    ReturnHomeInterview.objects.filter(pk=superseded.r1.pk).update(
        created_at=utc(2025, 9, 1, 19), state_changed_at=utc(2025, 9, 2, 21)
    )
    ReturnHomeInterview.objects.filter(pk=superseded.r2.pk).update(
        created_at=utc(2025, 9, 2, 21), state_changed_at=utc(2025, 9, 5, 10)
    )
    CarePeriod.objects.create(
        child=superseded.k1.child, start_date=date(2024, 1, 1), legal_status=CareLegalStatus.C2
    )
    (row,) = annex_a.list8_rows(local_authority_id=superseded.north.pk, as_at=date(2026, 3, 31))
    named = dict(zip(annex_a.COLUMNS, row, strict=True))
    assert (named[OFFERED], named[ACCEPTED]) == ("Y", "Y")


def test_answering_rhi_follows_a_chain_of_successors_to_the_last() -> None:
    la = LocalAuthorityFactory.create()
    child = ChildFactory.create(responsible_la=la)
    last = RHIFactory.create(child=child, local_authority=la)
    middle = RHIFactory.create(
        child=child,
        local_authority=la,
        state=RHIState.SUPERSEDED,
        outcome=Outcome.SUPERSEDED,
        superseded_by=last,
    )
    first = RHIFactory.create(
        child=child,
        local_authority=la,
        state=RHIState.SUPERSEDED,
        outcome=Outcome.SUPERSEDED,
        superseded_by=middle,
    )
    answers = answering_rhi_ids({first.pk: middle.pk, middle.pk: last.pk, last.pk: None})
    assert answers == {first.pk: last.pk, middle.pk: last.pk, last.pk: last.pk}
    assert answering_rhi_ids({}) == {}


def _chain(length: int) -> list[ReturnHomeInterview]:
    """RHIs of one child, each superseded by the next; the last answers."""
    la = LocalAuthorityFactory.create()
    child = ChildFactory.create(responsible_la=la)
    chain = [RHIFactory.create(child=child, local_authority=la)]
    for _ in range(length - 1):
        chain.insert(
            0,
            RHIFactory.create(
                child=child,
                local_authority=la,
                state=RHIState.SUPERSEDED,
                outcome=Outcome.SUPERSEDED,
                superseded_by=chain[0],
            ),
        )
    return chain


def test_answering_rhi_follows_a_chain_of_four_to_the_last_whichever_links_the_caller_knows() -> None:
    """Found on the large demo data (7 Birmingham episodes): with three links known, the first RHI of a chain of
    four stopped at the third, itself superseded."""
    first, second, third, last = _chain(4)
    known = {first.pk: second.pk, second.pk: third.pk, third.pk: last.pk}
    assert answering_rhi_ids(known) == dict.fromkeys(known, last.pk)
    assert answering_rhi_ids({first.pk: second.pk}) == {first.pk: last.pk}
    assert answering_rhi_ids({first.pk: second.pk, third.pk: last.pk}) == {
        first.pk: last.pk,
        third.pk: last.pk,
    }


def test_the_chain_walk_stops_at_a_cycle_in_bad_data() -> None:
    cycle: dict[int, int] = {1: 2, 2: 3, 3: 1}
    assert last_of_chain(1, lambda rhi_id: cycle.get(rhi_id)) == 3
    assert last_of_chain(7, lambda rhi_id: None) == 7
