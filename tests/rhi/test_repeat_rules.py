"""rhi.clock's repeat-episode rules: which bunched links count for timeliness and which episode starts the clock.

The service that opens RHIs and the demo seed both call these, so they are checked here on their own: whatever
run of repeat episodes joins an RHI, exactly one of its episodes is timed, and it is the one the clock runs from.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rhi.clock import (
    BUNCH_FROM_FIRST,
    BUNCH_FROM_LATEST,
    SEPARATE,
    bunched_link,
    bunches,
    clock_episode,
)
from rhi.models import RepeatRule


def test_the_clock_modules_repeat_rules_are_the_policy_models_choices() -> None:
    assert {SEPARATE, BUNCH_FROM_LATEST, BUNCH_FROM_FIRST} == set(RepeatRule.values)
    assert [rule for rule in RepeatRule.values if bunches(rule)] == [BUNCH_FROM_LATEST, BUNCH_FROM_FIRST]


def test_a_separate_rule_never_bunches_an_episode() -> None:
    with pytest.raises(ValueError, match="does not bunch"):
        bunched_link(SEPARATE)


@given(rule=st.sampled_from([BUNCH_FROM_LATEST, BUNCH_FROM_FIRST]), repeats=st.integers(0, 8))
def test_whatever_joins_an_rhi_exactly_one_episode_is_timed_and_it_starts_the_clock(
    rule: str, repeats: int
) -> None:
    counts = [True]  # the episode that opened the RHI
    for _ in range(repeats):
        link = bunched_link(rule)
        if not link.earlier_keep_counting:
            counts = [False] * len(counts)
        counts.append(link.counts)
    episodes = list(range(len(counts)))  # in the order they went missing
    assert sum(counts) == 1
    timed = episodes[counts.index(True)]
    assert timed == (episodes[0] if rule == BUNCH_FROM_FIRST else episodes[-1])
    assert clock_episode(rule, [e for e, c in zip(episodes, counts, strict=True) if c]) == timed


def test_no_counted_episode_means_no_clock_episode() -> None:
    assert clock_episode(BUNCH_FROM_LATEST, []) is None
