"""Time for the demo: everything is placed relative to the anchor's midday (the data set's "now")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# The data set's "now": midday on the anchor date, so open RHIs have live-looking deadlines that day.
NOW_CLOCK_TIME = time(12, 0)


def local_moment(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in London as an aware UTC datetime (times in the spring-forward gap move on)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def default_anchor(wall_clock: datetime) -> date:
    """Today in London once its midday has passed, else yesterday: no demo time is ever in the future."""
    local = wall_clock.astimezone(LONDON)
    return local.date() if local.time() >= NOW_CLOCK_TIME else local.date() - timedelta(days=1)


@dataclass(frozen=True)
class Span:
    anchor: date
    now: datetime  # the anchor's midday, UTC
    start: datetime  # first possible episode
    setup_at: datetime  # when the organisations and users were set up

    @classmethod
    def for_anchor(cls, anchor: date, years: int) -> Span:
        now = local_moment(anchor, NOW_CLOCK_TIME.hour, NOW_CLOCK_TIME.minute)
        start = now - timedelta(days=365 * years)
        return cls(
            anchor=anchor, now=now, start=start, setup_at=local_moment(start.date() - timedelta(days=60), 9)
        )
