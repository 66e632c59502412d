"""Small-number suppression: the one rule every published number of the performance return goes through
(tables, charts, the PDF and the spreadsheet)."""

from __future__ import annotations

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"


def suppress(value: int) -> int | str:
    """A count as published: 1–4 become "<5" (they could identify a child); 0 and 5+ are shown as they are."""
    return SUPPRESSED if 0 < value < SUPPRESSION_THRESHOLD else value


def suppress_percent(numerator: int, denominator: int) -> str:
    """A percentage as published: blank when there is nothing to divide by, and "–" when its numerator is
    suppressed (a percentage of a small denominator gives the count away)."""
    if denominator <= 0:
        return ""
    if 0 < numerator < SUPPRESSION_THRESHOLD or 0 < denominator < SUPPRESSION_THRESHOLD:
        return "–"
    return f"{round(100 * numerator / denominator)}%"


def percent(numerator: int, denominator: int) -> str:
    return "" if denominator <= 0 else f"{round(100 * numerator / denominator)}%"
