"""Small helpers over one ``random.Random``: weighted picks and durations. No module-level randomness."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice; cheaper than ``rng.choices`` when the same table is used millions of times."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cumulative, rng.random() * self.total)]


def hours(rng: random.Random, low: float, high: float) -> timedelta:
    """A uniformly random duration between ``low`` and ``high`` hours, to the second."""
    return timedelta(seconds=int(rng.uniform(low, high) * 3600))


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability
