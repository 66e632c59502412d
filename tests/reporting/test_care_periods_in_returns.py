"""Periods of care in SSDA903 (Missing table, year 1 April 2025 to 31 March 2026) and Annex A list 8 (as at
31 March 2026), worked by hand: a child who leaves care in October, one who enters care in January with
episodes at home before, and one who turns 18 while missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from missing_episodes.care_services import record_care_period
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child, Gender, MissingEpisode
from missing_episodes.selectors import episodes_while_looked_after, looked_after_during, looked_after_on
from reporting import annex_a, ssda903
from reporting.periods import CollectionYear
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = pytest.mark.django_db
YEAR = CollectionYear.starting(2025)
AS_AT = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def child_in_care(la: Organisation, child_id: str, start: date, end: date | None, **kwargs: object) -> Child:
    kwargs.setdefault("gender", Gender.FEMALE)
    child = ChildFactory.create(responsible_la=la, la_child_id=child_id, **kwargs)
    record_care_period(
        child=child, start_date=start, end_date=end, legal_status=CareLegalStatus.C2, by=None, source="import"
    )
    return child


def missing(child: Child, start: datetime, end: datetime | None) -> MissingEpisode:
    return MissingEpisodeFactory.create(child=child, missing_at=start, returned_at=end)


def missing_rows(la: Organisation, year: CollectionYear = YEAR) -> list[tuple[object, ...]]:
    return [row[2:] for row in ssda903.missing_records(local_authority_id=la.pk, year=year)]


def annex_rows(la: Organisation) -> dict[str, dict[str, object]]:
    rows = annex_a.list8_rows(local_authority_id=la.pk, as_at=AS_AT)
    return {str(row[0]): dict(zip(annex_a.COLUMNS, row, strict=True)) for row in rows}


MISSING_COUNT = "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"


def test_child_who_leaves_care_in_october_is_in_that_years_ssda903_up_to_october_and_not_in_annex_a(
    la: Organisation,
) -> None:
    child = child_in_care(la, "OCT", date(2023, 2, 1), date(2025, 10, 15), date_of_birth=date(2010, 6, 15))
    missing(child, at(2024, 11, 3), at(2024, 11, 4))  # the year before: that year's return
    missing(child, at(2025, 6, 1), at(2025, 6, 2))
    missing(child, at(2025, 10, 14), at(2025, 10, 14, 20))  # the day before care ceased
    missing(child, at(2025, 10, 15), at(2025, 10, 16))  # the day care ceased: no longer looked after
    missing(child, at(2026, 1, 10), at(2026, 1, 11))  # at home

    assert missing_rows(la) == [
        ("OCT", "15/06/2010", "M", "01/06/2025", "02/06/2025"),
        ("OCT", "15/06/2010", "M", "14/10/2025", "14/10/2025"),
    ]
    assert missing_rows(la, CollectionYear.starting(2024)) == [
        ("OCT", "15/06/2010", "M", "03/11/2024", "04/11/2024")
    ]
    assert ssda903.validate_year(local_authority_id=la.pk, year=YEAR) == []
    assert "OCT" not in annex_rows(la)
    assert [failure for _, failure in ssda903.failures_for_child(child, today=date(2026, 5, 10))] == []


def test_child_who_becomes_looked_after_in_january_counts_only_episodes_from_january(
    la: Organisation,
) -> None:
    child = child_in_care(la, "JAN", date(2026, 1, 12), None, date_of_birth=date(2011, 2, 3))
    missing(child, at(2025, 9, 1), at(2025, 9, 2))  # at home
    missing(child, at(2026, 1, 11, 23), at(2026, 1, 12, 9))  # began the evening before care started
    missing(child, at(2026, 1, 12), at(2026, 1, 13))
    missing(child, at(2026, 3, 2), at(2026, 3, 3))

    assert missing_rows(la) == [
        ("JAN", "03/02/2011", "M", "12/01/2026", "13/01/2026"),
        ("JAN", "03/02/2011", "M", "02/03/2026", "03/03/2026"),
    ]
    assert annex_rows(la)["JAN"][MISSING_COUNT] == 2


def test_child_who_turns_18_while_missing_ends_the_episode_on_the_birthday_in_ssda903(
    la: Organisation,
) -> None:
    """Care ceases on the 18th birthday (DEC). The episode began while looked after, so it is in the Missing
    table; the DfE's rules 575 and 577 want no open MIS_END and none after DEC once care has ceased, so the
    episode ends on the birthday in the return, whenever the young person came back (or still has not)."""
    returned_later = child_in_care(
        la, "EIGHTEEN", date(2020, 1, 1), date(2025, 11, 10), date_of_birth=date(2007, 11, 10)
    )
    missing(returned_later, at(2025, 11, 8), at(2025, 11, 12))
    still_missing = child_in_care(
        la, "STILL", date(2021, 1, 1), date(2026, 2, 1), date_of_birth=date(2008, 2, 1)
    )
    missing(still_missing, at(2026, 1, 30), None)
    back_before = child_in_care(
        la, "BEFORE", date(2021, 1, 1), date(2026, 2, 1), date_of_birth=date(2008, 2, 1)
    )
    missing(back_before, at(2026, 1, 20), at(2026, 1, 22))

    assert missing_rows(la) == [
        ("EIGHTEEN", "10/11/2007", "M", "08/11/2025", "10/11/2025"),
        ("STILL", "01/02/2008", "M", "30/01/2026", "01/02/2026"),
        ("BEFORE", "01/02/2008", "M", "20/01/2026", "22/01/2026"),
    ]
    assert ssda903.validate_year(local_authority_id=la.pk, year=YEAR) == []
    assert annex_rows(la) == {}  # none looked after on 31 March


def test_care_that_ceased_while_missing_before_the_year_leaves_the_episode_out_of_the_year(
    la: Organisation,
) -> None:
    child = child_in_care(la, "PRIOR", date(2020, 1, 1), date(2025, 3, 20), date_of_birth=date(2008, 1, 1))
    missing(child, at(2025, 3, 18), at(2025, 4, 5))

    assert missing_rows(la) == []
    assert missing_rows(la, CollectionYear.starting(2024)) == [
        ("PRIOR", "01/01/2008", "M", "18/03/2025", "20/03/2025")
    ]


def test_child_still_missing_after_the_year_with_care_ceasing_later_stays_open_at_31_march(
    la: Organisation,
) -> None:
    child = child_in_care(la, "OPEN", date(2020, 1, 1), date(2026, 4, 20), date_of_birth=date(2009, 1, 1))
    missing(child, at(2026, 3, 25), None)

    assert missing_rows(la) == [("OPEN", "01/01/2009", "M", "25/03/2026", "")]


def test_looked_after_during_a_span_counts_the_first_and_last_days_but_not_the_day_care_ceased(
    la: Organisation,
) -> None:
    child = child_in_care(la, "SPAN", date(2025, 6, 1), date(2025, 9, 1))

    assert looked_after_during(child.pk, date(2025, 5, 1), date(2025, 6, 1))
    assert looked_after_during(child.pk, date(2025, 8, 31), date(2025, 12, 1))
    assert not looked_after_during(child.pk, date(2025, 9, 1), date(2025, 12, 1))
    assert not looked_after_during(child.pk, date(2025, 1, 1), date(2025, 5, 31))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 3, 1))


def _apart(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Half-open spans [start, end) that do not overlap (an open end runs on for ever)."""
    return (end is not None and end <= other_start) or (other_end is not None and other_end <= start)


