"""Ofsted Annex A list 8 missing columns on hand-built children, as at 31 March 2026: the 12 months are
1 April 2025 to 31 March 2026 (London dates), counting only episodes that began while looked after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from accounts.models import Nation, Organisation
from missing_episodes.models import EpisodeCategory, Gender, LegalStatus
from reporting import annex_a, annex_a_spec
from rhi.models import DeclinedBy, DeclineReason, Outcome, RHIState
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
    RHIEpisodeFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
AS_AT = date(2026, 3, 31)
COL = {name: index for index, name in enumerate(annex_a.COLUMNS)}
MISSING = "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"
ABSENT = "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"
OFFERED = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
ACCEPTED = "Did the child accept a Return Interview after their last missing episode (Y/N)?"


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def looked_after(la: Any, child_id: str, **kwargs: Any) -> Any:
    kwargs.setdefault("date_of_birth", date(2010, 6, 15))
    return ChildFactory.create(
        responsible_la=la, la_child_id=child_id, legal_status=LegalStatus.LOOKED_AFTER, **kwargs
    )


def rows_by_child(la: Any) -> dict[str, dict[str, object]]:
    rows = annex_a.list8_rows(local_authority_id=la.pk, as_at=AS_AT)
    return {str(row[0]): dict(zip(annex_a.COLUMNS, row, strict=True)) for row in rows}


def link_rhi(episode: Any, **fields: Any) -> Any:
    """An RHI for the episode, on record since the day after it began (kept without a state history)."""
    recorded = episode.missing_at + timedelta(days=1)
    fields = {"created_at": recorded, "state_changed_at": recorded, **fields}
    rhi = RHIFactory.create(child=episode.child, **fields)
    RHIEpisodeFactory.create(rhi=rhi, episode=episode)
    return rhi


def test_headings_are_ofsteds_and_include_the_three_missing_questions() -> None:
    assert annex_a.COLUMNS[0] == "Child Unique ID"
    assert {MISSING, ABSENT, OFFERED, ACCEPTED, "Allocated Team", "Allocated Worker"} <= set(annex_a.COLUMNS)


def test_counts_cover_the_12_months_and_the_last_missing_episode_answers_the_questions(
    la: Organisation,
) -> None:
    child = looked_after(
        la,
        "L1",
        gender=Gender.FEMALE,
        ethnicity="BCRB",
        social_work_team="Team North",
        social_worker_name="Sam Jones",
    )
    PlacementFactory.create(child=child, host_la=la, start_date=date(2024, 1, 1))
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 3, 31, 10))  # the day before the 12 months
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 4, 1, 10))
    earlier = MissingEpisodeFactory.create(child=child, missing_at=at(2025, 9, 1))
    last = MissingEpisodeFactory.create(child=child, missing_at=at(2026, 1, 10))
    MissingEpisodeFactory.create(child=child, category=EpisodeCategory.ABSENT, missing_at=at(2026, 2, 1))
    MissingEpisodeFactory.create(child=child, missing_at=at(2026, 3, 31, 23, 30))  # 1 April 2026 in London
    link_rhi(
        earlier,
        state=RHIState.DECLINED,
        offered_at=at(2025, 9, 3),
        outcome=Outcome.DECLINED,
        declined_by=DeclinedBy.CHILD,
        decline_reason=DeclineReason.NOT_WANTED,
    )
    link_rhi(last, state=RHIState.DRAFTING, offered_at=at(2026, 1, 12), outcome=Outcome.ACCEPTED)

    row = rows_by_child(la)["L1"]

    assert row[MISSING] == 3
    assert row[ABSENT] == 1
    assert (row[OFFERED], row[ACCEPTED]) == ("Y", "Y")
    assert row["Gender"] == "b) Female"
    assert row["Ethnicity"] == "n) BCRB"
    assert row["Date of Birth"] == "15/06/2010"
    assert row["Age of Child (Years)"] == 15
    assert (row["Placement Location"], row["LA of Placement"]) == ("a) In", "Camden")
    assert (row[annex_a_spec.UASC], row[annex_a_spec.DISABILITY]) == ("N", "b) No")
    assert (row["Allocated Team"], row["Allocated Worker"]) == ("Team North", "Sam Jones")


def test_declined_offer_and_no_rhi_and_out_of_area(la: Organisation) -> None:
    declined = looked_after(la, "L2", gender=Gender.MALE)
    PlacementFactory.create(
        child=declined,
        host_la=LocalAuthorityFactory.create(code="302", name="Barnet"),
        start_date=date(2025, 1, 1),
    )
    episode = MissingEpisodeFactory.create(child=declined, missing_at=at(2025, 10, 1))
    link_rhi(
        episode,
        state=RHIState.DECLINED,
        offered_at=at(2025, 10, 2),
        outcome=Outcome.DECLINED,
        declined_by=DeclinedBy.CHILD,
        decline_reason=DeclineReason.NOT_WANTED,
    )
    no_rhi = looked_after(la, "L3")
    MissingEpisodeFactory.create(child=no_rhi, missing_at=at(2025, 10, 1))
    MissingEpisodeFactory.create(child=no_rhi, category=EpisodeCategory.ABSENT, missing_at=at(2025, 12, 1))
    waiting = looked_after(la, "L4")
    link_rhi(
        MissingEpisodeFactory.create(child=waiting, missing_at=at(2026, 3, 30)), state=RHIState.ALLOCATED
    )

    rows = rows_by_child(la)

    assert (rows["L2"][OFFERED], rows["L2"][ACCEPTED]) == ("Y", "N")
    assert (rows["L2"]["Placement Location"], rows["L2"]["LA of Placement"]) == ("b) Out", "Barnet")
    assert (rows["L3"][MISSING], rows["L3"][ABSENT], rows["L3"][OFFERED], rows["L3"][ACCEPTED]) == (
        1,
        1,
        "N",
        "N",
    )
    assert (rows["L4"][OFFERED], rows["L4"][ACCEPTED]) == ("N", "N")
    assert rows["L3"]["Placement Location"] == ""
    assert "L3" in annex_a.placement_gaps(annex_a.list8_rows(local_authority_id=la.pk, as_at=AS_AT))


def test_every_looked_after_child_is_listed_with_only_episodes_while_looked_after(la: Organisation) -> None:
    never_missing = looked_after(la, "L5")
    mid_year = looked_after(la, "L6", legal_status_since=date(2025, 12, 1))
    MissingEpisodeFactory.create(child=mid_year, missing_at=at(2025, 11, 1))  # before care: not counted
    MissingEpisodeFactory.create(child=mid_year, category=EpisodeCategory.ABSENT, missing_at=at(2025, 12, 5))
    looked_after(la, "L7", legal_status_since=date(2026, 4, 2))  # not yet looked after on the day
    ChildFactory.create(responsible_la=la, la_child_id="L8", legal_status=LegalStatus.CHILD_IN_NEED)
    looked_after(LocalAuthorityFactory.create(code="303"), "L9")

    rows = rows_by_child(la)

    assert set(rows) == {"L5", "L6"}
    assert (rows["L5"][MISSING], rows["L5"][ABSENT], rows["L5"][OFFERED]) == (0, 0, "")
    assert (rows["L6"][MISSING], rows["L6"][ABSENT], rows["L6"][OFFERED], rows["L6"][ACCEPTED]) == (
        0,
        1,
        "",
        "",
    )
    assert never_missing.la_child_id == "L5"


def test_the_list_takes_a_fixed_number_of_queries(
    la: Organisation, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(12):
        child = looked_after(la, f"Q{number}")
        PlacementFactory.create(child=child, host_la=la, start_date=date(2025, 1, 1))
        link_rhi(
            MissingEpisodeFactory.create(child=child, missing_at=at(2025, 10, 1 + number)),
            state=RHIState.OFFERED,
            offered_at=at(2025, 10, 20),
        )

    with django_assert_max_num_queries(4):
        rows = annex_a.list8_rows(local_authority_id=la.pk, as_at=AS_AT)

    assert len(rows) == 12
    assert {(row[COL[OFFERED]], row[COL[ACCEPTED]]) for row in rows} == {("Y", "N")}


def test_a_child_placed_in_wales_has_the_templates_code_for_la_of_placement(la: Organisation) -> None:
    child = looked_after(la, "W1")
    cardiff = LocalAuthorityFactory.create(code="681", name="Cardiff", nation=Nation.WALES)
    PlacementFactory.create(child=child, host_la=cardiff, start_date=date(2025, 6, 1))

    row = rows_by_child(la)["W1"]

    assert (row["Placement Location"], row["LA of Placement"]) == ("b) Out", "WAL - Child placed in Wales")
