"""The performance return's deadline cache answers as ``rhi.clock.deadline_after`` does, for one calculator
reused over many starts (as ``time_rows`` uses it): days cached per local date, hours as a span per length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.performance.timeliness import DeadlineCalculator
from rhi.clock import STANDARD_DEFINITIONS, ClockRules, deadline_after

BASE = datetime(2026, 1, 1, tzinfo=UTC)
starts = st.lists(
    st.integers(min_value=0, max_value=60 * 24 * 400).map(lambda m: BASE + timedelta(minutes=m)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(starts=starts, nation=st.sampled_from(["ENG", "SCT", "NIR"]))
def test_a_reused_calculator_gives_the_clocks_deadline_for_every_start_and_definition(
    starts: list[datetime], nation: str
) -> None:
    calculator = DeadlineCalculator()
    for start in starts:
        for base in STANDARD_DEFINITIONS.values():
            rules = ClockRules(
                basis=base.basis,
                complete_unit=base.complete_unit,
                complete_length=base.complete_length,
                nation=nation,
            )
            expected = deadline_after(start, rules.complete_unit, rules.complete_length, nation=nation)
            assert calculator.due(rules, start) == expected