@settings(max_examples=40, deadline=None)
@given(
    spans=st.lists(st.tuples(days, st.integers(min_value=0, max_value=20)), max_size=3),
    open_from=days | st.none(),
    day=days,
)
def test_the_queries_agree_with_the_one_rule_for_any_periods_and_day(
    spans: list[tuple[date, int]], open_from: date | None, day: date
) -> None:
    """Whatever the periods (written past the service; the database refuses only overlapping ones, so those
    drawn are dropped), the child query and the episode query say "looked after" exactly when
    ``CarePeriod.covers`` does."""
    la = LocalAuthorityFactory.create()
    child = ChildFactory.create(responsible_la=la, date_of_birth=date(2012, 1, 1))
    drawn = [(start, start + timedelta(days=length)) for start, length in spans]
    bounds: list[tuple[date, date | None]] = []
    for start, end in [*drawn, *([(open_from, None)] if open_from else [])]:
        if all(_apart(start, end, kept_start, kept_end) for kept_start, kept_end in bounds):
            bounds.append((start, end))
    periods = [
        CarePeriod.objects.create(
            child=child,
            start_date=start,
            end_date=end,
            legal_status=CareLegalStatus.V2,
            source=CareSource.DEMO,
        )
        for start, end in bounds
    ]
    episode = missing(child, datetime(day.year, day.month, day.day, 12, tzinfo=UTC), None)
    expected = any(period.covers(day) for period in periods)

    assert Child.objects.filter(looked_after_on(day), pk=child.pk).exists() == expected
    assert episodes_while_looked_after().filter(pk=episode.pk).exists() == expected
