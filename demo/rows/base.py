"""What every row builder shares: the data set's "now", and the check that fails a generator bug loudly."""

from __future__ import annotations

from datetime import datetime

from demo.writer import DemoDataError


def require(condition: bool, message: str) -> None:
    if not condition:
        raise DemoDataError(message)


class RowsBase:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def _past(self, *values: datetime | None) -> None:
        for value in values:
            if value is not None and value > self.now:
                raise DemoDataError(
                    f"{value.isoformat()} is after the data set's now ({self.now.isoformat()})"
                )
