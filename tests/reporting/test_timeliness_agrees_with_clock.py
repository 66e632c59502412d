"""The performance return's per-row timeliness (reporting.performance.timeliness) skips rhi.clock's checks for
speed but must give the clock's answer: for any rules and times, "in time" is the clock's MET, "not done" its
OVERDUE, "not yet due" its running states, and "clock not started" its unstarted clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.performance.rows import EpisodeRow
from reporting.performance.timeliness import (
    IN_TIME,
    LATE,
    NOT_DONE,
    NOT_STARTED,
    NOT_YET_DUE,
    DeadlineCalculator,
    timeliness_status,
)
from rhi.clock import (
    STANDARD_DEFINITIONS,
    ClockRules,
    ClockState,
    closed_state,
    compute_deadlines,
    open_state,
)
from rhi.models import RHIState

BASE = datetime(2026, 1, 1, tzinfo=UTC)
ROW = EpisodeRow(
    episode_id=1,
    child_id=1,
    category="missing",
    missing_from="home",
    missing_at=BASE,
    returned_at=None,
    police_notified_at=None,
    responsible_la_id=1,
    host_la_id=None,
    was_out_of_area=None,
    police_reference="REF",
    looked_after_at_start=False,
    rhi_id=1,
    counts_for_timeliness=True,
    rhi_state=RHIState.ALLOCATED,
    outcome=None,
    offered_at=None,
    offered_to=None,
    declined_by=None,
    decline_reason=None,
    not_offered_reason=None,
    snapshot=None,
    held_at=None,
    independence=None,
    commissioning_la_id=1,
    superseded=False,
)
minutes = st.integers(min_value=0, max_value=60 * 24 * 400)
moments = minutes.map(lambda m: BASE + timedelta(minutes=m))
nations = st.sampled_from(["ENG", "SCT", "NIR"])


@settings(max_examples=300, deadline=None)
@given(
    definition=st.sampled_from(sorted(STANDARD_DEFINITIONS)),
    nation=nations,
    returned_at=st.none() | moments,
    police_notified_at=st.none() | moments,
    held_at=st.none() | moments,
    now=moments,
)
def test_report_timeliness_is_the_clocks_met_overdue_or_running_state(
    definition: str,
    nation: str,
    returned_at: datetime | None,
    police_notified_at: datetime | None,
    held_at: datetime | None,
    now: datetime,
) -> None:
    base = STANDARD_DEFINITIONS[definition]
    rules = ClockRules(
        basis=base.basis,
        complete_unit=base.complete_unit,
        complete_length=base.complete_length,
        nation=nation,
    )
    row = ROW._replace(returned_at=returned_at, police_notified_at=police_notified_at, held_at=held_at)

    status = timeliness_status(row, rules, now=now, calculator=DeadlineCalculator())

    deadlines = compute_deadlines(rules, returned_at=returned_at, police_notified_at=police_notified_at)
    if not deadlines.started:
        assert status == NOT_STARTED
    elif held_at is not None:
        assert status == {ClockState.MET: IN_TIME, ClockState.MISSED: LATE}[closed_state(deadlines, held_at)]
    else:
        running = open_state(deadlines, now)
        assert status == (NOT_DONE if running == ClockState.OVERDUE else NOT_YET_DUE)
