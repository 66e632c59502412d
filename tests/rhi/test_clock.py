"""The clock module, tested on its own: named cases for the dates councils get wrong, and properties for the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rhi.clock import (
    LONDON,
    STANDARD_DEFINITIONS,
    ClockRuleError,
    ClockRules,
    ClockState,
    closed_state,
    compute_deadlines,
    deadline_after,
    describe_rules,
    describe_time_left,
    is_bank_holiday,
    is_working_day,
    open_state,
    standard_definition,
    time_left,
)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def due_local(rules: ClockRules, start: datetime) -> datetime:
    deadlines = compute_deadlines(rules, returned_at=start, police_notified_at=start)
    assert deadlines.due is not None
    return deadlines.due.astimezone(LONDON)


HOURS_72 = ClockRules(basis="return", complete_unit="hours", complete_length=72)
CAL_3 = ClockRules(basis="return", complete_unit="calendar_days", complete_length=3)
WORK_3_ENG = ClockRules(basis="return", complete_unit="working_days", complete_length=3, nation="ENG")
WORK_3_WLS = ClockRules(basis="return", complete_unit="working_days", complete_length=3, nation="WLS")
WORK_3_SCT = ClockRules(basis="return", complete_unit="working_days", complete_length=3, nation="SCT")


# --- Clock changes ------------------------------------------------------------------------------------------


def test_72_hours_across_spring_clock_change_is_72_real_hours_and_lands_an_hour_later_on_the_wall() -> None:
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    start = london(2026, 3, 27, 17, 0)
    due = due_local(HOURS_72, start)
    # Subtract in UTC: Python subtracts two datetimes sharing a tzinfo by wall clock.
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert (due.hour, due.day) == (18, 30)


def test_72_hours_across_autumn_clock_change_lands_an_hour_earlier_on_the_wall() -> None:
    # Clocks go back at 02:00 BST on Sunday 25 October 2026.
    start = london(2026, 10, 23, 17, 0)
    due = due_local(HOURS_72, start)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert (due.hour, due.day) == (16, 26)


def test_calendar_days_across_autumn_clock_change_end_at_local_midnight() -> None:
    due = due_local(CAL_3, london(2026, 10, 23, 17, 0))
    assert (due.date(), due.hour, due.minute, due.second, due.microsecond) == (
        date(2026, 10, 26),
        23,
        59,
        59,
        999999,
    )
    assert due.utcoffset() == timedelta(0)


def test_calendar_days_in_summer_end_at_2259_utc() -> None:
    due = compute_deadlines(CAL_3, returned_at=london(2026, 7, 1, 9, 0), police_notified_at=None).due
    assert due == datetime(2026, 7, 4, 22, 59, 59, 999999, tzinfo=UTC)


# --- Bank holidays and weekends ----------------------------------------------------------------------------


def test_friday_return_counts_three_working_days_from_monday() -> None:
    assert due_local(WORK_3_ENG, london(2026, 11, 20, 17, 0)).date() == date(2026, 11, 25)


def test_christmas_2026_boxing_day_substitute_monday_is_skipped() -> None:
    # 25 Dec 2026 is a Friday, 26 Dec a Saturday: Boxing Day is observed on Monday 28 December.
    assert is_bank_holiday(date(2026, 12, 28), "ENG")
    assert due_local(WORK_3_ENG, london(2026, 12, 24, 17, 0)).date() == date(2026, 12, 31)


def test_christmas_2027_substitute_days_are_skipped() -> None:
    # 25 Dec 2027 is a Saturday: Christmas is observed on Monday 27, Boxing Day on Tuesday 28 December.
    assert is_bank_holiday(date(2027, 12, 27), "ENG") and is_bank_holiday(date(2027, 12, 28), "ENG")
    assert due_local(WORK_3_ENG, london(2027, 12, 24, 12, 0)).date() == date(2027, 12, 31)


def test_new_year_2027_in_england_skips_only_friday_first_january() -> None:
    assert due_local(WORK_3_ENG, london(2026, 12, 31, 10, 0)).date() == date(2027, 1, 6)


def test_scotland_counts_second_january_holiday_observed_on_monday_4_january_2027() -> None:
    assert is_bank_holiday(date(2027, 1, 4), "SCT")
    assert not is_bank_holiday(date(2027, 1, 4), "ENG")
    assert due_local(WORK_3_SCT, london(2026, 12, 31, 10, 0)).date() == date(2027, 1, 7)


def test_st_andrews_day_2026_is_a_scottish_holiday_observed_monday_30_november() -> None:
    # 30 November 2026 is a Monday.
    assert is_bank_holiday(date(2026, 11, 30), "SCT")
    assert due_local(WORK_3_SCT, london(2026, 11, 27, 16, 0)).date() == date(2026, 12, 3)
    assert due_local(WORK_3_ENG, london(2026, 11, 27, 16, 0)).date() == date(2026, 12, 2)


def test_easter_2026_good_friday_and_easter_monday_skipped_in_england() -> None:
    # Good Friday 3 April, Easter Monday 6 April 2026.
    assert due_local(WORK_3_ENG, london(2026, 4, 2, 15, 0)).date() == date(2026, 4, 9)


def test_easter_monday_is_not_a_holiday_in_scotland() -> None:
    assert not is_bank_holiday(date(2026, 4, 6), "SCT")
    assert due_local(WORK_3_SCT, london(2026, 4, 2, 15, 0)).date() == date(2026, 4, 8)


def test_wales_and_england_policies_disagree_only_when_a_nation_specific_day_intervenes() -> None:
    # England and Wales share bank holidays; Scotland differs. One episode, three policies.
    start = london(2026, 12, 31, 10, 0)
    assert due_local(WORK_3_ENG, start) == due_local(WORK_3_WLS, start)
    assert due_local(WORK_3_ENG, start) != due_local(WORK_3_SCT, start)


def test_summer_bank_holiday_differs_between_england_and_scotland() -> None:
    # England: last Monday of August (31 Aug 2026); Scotland: first Monday (3 Aug 2026).
    assert is_bank_holiday(date(2026, 8, 31), "ENG") and not is_bank_holiday(date(2026, 8, 31), "SCT")
    assert is_bank_holiday(date(2026, 8, 3), "SCT") and not is_bank_holiday(date(2026, 8, 3), "ENG")
    start = london(2026, 8, 28, 12, 0)
    assert due_local(WORK_3_ENG, start).date() == date(2026, 9, 3)
    assert due_local(WORK_3_SCT, start).date() == date(2026, 9, 2)


def test_local_closure_day_is_not_a_working_day() -> None:
    rules = ClockRules(
        basis="return",
        complete_unit="working_days",
        complete_length=3,
        closure_days=frozenset({date(2026, 12, 29)}),
    )
    assert due_local(rules, london(2026, 12, 24, 17, 0)).date() == date(2027, 1, 4)


# --- Basis and missing data ---------------------------------------------------------------------------------


def test_missing_basis_timestamp_means_clock_not_started_never_a_made_up_countdown() -> None:
    rules = ClockRules(basis="police_notification", complete_unit="hours", complete_length=72)
    deadlines = compute_deadlines(rules, returned_at=london(2026, 5, 1, 10, 0), police_notified_at=None)
    assert deadlines.start is None and deadlines.due is None and deadlines.due_soon is None
    assert open_state(deadlines, london(2026, 6, 1, 0, 0)) == ClockState.NOT_STARTED
    assert closed_state(deadlines, london(2026, 5, 2, 0, 0)) == ClockState.NOT_APPLICABLE
    assert describe_time_left(time_left(deadlines, london(2026, 6, 1, 0, 0))) == "not started"


def test_police_notification_basis_starts_at_notification_not_return() -> None:
    rules = ClockRules(basis="police_notification", complete_unit="hours", complete_length=72)
    deadlines = compute_deadlines(
        rules, returned_at=london(2026, 5, 1, 10, 0), police_notified_at=london(2026, 5, 2, 9, 0)
    )
    assert deadlines.start == london(2026, 5, 2, 9, 0)


def test_naive_timestamps_are_refused() -> None:
    naive = datetime(2026, 5, 1, 10, 0)  # noqa: DTZ001 - the naive timestamp the clock must refuse
    with pytest.raises(ValueError, match="must be timezone-aware"):
        compute_deadlines(HOURS_72, returned_at=naive, police_notified_at=None)


def test_impossible_rules_are_refused() -> None:
    with pytest.raises(ClockRuleError):
        ClockRules(complete_unit="fortnights")
    with pytest.raises(ClockRuleError):
        ClockRules(complete_length=0)
    with pytest.raises(ClockRuleError):
        ClockRules(contact_unit="hours")
    with pytest.raises(ClockRuleError):
        ClockRules(nation="FRA")


# --- States -------------------------------------------------------------------------------------------------


def test_states_move_from_on_track_to_due_soon_to_overdue_at_the_exact_instants() -> None:
    deadlines = compute_deadlines(HOURS_72, returned_at=london(2026, 5, 1, 10, 0), police_notified_at=None)
    assert deadlines.due is not None and deadlines.due_soon is not None
    tick = timedelta(microseconds=1)
    assert open_state(deadlines, deadlines.due_soon - tick) == ClockState.ON_TRACK
    assert open_state(deadlines, deadlines.due_soon) == ClockState.DUE_SOON
    assert open_state(deadlines, deadlines.due) == ClockState.DUE_SOON
    assert open_state(deadlines, deadlines.due + tick) == ClockState.OVERDUE
    assert closed_state(deadlines, deadlines.due) == ClockState.MET
    assert closed_state(deadlines, deadlines.due + tick) == ClockState.MISSED


def test_contact_deadline_counts_from_the_same_start() -> None:
    rules = ClockRules(
        complete_unit="calendar_days", complete_length=7, contact_unit="hours", contact_length=72
    )
    deadlines = compute_deadlines(rules, returned_at=london(2026, 5, 1, 10, 0), police_notified_at=None)
    assert deadlines.contact_due == london(2026, 5, 4, 10, 0)
    assert deadlines.due is not None and deadlines.due.astimezone(LONDON).date() == date(2026, 5, 8)


def test_due_soon_never_before_the_start() -> None:
    rules = ClockRules(complete_unit="hours", complete_length=4, due_soon_hours=24)
    deadlines = compute_deadlines(rules, returned_at=london(2026, 5, 1, 10, 0), police_notified_at=None)
    assert deadlines.due_soon == deadlines.start


def test_time_left_words() -> None:
    assert describe_time_left(timedelta(hours=5, minutes=20)) == "in 5 h 20 min"
    assert describe_time_left(timedelta(hours=-3)) == "overdue by 3 h"
    assert describe_time_left(timedelta(days=2, hours=1, minutes=5)) == "in 2 d 1 h"
    assert describe_time_left(timedelta(seconds=20)) == "in less than a minute"


def test_snapshot_round_trips() -> None:
    rules = ClockRules(
        basis="police_notification",
        complete_unit="working_days",
        complete_length=3,
        contact_unit="hours",
        contact_length=24,
        nation="WLS",
        closure_days=frozenset({date(2026, 12, 24)}),
        due_soon_hours=12,
    )
    assert ClockRules.from_snapshot(rules.to_snapshot()) == rules


def test_six_standard_definitions_by_name_and_method_sentence() -> None:
    assert sorted(STANDARD_DEFINITIONS) == [
        "police_notification_3_calendar_days",
        "police_notification_3_working_days",
        "police_notification_72_hours",
        "return_3_calendar_days",
        "return_3_working_days",
        "return_72_hours",
    ]
    assert standard_definition("return_3_working_days", nation="SCT").nation == "SCT"
    assert "police notification" in describe_rules(STANDARD_DEFINITIONS["police_notification_72_hours"])


# --- Properties over Europe/London 2020–2035 --------------------------------------------------------------

# Hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 12, 20),  # noqa: DTZ001
    timezones=st.just(LONDON),
)
nations = st.sampled_from(["ENG", "WLS", "SCT", "NIR"])


@settings(max_examples=300, deadline=None)
@given(start=moments, length=st.integers(min_value=1, max_value=400))
def test_property_hours_policy_is_exactly_n_times_3600_seconds(start: datetime, length: int) -> None:
    due = deadline_after(start, "hours", length)
    assert (due - start).total_seconds() == length * 3600


@settings(max_examples=300, deadline=None)
@given(
    start=moments,
    length=st.integers(min_value=1, max_value=30),
    unit=st.sampled_from(["calendar_days", "working_days"]),
    nation=nations,
)
def test_property_day_policies_end_at_last_instant_of_a_local_day_not_before_start_plus_n_minus_1_days(
    start: datetime, length: int, unit: str, nation: str
) -> None:
    due = deadline_after(start, unit, length, nation=nation).astimezone(LONDON)
    assert (due.hour, due.minute, due.second, due.microsecond) == (23, 59, 59, 999999)
    assert (due + timedelta(microseconds=1)).astimezone(LONDON).time().hour == 0
    assert due.date() >= start.date() + timedelta(days=length)
    assert due > start + timedelta(days=length - 1)


@settings(max_examples=300, deadline=None)
@given(start=moments, length=st.integers(min_value=1, max_value=20), nation=nations)
def test_property_working_days_never_land_on_weekend_or_bank_holiday_and_count_exactly(
    start: datetime, length: int, nation: str
) -> None:
    due = deadline_after(start, "working_days", length, nation=nation).astimezone(LONDON).date()
    assert due.weekday() < 5
    assert not is_bank_holiday(due, nation)
    first = start.astimezone(LONDON).date()
    counted = sum(
        1
        for offset in range(1, (due - first).days + 1)
        if is_working_day(first + timedelta(days=offset), nation)
    )
    assert counted == length


@settings(max_examples=200, deadline=None)
@given(start=moments, now=moments)
def test_property_state_is_consistent_with_time_left(start: datetime, now: datetime) -> None:
    deadlines = compute_deadlines(HOURS_72, returned_at=start, police_notified_at=None)
    state = open_state(deadlines, now)
    left = time_left(deadlines, now)
    assert left is not None
    if state == ClockState.OVERDUE:
        assert left < timedelta(0)
    elif state == ClockState.DUE_SOON:
        assert timedelta(0) <= left <= timedelta(hours=24)
    else:
        assert left > timedelta(hours=24)
