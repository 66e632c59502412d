"""Percentiles and rolled-back timing shared by every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction that is rolled back at its end, whatever happened inside: measured writes change nothing."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``values`` (no interpolation: a figure that was really measured)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timings(values: list[float]) -> dict[str, float]:
    return {
        "runs": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def timed_rollback(work: Callable[[], Any]) -> tuple[float, Any]:
    """Time ``work`` inside a transaction that is then rolled back, so the database is left as it was."""
    started = time.perf_counter()  # before BEGIN, as the figures in docs/benchmarks.md were measured
    with rolled_back():
        result = work()
        elapsed = time.perf_counter() - started  # before the rollback
    return elapsed, result
