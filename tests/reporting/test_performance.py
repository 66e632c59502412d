"""The performance return's figures on hand-built data (tests/reporting/performance_world.py describes it), each
expected number worked out in the test."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from reporting.dashboard import performance_dashboard, year_to_date
from reporting.performance import (
    EXCLUDED,
    IN_TIME,
    LATE,
    NOT_DONE,
    NOT_STARTED,
    NOT_YET_DUE,
    OWN,
    figure_records,
    method_paragraph,
    performance_figures,
    published_cells,
    published_tables,
    suppress,
    suppress_percent,
)
from tests.factories_domain import ChildFactory, MissingEpisodeFactory
from tests.reporting.performance_world import (
    NORTH_RULES,
    NOW,
    YEAR,
    PerformanceWorld,
    build_world,
    rhi_for,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PerformanceWorld:
    return build_world()


def north_year(world: PerformanceWorld) -> Any:
    return performance_figures(local_authority=world.north, now=NOW, **YEAR)


def test_headline_counts_incidents_children_and_repeat_share(world: PerformanceWorld) -> None:
    result = north_year(world)
    # A, B1, B2, C, D, E1, E2, F (G is South's child, placed in North: not in North's totals).
    assert result.incidents == 8
    assert result.children == 6  # A, B, C, D, E, F
    assert result.repeat_children == 2  # B and E went missing twice
    assert result.repeat_episodes == 4 and result.repeat_share == "50%"


def test_offers_outcomes_and_a_decline_by_a_parent_under_its_reason(world: PerformanceWorld) -> None:
    result = north_year(world)
    counts = result.counts
    assert counts["offered"] == 5  # A, B1, B2 (one RHI addresses both), C, E1
    assert result.offered_to == {"child": 2, "parent_carer": 1, "both": 2}
    assert counts["accepted"] == 4  # A, B1, B2, E1
    assert counts["declined"] == 1 and counts["declined_by_parent"] == 1
    assert counts["declined_parent_refused"] == 1
    declines = {code: (child, parent) for code, _, child, parent in result.declines}
    assert declines["parent_refused"] == (0, 1)
    assert counts["unable_to_contact"] == 1  # D
    assert counts["carried_out"] == 4  # A, B1, B2, E1: the bunched episode was addressed too
    assert counts["no_rhi"] == 2  # E2 and F
    assert counts["bunched"] == 1  # B1
    assert figure_records("declined_by_parent", local_authority=world.north, now=NOW, **YEAR) == [world.c.pk]


def test_friday_return_before_the_bank_holiday_weekend_under_each_definition(world: PerformanceWorld) -> None:
    """A returned Friday 23 May 2025 18:00 BST; the police notification came Saturday 24 May 09:00 BST; Monday
    26 May was the late-May bank holiday; the interview was Wednesday 28 May 10:00 BST.
      from return, 72 hours:           due Mon 26 May 18:00 BST            → late
      from return, 3 calendar days:    due end of Mon 26 May               → late
      from return, 3 working days:     Tue 27, Wed 28, Thu 29 → end of Thu 29 May → in time
      from notification, 72 hours:     due Tue 27 May 09:00 BST            → late
      from notification, 3 calendar:   due end of Tue 27 May               → late
      from notification, 3 working:    Tue 27, Wed 28, Thu 29 → end of Thu 29 May → in time
    """
    expected = {
        OWN: LATE,
        "return_72_hours": LATE,
        "return_3_calendar_days": LATE,
        "return_3_working_days": IN_TIME,
        "police_notification_72_hours": LATE,
        "police_notification_3_calendar_days": LATE,
        "police_notification_3_working_days": IN_TIME,
    }
    for definition, status in expected.items():
        ids = figure_records(f"{definition}__{status}", local_authority=world.north, now=NOW, **YEAR)
        assert world.a.pk in ids, definition


def test_six_definitions_table_excludes_bunched_episodes_and_counts_clocks_not_started(
    world: PerformanceWorld,
) -> None:
    rows = {row.key: row.counts for row in north_year(world).timeliness}

    def counts(in_time: Any, late: Any, not_done: Any, not_started: Any) -> Any:
        return {
            IN_TIME: in_time,
            LATE: late,
            NOT_DONE: not_done,
            NOT_YET_DUE: 0,
            NOT_STARTED: not_started,
            EXCLUDED: 1,  # B1, bunched into B2's RHI, under every definition
        }

    # From return: B2 and E1 in time under every unit; A late except in working days; C, D (unable to
    # contact), E2 and F (no RHI record) not done.
    assert rows[OWN] == counts(2, 1, 4, 0)
    assert rows["return_72_hours"] == counts(2, 1, 4, 0)
    assert rows["return_3_calendar_days"] == counts(2, 1, 4, 0)
    assert rows["return_3_working_days"] == counts(3, 0, 4, 0)
    # From the police notification: D and F have none (clock not started, never guessed); C and E2 not done.
    assert rows["police_notification_72_hours"] == counts(2, 1, 2, 2)
    assert rows["police_notification_3_calendar_days"] == counts(2, 1, 2, 2)
    assert rows["police_notification_3_working_days"] == counts(3, 0, 2, 2)
    assert figure_records("bunched", local_authority=world.north, now=NOW, **YEAR) == [world.b1.pk]


def test_episode_spanning_the_year_boundary_counts_in_the_year_it_started(world: PerformanceWorld) -> None:
    assert world.d.pk in figure_records("incidents", local_authority=world.north, now=NOW, **YEAR)
    next_year = performance_figures(
        local_authority=world.north, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31), now=NOW
    )
    assert next_year.incidents == 0
    months = {row.month: row.incidents for row in north_year(world).months}
    assert months[date(2026, 3, 1)] == 1 and len(months) == 12


def test_child_who_became_looked_after_mid_year_is_in_both_cohorts_by_episode(
    world: PerformanceWorld,
) -> None:
    cohorts = {row.key: row for row in north_year(world).cohorts}
    assert cohorts["from_home"].incidents == 6  # A, B1, B2, C, D, E1
    assert cohorts["from_home"].children == 5
    assert cohorts["from_care_in_area"].incidents == 1  # E2
    assert cohorts["from_care_in_area"].children == 1
    assert cohorts["placed_out_of_area"].incidents == 1  # F
    assert cohorts["absent"].incidents == 1 and cohorts["missing"].incidents == 7
    placed_in = cohorts["placed_in_by_other_la"]
    assert placed_in.incidents == 1 and not placed_in.in_headline  # G


def test_two_authorities_with_different_policies_show_different_figures(world: PerformanceWorld) -> None:
    north = north_year(world)
    south = performance_figures(local_authority=world.south, now=NOW, **YEAR)
    # The same Friday-before-the-bank-holiday times: late under North's 72 hours, in time under South's
    # 3 working days from the police notification.
    assert figure_records(f"{OWN}__{LATE}", local_authority=world.north, now=NOW, **YEAR) == [world.a.pk]
    assert world.s.pk in figure_records(f"{OWN}__{IN_TIME}", local_authority=world.south, now=NOW, **YEAR)
    assert north.own.counts[LATE] == 1 and south.own.counts[LATE] == 0
    north_method, south_method = published_cells(north).method, published_cells(south).method
    assert "the child's return" in north_method and "72 hours" in north_method
    assert "restarts at the latest return" in north_method
    assert "police notification" in south_method and "working days" in south_method
    assert "Each episode has its own RHI" in south_method
    # G, placed by South in North's area, is South's child placed out of area.
    assert {row.key: row.incidents for row in south.cohorts}["placed_out_of_area"] == 1


def test_interviewers_referrals_risk_indicators_places_and_associates(world: PerformanceWorld) -> None:
    result = north_year(world)
    independence = {code: n for code, _, n in result.independence}
    assert result.interviews == 3
    assert independence["independent_provider"] == 2 and independence["childs_social_worker"] == 1
    assert result.referrals["made"] == 2
    assert result.referrals["acknowledged"] == 1 and result.referrals["awaiting"] == 1
    assert {code: n for code, _, n in result.referral_outcomes}["accepted"] == 1
    risks = {code: n for code, _, n in result.risk_indicators}
    assert risks["cse"] == 2 and risks["cce"] == 1 and risks["fgm"] == 0
    # Figures, never names: places by kind, associates by age group, every group listed in a fixed order.
    places = {p.label: (p.rhis, p.children) for p in result.places_by_kind}
    assert places["Station or transport hub"] == (3, 3)
    assert places["Park or open space"] == (0, 0) and len(places) == 7
    assert [(a.label, a.rhis, a.children) for a in result.associates_by_age] == [
        ("Adult (18 or over)", 0, 0),
        ("Under 18", 0, 0),
        ("Age not recorded", 2, 2),  # "Jay" and "  jay " on A's and B's RHIs
    ]


def test_provider_return_counts_the_episodes_its_rhis_address(world: PerformanceWorld) -> None:
    result = performance_figures(provider=world.charity, now=NOW, **YEAR)
    assert result.incidents == 3  # A, B1, B2
    assert result.counts["carried_out"] == 3


def test_open_rhi_before_its_deadline_is_not_yet_due(world: PerformanceWorld) -> None:
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=world.north),
        missing_at=NOW - timedelta(hours=30),
        returned_at=NOW - timedelta(hours=20),
    )
    rhi_for([episode], la=world.north, provider=world.north, snap=snapshot(NORTH_RULES, "separate"))
    result = performance_figures(
        local_authority=world.north, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31), now=NOW
    )
    assert result.own.counts[NOT_YET_DUE] == 1 and result.own.counts[NOT_DONE] == 0


def test_small_numbers_are_suppressed_in_every_published_table(world: PerformanceWorld) -> None:
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert (
        suppress_percent(3, 10) == "–" and suppress_percent(5, 10) == "50%" and suppress_percent(0, 0) == ""
    )
    tables = {table.key: table for table in published_tables(north_year(world))}
    headline = {row[0]: row[1] for row in tables["headline"].rows}
    # North's 8 incidents are made of "<5"s in every breakdown, so the total is withheld as well: with it,
    # the offers (5, of 2 + 1 + 2) could be worked out (tests/reporting/test_suppression_audit.py).
    assert headline["Missing and absent episodes (incidents)"] == "[c]"
    assert headline["Declined"] == "<5"
    assert ["Station or transport hub", "<5", "<5"] in tables["locations"].rows
    assert tables["associates"].rows == [
        ["Adult (18 or over)", 0, 0],
        ["Under 18", 0, 0],
        ["Age not recorded", "<5", "<5"],
    ]
    for table in tables.values():
        for row in table.rows:
            for cell in row[1:]:
                assert not (isinstance(cell, int) and 0 < cell < 5), (table.key, row)


def test_method_paragraph_without_a_policy_says_the_statutory_default_is_used() -> None:
    text = method_paragraph(None)
    assert "statutory default" in text and "72 hours" in text and "England bank holidays" in text


def test_dashboard_compares_this_year_to_date_with_the_same_span_last_year(world: PerformanceWorld) -> None:
    this, last = year_to_date(date(2026, 3, 31))
    assert (this.date_from, this.date_to) == (date(2025, 4, 1), date(2026, 3, 31))
    assert (last.date_from, last.date_to) == (date(2024, 4, 1), date(2025, 3, 31))
    board = performance_dashboard(local_authority=world.north, today=date(2026, 3, 31), now=NOW)
    headline = {fig.key: fig for fig in board.headline}
    assert headline["incidents"].this_year == 8 and headline["incidents"].last_year == 0
    quality = {item.key: item.count for group in board.data_quality for item in group.items}
    assert quality["no_rhi"] == 2
    assert quality["gap_no_police_notification"] == 2  # D and F (B1 is bunched, so not counted)
    assert quality[f"{OWN}__{NOT_STARTED}"] == 0
