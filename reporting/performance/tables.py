"""The published tables of the performance return (small numbers suppressed) for the HTML page, the PDF and
the xlsx: one builder, three outputs.

``TABLES`` is the return's layout as data: each spec names its sheet, title and columns, and one function turns
the result into rows. Every count goes through ``suppress`` and every percentage through ``suppress_percent``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reporting.performance.result import PerformanceReturn
from reporting.performance.suppression import suppress, suppress_percent
from reporting.performance.timeliness import EXCLUDED, IN_TIME, LATE, NOT_DONE, NOT_STARTED, NOT_YET_DUE
from rhi.models import OfferedTo

Rows = list[list[object]]


@dataclass(frozen=True)
class Table:
    key: str
    sheet: str
    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]


@dataclass(frozen=True)
class TableSpec:
    key: str
    sheet: str
    title: str
    header: tuple[str, ...]
    rows: Callable[[PerformanceReturn], Rows]


_s = suppress


def _headline(result: PerformanceReturn) -> Rows:
    c, n = result.counts, result.incidents

    def share(label: str, key: str) -> list[object]:
        return [label, _s(c[key]), suppress_percent(c[key], n)]

    return [
        ["Missing and absent episodes (incidents)", _s(n), ""],
        ["Individual children", _s(result.children), ""],
        ["Children missing more than once", _s(result.repeat_children), ""],
        [
            "Episodes belonging to children missing more than once",
            _s(result.repeat_episodes),
            suppress_percent(result.repeat_episodes, n),
        ],
        share("Offered an RHI (child or parent/carer)", "offered"),
        ["  offered to the child", _s(result.offered_to[OfferedTo.CHILD]), ""],
        ["  offered to a parent or carer", _s(result.offered_to[OfferedTo.PARENT_CARER]), ""],
        ["  offered to both", _s(result.offered_to[OfferedTo.BOTH]), ""],
        share("Accepted", "accepted"),
        share("Declined", "declined"),
        share("Unable to contact", "unable_to_contact"),
        share("Not offered", "not_offered"),
        share("RHI carried out", "carried_out"),
        [
            "Carried out within the timeframe (own policy)",
            _s(result.own.counts[IN_TIME]),
            suppress_percent(result.own.counts[IN_TIME], n),
        ],
        share("Returned, but no RHI record", "no_rhi"),
    ]


def _timeliness(result: PerformanceReturn) -> Rows:
    return [
        [
            row.label,
            _s(row.counts[IN_TIME]),
            suppress_percent(row.counts[IN_TIME], row.timed),
            suppress_percent(row.counts[IN_TIME], row.carried_out),
            _s(row.counts[LATE]),
            _s(row.counts[NOT_DONE]),
            _s(row.counts[NOT_YET_DUE]),
            _s(row.counts[NOT_STARTED]),
            _s(row.counts[EXCLUDED]),
        ]
        for row in result.timeliness
    ]


def _cohorts(result: PerformanceReturn) -> Rows:
    return [
        [
            row.label,
            _s(row.incidents),
            _s(row.children),
            _s(row.offered),
            _s(row.carried_out),
            _s(row.in_time_own),
            suppress_percent(row.in_time_own, row.incidents),
        ]
        for row in result.cohorts
    ]


def _referrals(result: PerformanceReturn) -> Rows:
    totals = result.referrals
    by_service: Rows = [[label, _s(made), _s(ack)] for _, label, made, ack in result.referrals_by_service]
    return [*by_service, ["All services", _s(totals["made"]), _s(totals["acknowledged"])]]


def _referral_outcomes(result: PerformanceReturn) -> Rows:
    by_outcome: Rows = [[label, _s(v)] for _, label, v in result.referral_outcomes]
    return [*by_outcome, ["Sent, awaiting acknowledgement", _s(result.referrals["awaiting"])]]


TABLES: tuple[TableSpec, ...] = (
    TableSpec("headline", "Headline", "Headline figures", ("Figure", "Number", "% of incidents"), _headline),
    TableSpec(
        "timeliness",
        "Timeliness",
        "Carried out within the timeframe: own policy and the six standard definitions",
        (
            "Definition",
            "In time",
            "% of timed episodes",
            "% of interviews carried out",
            "Late",
            "Not done, timeframe passed",
            "Not yet due",
            "Clock not started",
            "Excluded (bunched)",
        ),
        _timeliness,
    ),
    TableSpec(
        "cohorts",
        "Cohorts",
        "By cohort",
        ("Cohort", "Incidents", "Children", "Offered", "Carried out", "In time (own policy)", "% in time"),
        _cohorts,
    ),
    TableSpec(
        "declines",
        "Declines",
        "Declined, by reason and by whom",
        ("Reason", "By the child", "By a parent or carer", "Total"),
        lambda r: [
            [label, _s(child), _s(parent), _s(child + parent)] for _, label, child, parent in r.declines
        ],
    ),
    TableSpec(
        "not_offered",
        "Not offered",
        "Not offered, by reason",
        ("Reason", "Episodes"),
        lambda r: [[label, _s(v)] for _, label, v in r.not_offered],
    ),
    TableSpec(
        "independence",
        "Interviewers",
        "Who carried out the interviews",
        ("Interviewer", "Interviews", "% of interviews"),
        lambda r: [[label, _s(v), suppress_percent(v, r.interviews)] for _, label, v in r.independence],
    ),
    TableSpec(
        "referrals", "Referrals", "Follow-up referrals", ("Service", "Made", "Acknowledged"), _referrals
    ),
    TableSpec(
        "referral_outcomes",
        "Referral outcomes",
        "Referral outcomes",
        ("Outcome", "Referrals"),
        _referral_outcomes,
    ),
    TableSpec(
        "risk_indicators",
        "Risk indicators",
        "Risk indicators identified in interviews",
        ("Risk indicator", "RHIs"),
        lambda r: [[label, _s(v)] for _, label, v in r.risk_indicators],
    ),
    TableSpec(
        "locations",
        "Places",
        "Places children went, by kind of place",
        ("Kind of place", "Children", "RHIs"),
        lambda r: [[row.label, _s(row.children), _s(row.rhis)] for row in r.places_by_kind],
    ),
    TableSpec(
        "associates",
        "Associates",
        "Associates named, by age group",
        ("Age group", "Children", "RHIs"),
        lambda r: [[row.label, _s(row.children), _s(row.rhis)] for row in r.associates_by_age],
    ),
    TableSpec(
        "months",
        "By month",
        "Trend by month",
        ("Month", "Incidents", "Offered", "Carried out", "In time (own policy)"),
        lambda r: [
            [row.label, _s(row.incidents), _s(row.offered), _s(row.carried_out), _s(row.in_time_own)]
            for row in r.months
        ],
    ),
)


def published_tables(result: PerformanceReturn) -> list[Table]:
    """Every table of the return, in ``TABLES`` order, with small numbers suppressed."""
    return [Table(spec.key, spec.sheet, spec.title, list(spec.header), spec.rows(result)) for spec in TABLES]
