"""Charts of the performance return: bar geometry for the server-rendered SVG (the template draws it; a table
sits beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.performance.result import PerformanceReturn
from reporting.performance.suppression import suppress


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: int | str
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float


def bar_chart(
    title: str, points: Sequence[tuple[str, int]], *, width: int = 640, height: int = 220
) -> BarChart:
    """Bars scaled to the largest value; values are shown suppressed, like every published number."""
    top, bottom = 20.0, 30.0
    plot = height - top - bottom
    largest = max((value for _, value in points), default=0) or 1
    slot = width / max(len(points), 1)
    bar_width = slot * 0.7
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = plot * value / largest
        x = index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=suppress(value),
                x=round(x, 1),
                y=round(top + plot - bar_height, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                label_x=round(x + bar_width / 2, 1),
            )
        )
    description = "; ".join(f"{label}: {suppress(value)}" for label, value in points)
    return BarChart(title, description, bars, width, height, top + plot)


def monthly_chart(result: PerformanceReturn) -> BarChart:
    return bar_chart(
        "Missing and absent episodes by month",
        [(row.month.strftime("%b %y"), row.incidents) for row in result.months],
    )
