"""Charts of the performance return: bar geometry for the server-rendered SVG (the template draws it; a table
sits beside it). A bar shows what its table shows: a withheld count ("<5", "[c]") is drawn as no bar with its
mark, since a bar's height would give the number away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.performance.result import PerformanceReturn
from reporting.performance.suppression import Shown
from reporting.performance.tables import PublishedCells, published_cells


@dataclass(frozen=True)
class Bar:
    label: str
    shown: Shown
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
    title: str, points: Sequence[tuple[str, Shown]], *, width: int = 640, height: int = 220
) -> BarChart:
    """Bars scaled to the largest number shown; ``points`` are (label, value as published)."""
    top, bottom = 20.0, 30.0
    plot = height - top - bottom
    largest = max((shown for _, shown in points if isinstance(shown, int)), default=0) or 1
    slot = width / max(len(points), 1)
    bar_width = slot * 0.7
    bars = []
    for index, (label, shown) in enumerate(points):
        bar_height = plot * shown / largest if isinstance(shown, int) else 0.0
        x = index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                label=label,
                shown=shown,
                x=round(x, 1),
                y=round(top + plot - bar_height, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                label_x=round(x + bar_width / 2, 1),
            )
        )
    description = "; ".join(f"{label}: {shown}" for label, shown in points)
    return BarChart(title, description, bars, width, height, top + plot)


def monthly_chart(result: PerformanceReturn, cells: PublishedCells | None = None) -> BarChart:
    """Incidents by month, as the "Trend by month" table publishes them."""
    shown = (cells or published_cells(result)).shown
    return bar_chart(
        "Missing and absent episodes by month",
        [
            (row.month.strftime("%b %y"), shown[("months", row.month.isoformat(), "incidents")])
            for row in result.months
        ],
    )
