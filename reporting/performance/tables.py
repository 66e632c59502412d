"""The published tables of the performance return (small numbers suppressed) for the HTML page, the PDF and
the xlsx: one builder, three outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.performance.result import PerformanceReturn
from reporting.performance.suppression import suppress, suppress_percent
from reporting.performance.timeliness import EXCLUDED, IN_TIME, LATE, NOT_DONE, NOT_STARTED, NOT_YET_DUE
from rhi.models import OfferedTo


@dataclass(frozen=True)
class Table:
    key: str
    sheet: str
    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]


def _s(value: int) -> int | str:
    return suppress(value)


def published_tables(result: PerformanceReturn) -> list[Table]:
    """Every table of the return, with small numbers suppressed by ``suppress``."""
    c = result.counts
    n = result.incidents
    headline = Table(
        "headline",
        "Headline",
        "Headline figures",
        ["Figure", "Number", "% of incidents"],
        [
            ["Missing and absent episodes (incidents)", _s(n), ""],
            ["Individual children", _s(result.children), ""],
            ["Children missing more than once", _s(result.repeat_children), ""],
            [
                "Episodes belonging to children missing more than once",
                _s(result.repeat_episodes),
                suppress_percent(result.repeat_episodes, n),
            ],
            ["Offered an RHI (child or parent/carer)", _s(c["offered"]), suppress_percent(c["offered"], n)],
            ["  offered to the child", _s(result.offered_to[OfferedTo.CHILD]), ""],
            ["  offered to a parent or carer", _s(result.offered_to[OfferedTo.PARENT_CARER]), ""],
            ["  offered to both", _s(result.offered_to[OfferedTo.BOTH]), ""],
            ["Accepted", _s(c["accepted"]), suppress_percent(c["accepted"], n)],
            ["Declined", _s(c["declined"]), suppress_percent(c["declined"], n)],
            ["Unable to contact", _s(c["unable_to_contact"]), suppress_percent(c["unable_to_contact"], n)],
            ["Not offered", _s(c["not_offered"]), suppress_percent(c["not_offered"], n)],
            ["RHI carried out", _s(c["carried_out"]), suppress_percent(c["carried_out"], n)],
            [
                "Carried out within the timeframe (own policy)",
                _s(result.own.counts[IN_TIME]),
                suppress_percent(result.own.counts[IN_TIME], n),
            ],
            ["Returned, but no RHI record", _s(c["no_rhi"]), suppress_percent(c["no_rhi"], n)],
        ],
    )
    timeliness = Table(
        "timeliness",
        "Timeliness",
        "Carried out within the timeframe: own policy and the six standard definitions",
        [
            "Definition",
            "In time",
            "% of timed episodes",
            "% of interviews carried out",
            "Late",
            "Not done, timeframe passed",
            "Not yet due",
            "Clock not started",
            "Excluded (bunched)",
        ],
        [
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
        ],
    )
    declines = Table(
        "declines",
        "Declines",
        "Declined, by reason and by whom",
        ["Reason", "By the child", "By a parent or carer", "Total"],
        [[label, _s(child), _s(parent), _s(child + parent)] for _, label, child, parent in result.declines],
    )
    not_offered = Table(
        "not_offered",
        "Not offered",
        "Not offered, by reason",
        ["Reason", "Episodes"],
        [[lab, _s(v)] for _, lab, v in result.not_offered],
    )
    cohorts = Table(
        "cohorts",
        "Cohorts",
        "By cohort",
        ["Cohort", "Incidents", "Children", "Offered", "Carried out", "In time (own policy)", "% in time"],
        [
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
        ],
    )
    independence = Table(
        "independence",
        "Interviewers",
        "Who carried out the interviews",
        ["Interviewer", "Interviews", "% of interviews"],
        [[label, _s(v), suppress_percent(v, result.interviews)] for _, label, v in result.independence],
    )
    r = result.referrals
    referrals = Table(
        "referrals",
        "Referrals",
        "Follow-up referrals",
        ["Service", "Made", "Acknowledged"],
        [[label, _s(made), _s(ack)] for _, label, made, ack in result.referrals_by_service]
        + [["All services", _s(r["made"]), _s(r["acknowledged"])]],
    )
    referral_outcomes = Table(
        "referral_outcomes",
        "Referral outcomes",
        "Referral outcomes",
        ["Outcome", "Referrals"],
        [[label, _s(v)] for _, label, v in result.referral_outcomes]
        + [["Sent, awaiting acknowledgement", _s(r["awaiting"])]],
    )
    risks = Table(
        "risk_indicators",
        "Risk indicators",
        "Risk indicators identified in interviews",
        ["Risk indicator", "RHIs"],
        [[label, _s(v)] for _, label, v in result.risk_indicators],
    )
    locations = Table(
        "locations",
        "Places",
        "Places children went, by kind of place",
        ["Kind of place", "Children", "RHIs"],
        [[row.label, _s(row.children), _s(row.rhis)] for row in result.places_by_kind],
    )
    associates = Table(
        "associates",
        "Associates",
        "Associates named, by age group",
        ["Age group", "Children", "RHIs"],
        [[row.label, _s(row.children), _s(row.rhis)] for row in result.associates_by_age],
    )
    months = Table(
        "months",
        "By month",
        "Trend by month",
        ["Month", "Incidents", "Offered", "Carried out", "In time (own policy)"],
        [
            [row.label, _s(row.incidents), _s(row.offered), _s(row.carried_out), _s(row.in_time_own)]
            for row in result.months
        ],
    )
    return [
        headline,
        timeliness,
        cohorts,
        declines,
        not_offered,
        independence,
        referrals,
        referral_outcomes,
        risks,
        locations,
        associates,
        months,
    ]
