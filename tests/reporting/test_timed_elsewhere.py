"""Say what was timed how (issue 13 part 7): a child placed out of area is interviewed by the host LA's
commissioned service under the host's policy, and the own-policy row and the method paragraph say how many of
the LA's episodes were timed so, and under which rules.

North times 72 hours from the return. Its children:
  H1–H5  placed in South (3 working days from the police notification): each returned Friday 23 May 2025
         17:00 UTC, police notification Saturday 08:00, interviewed Wednesday 28 May 09:00 — in time under
         South's rules (due end of Thursday 29 May), late under 72 hours from the return.
  W      placed in West, whose policy is also 72 hours from the return: another commission, same basis and unit.
  N1, N2 at home in North, North's own RHIs, interviewed within the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import Organisation
from missing_episodes.models import MissingEpisode, MissingFrom
from reporting.performance import (
    IN_TIME,
    LATE,
    OWN,
    figure_records,
    performance_figures,
    published_cells,
    published_tables,
)
from reporting.performance.timeliness import OWN_LABEL
from rhi.clock import ClockRules
from rhi.models import ClockPolicy, OfferedTo, Outcome, RepeatRule, RHIState
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.reporting.performance_world import NORTH_RULES, NOW, YEAR, interview, rhi_for, snapshot, utc

pytestmark = pytest.mark.django_db

SOUTH_RULES = ClockRules(basis="police_notification", complete_unit="working_days", complete_length=3)


@dataclass(frozen=True)
class PlacedAway:
    north: Organisation
    south: Organisation
    in_south: list[MissingEpisode]
    in_west: MissingEpisode


def _interviewed(
    la: Organisation, commission: Organisation, rules: ClockRules, **where: object
) -> MissingEpisode:
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=la),
        missing_at=utc(2025, 5, 23, 8),
        returned_at=utc(2025, 5, 23, 17),
        police_notified_at=utc(2025, 5, 24, 8),
        **where,
    )
    rhi = rhi_for(
        [episode],
        la=commission,
        provider=commission,
        snap=snapshot(rules, RepeatRule.SEPARATE),
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 5, 24, 10),
        offered_to=OfferedTo.CHILD,
    )
    interview(rhi, utc(2025, 5, 28, 9) if commission != la else utc(2025, 5, 23, 20))
    return episode


@pytest.fixture
def placed_away() -> PlacedAway:
    north = LocalAuthorityFactory.create(code="821", name="North")
    south = LocalAuthorityFactory.create(code="822", name="South")
    west = LocalAuthorityFactory.create(code="823", name="West")
    ClockPolicy.objects.create(local_authority=north, effective_from=date(2020, 1, 1))
    ClockPolicy.objects.create(
        local_authority=south,
        effective_from=date(2020, 1, 1),
        basis="police_notification",
        complete_unit="working_days",
        complete_length=3,
    )
    ClockPolicy.objects.create(local_authority=west, effective_from=date(2020, 1, 1))
    away = {"missing_from": MissingFrom.CARE, "was_out_of_area": True}
    in_south = [_interviewed(north, south, SOUTH_RULES, host_la=south, **away) for _ in range(5)]
    in_west = _interviewed(north, west, NORTH_RULES, host_la=west, **away)
    for _ in range(2):
        _interviewed(north, north, NORTH_RULES, host_la=north)
    return PlacedAway(north=north, south=south, in_south=in_south, in_west=in_west)


def test_episodes_of_children_placed_away_are_timed_under_the_host_commissions_policy(
    placed_away: PlacedAway,
) -> None:
    result = performance_figures(local_authority=placed_away.north, now=NOW, **YEAR)
    south_ids = sorted(e.pk for e in placed_away.in_south)
    # Own policy: in time under South's 3 working days; the like-for-like 72 hours from return: late.
    assert (
        figure_records(f"{OWN}__{IN_TIME}", local_authority=placed_away.north, now=NOW, **YEAR)[:5]
        == south_ids
    )
    late = figure_records(f"return_72_hours__{LATE}", local_authority=placed_away.north, now=NOW, **YEAR)
    assert set(south_ids) <= set(late)
    assert result.counts["own_other_commission"] == 6  # the five in South and W in West
    assert result.counts["own_other_basis_or_unit"] == 5  # West times as North does
    assert figure_records("own_other_basis_or_unit", local_authority=placed_away.north, now=NOW, **YEAR) == (
        south_ids
    )


def test_own_policy_row_and_method_paragraph_say_how_many_were_timed_under_another_commission(
    placed_away: PlacedAway,
) -> None:
    result = performance_figures(local_authority=placed_away.north, now=NOW, **YEAR)
    cells = published_cells(result)
    timeliness = next(table for table in published_tables(result, cells) if table.key == "timeliness")
    assert timeliness.rows[0][0] == (
        f"{OWN_LABEL}; 6 episodes timed under another commission's policy (5 with a different basis or unit)"
    )
    assert result.own.label == OWN_LABEL  # the figures are written from the published cells only
    assert all("another commission" not in str(row[0]) for row in timeliness.rows[1:])
    assert (
        "6 of this return's 8 episodes (75%) were timed under another commission's policy, 5 of them with a "
        "different basis or unit from this LA's own (from the police notification, 3 working days: 5)."
    ) in cells.method
    assert "the six standard definitions time every episode by the same rules" in cells.method


def test_small_numbers_timed_elsewhere_are_suppressed_in_the_label_and_the_paragraph(
    placed_away: PlacedAway,
) -> None:
    east = LocalAuthorityFactory.create(code="824", name="East")  # no policy: the statutory 72 hours
    _interviewed(east, placed_away.south, SOUTH_RULES, host_la=placed_away.south, was_out_of_area=True)
    result = performance_figures(local_authority=east, now=NOW, **YEAR)
    cells = published_cells(result)
    timeliness = next(table for table in published_tables(result, cells) if table.key == "timeliness")
    assert timeliness.rows[0][0] == (
        f"{OWN_LABEL}; <5 episodes timed under another commission's policy (<5 with a different basis or unit)"
    )
    assert "<5 of this return's <5 episodes (–) were timed under another commission's policy" in cells.method
    south = performance_figures(local_authority=placed_away.south, now=NOW, **YEAR)
    assert (
        "No episode of this return was timed under another commission's policy."
        in published_cells(south).method
    )
