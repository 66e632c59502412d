"""Reporting periods: the DfE collection year and the UTC instants a period of UK dates covers. Every return
(SSDA903, Annex A, the performance return and its dashboard) takes its years and bounds from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError

from rhi.clock import LONDON


@dataclass(frozen=True)
class CollectionYear:
    """A DfE collection year: 1 April to 31 March."""

    start: date
    end: date

    @classmethod
    def starting(cls, year: int) -> CollectionYear:
        return cls(date(year, 4, 1), date(year + 1, 3, 31))

    @classmethod
    def of_period(cls, date_from: date, date_to: date) -> CollectionYear:
        """The collection year that is exactly ``date_from``–``date_to``; any other period (a year from June,
        two years, a month) raises a ValidationError on ``date_from`` saying so. The one test of "is this a
        collection year" for the SSDA903 export, its command, its web form and the API."""
        year = cls.containing(date_from)
        if (date_from, date_to) != (year.start, year.end):
            raise ValidationError(
                {
                    "date_from": f"SSDA903 covers a DfE collection year, 1 April to 31 March: "
                    f"{date_from:%-d %B %Y} to {date_to:%-d %B %Y} is not one. For the year starting in "
                    f"April {year.start.year}, give {year.start.isoformat()} to {year.end.isoformat()}."
                }
            )
        return year

    @classmethod
    def containing(cls, day: date) -> CollectionYear:
        return cls.starting(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @property
    def previous(self) -> CollectionYear:
        return CollectionYear.starting(self.start.year - 1)


# Until the end of September a returns page opens on the year that ended on 31 March: its returns are prepared,
# checked and corrected through the summer. From October it opens on the year under way.
LAST_MONTH_OF_RETURN_SEASON = 9


def default_collection_year(today: date) -> CollectionYear:
    """The collection year every returns page opens on (the export form, the SSDA903 check, the performance
    return): the one place that choice is made, so the pages agree."""
    current = CollectionYear.containing(today)
    if current.start.month <= today.month <= LAST_MONTH_OF_RETURN_SEASON:
        return current.previous
    return current


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The UTC instants a period of UK dates covers: from midnight starting ``date_from`` up to (not
    including) midnight after ``date_to``."""
    return (
        datetime.combine(date_from, time.min, tzinfo=LONDON).astimezone(UTC),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=LONDON).astimezone(UTC),
    )
