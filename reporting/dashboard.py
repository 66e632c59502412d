"""The performance lead's dashboard: this collection year's headline figures against the same period last
year, the six-definition timeliness table and the data-quality list, each number a figure key whose records
``reporting.performance.kept_figure_records`` lists (the same kept facts that counted it). Both years are read
from the kept facts (``reporting.performance.kept_read``), not computed again per view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from accounts.models import Organisation
from reporting.performance import (
    FIGURES,
    IN_TIME,
    NOT_STARTED,
    OWN,
    PerformanceReturn,
    kept_performance_figures,
    percent,
)
from reporting.periods import CollectionYear

HEADLINE_KEYS: tuple[str, ...] = (
    "incidents",
    "offered",
    "accepted",
    "declined",
    "carried_out",
    f"{OWN}__{IN_TIME}",
    "no_rhi",
)
HEADLINE_LABELS = {
    "incidents": "Missing and absent episodes",
    "offered": "Offered an RHI",
    "accepted": "Accepted",
    "declined": "Declined",
    "carried_out": "RHI carried out",
    f"{OWN}__{IN_TIME}": "Carried out in time (own policy)",
    "no_rhi": "Returned, but no RHI record",
}
DATA_QUALITY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Validation failures",
        (
            "dq_interview_before_return",
            "dq_offer_before_return",
            "dq_notification_before_missing",
            "dq_no_police_reference",
            "dq_still_missing",
        ),
    ),
    (
        "Clocks not started because a timestamp is missing",
        (f"{OWN}__{NOT_STARTED}", "gap_no_return_time", "gap_no_police_notification"),
    ),
    ("Episodes with no RHI record", ("no_rhi",)),
)


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def label(self) -> str:
        return f"{self.date_from:%d/%m/%Y} to {self.date_to:%d/%m/%Y}"


@dataclass(frozen=True)
class HeadlineFigure:
    key: str
    label: str
    this_year: int
    last_year: int
    this_percent: str
    last_percent: str

    @property
    def change(self) -> int:
        return self.this_year - self.last_year


@dataclass(frozen=True)
class DataQualityItem:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class DataQualityGroup:
    title: str
    items: list[DataQualityItem]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


@dataclass
class Dashboard:
    local_authority: Organisation
    this_period: Period
    last_period: Period
    this_year: PerformanceReturn
    last_year: PerformanceReturn
    headline: list[HeadlineFigure]
    data_quality: list[DataQualityGroup]


def year_to_date(today: date) -> tuple[Period, Period]:
    """This collection year from 1 April to today, and the same span of last year (a like-for-like compare)."""
    start = CollectionYear.containing(today).start
    last_start = start.replace(year=start.year - 1)
    try:
        last_end = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        last_end = today.replace(year=today.year - 1, day=28)
    return Period(start, today), Period(last_start, last_end)


def performance_dashboard(
    *, local_authority: Organisation, today: date, now: datetime | None = None
) -> Dashboard:
    this_period, last_period = year_to_date(today)
    this_year = kept_performance_figures(
        local_authority=local_authority, date_from=this_period.date_from, date_to=this_period.date_to, now=now
    )
    # Last year's column shows counts only: its finding tables are not read.
    last_year = kept_performance_figures(
        local_authority=local_authority,
        date_from=last_period.date_from,
        date_to=last_period.date_to,
        now=now,
        with_findings=False,
    )
    headline = [
        HeadlineFigure(
            key=key,
            label=HEADLINE_LABELS[key],
            this_year=this_year.counts[key],
            last_year=last_year.counts[key],
            this_percent="" if key == "incidents" else percent(this_year.counts[key], this_year.incidents),
            last_percent="" if key == "incidents" else percent(last_year.counts[key], last_year.incidents),
        )
        for key in HEADLINE_KEYS
    ]
    data_quality = [
        DataQualityGroup(
            title,
            [DataQualityItem(key, FIGURES[key].label, this_year.counts[key]) for key in keys],
        )
        for title, keys in DATA_QUALITY_GROUPS
    ]
    return Dashboard(
        local_authority=local_authority,
        this_period=this_period,
        last_period=last_period,
        this_year=this_year,
        last_year=last_year,
        headline=headline,
        data_quality=data_quality,
    )
