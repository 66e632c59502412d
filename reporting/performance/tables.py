"""The published tables of the performance return for the HTML page, the PDF, the chart and the xlsx/csv/json
exports: one builder, every output.

``TABLES`` is the return's layout as data: each spec names its sheet, title and columns, one function that
lays the result out as cells (``Count``s, ``Share``s and labels) and one that states the sums the table
publishes (``Relation``s: which cells add up to which total, including totals in another table, such as the
headline "Declined" that the declines table breaks down). ``published_cells`` runs
``reporting.performance.suppression.protect`` once over every count of every table with every relation, and the
counts the words print (``method.TimedElsewhere``: the own-policy label, the method paragraph), so a "<5" cannot
be worked out by subtraction anywhere in the return; ``published_tables`` renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reporting.performance.method import Prose
from reporting.performance.result import PerformanceReturn
from reporting.performance.suppression import (
    CellKey,
    Relation,
    Shown,
    at_least,
    protect,
    published_percent,
    sums,
)
from reporting.performance.timeliness import EXCLUDED, IN_TIME, LATE, NOT_DONE, NOT_STARTED, NOT_YET_DUE, OWN
from rhi.models import OfferedTo


@dataclass(frozen=True)
class Count:
    key: CellKey
    value: int


@dataclass(frozen=True)
class Share:
    """A percentage: the numerator's count over the sum of the denominator's."""

    numerator: CellKey
    denominator: tuple[CellKey, ...]


Cell = Count | Share | Prose | str
Grid = list[list[Cell]]
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
    cells: Callable[[PerformanceReturn], Grid]
    relations: Callable[[PerformanceReturn], list[Relation]]


@dataclass(frozen=True)
class PublishedCells:
    """Every count of the return (``values``: the tables' and those the words print), the sums they publish,
    what is shown of each count, and the method paragraph written from it."""

    values: dict[CellKey, int]
    relations: list[Relation]
    shown: dict[CellKey, Shown]
    grids: list[Grid]
    method: str


def _headline_key(name: str) -> CellKey:
    return ("headline", name, "number")


INCIDENTS = _headline_key("incidents")
OFFER_RECIPIENTS = {
    OfferedTo.CHILD: "offered to the child",
    OfferedTo.PARENT_CARER: "offered to a parent or carer",
    OfferedTo.BOTH: "offered to both",
}
OUTCOMES = ("accepted", "declined", "unable_to_contact", "not_offered", "no_rhi")
# Cohorts that split the headline episodes between them (by where the episode began; by category).
COHORT_PARTITIONS = (
    ("from_home", "from_care_in_area", "placed_out_of_area", "from_elsewhere"),
    ("looked_after_at_start", "not_looked_after_at_start"),
    ("missing", "absent"),
)
# Columns counted per row (cohort, month) that add up to the headline figure of the same key.
ADDITIVE = ("incidents", "offered", "carried_out", "in_time_own")


def _headline(result: PerformanceReturn) -> Grid:
    c = result.counts
    figures = [
        ("Missing and absent episodes (incidents)", "incidents", result.incidents, False),
        ("Individual children", "children", result.children, False),
        ("Children missing more than once", "repeat_children", result.repeat_children, False),
        (
            "Episodes belonging to children missing more than once",
            "repeat_episodes",
            result.repeat_episodes,
            True,
        ),
        ("Offered an RHI (child or parent/carer)", "offered", c["offered"], True),
        *(
            (f"  {words}", f"offered_to_{code}", result.offered_to[code], False)
            for code, words in OFFER_RECIPIENTS.items()
        ),
        ("Accepted", "accepted", c["accepted"], True),
        ("Declined", "declined", c["declined"], True),
        ("Unable to contact", "unable_to_contact", c["unable_to_contact"], True),
        ("Not offered", "not_offered", c["not_offered"], True),
        ("RHI carried out", "carried_out", c["carried_out"], True),
        ("Carried out within the timeframe (own policy)", "in_time_own", result.own.counts[IN_TIME], True),
        ("Returned, but no RHI record", "no_rhi", c["no_rhi"], True),
    ]
    return [
        [label, Count(_headline_key(name), value), Share(_headline_key(name), (INCIDENTS,)) if share else ""]
        for label, name, value, share in figures
    ]


def _headline_relations(result: PerformanceReturn) -> list[Relation]:
    h = _headline_key
    return [
        at_least(h("offered"), [h(f"offered_to_{code}") for code in OFFER_RECIPIENTS]),
        at_least(INCIDENTS, [h(name) for name in OUTCOMES]),  # an episode has one outcome, or no RHI
        *(at_least(INCIDENTS, [h(name)]) for name in ("offered", "carried_out", "children")),
        at_least(h("carried_out"), [h("in_time_own")]),
        at_least(h("children"), [h("repeat_children")]),
        # A child missing more than once has two or more episodes; the other children have one each.
        at_least(h("repeat_episodes"), [h("repeat_children"), h("repeat_children")]),
        sums(INCIDENTS, [h("repeat_episodes"), h("children")], less=[h("repeat_children")]),
        sums(h("in_time_own"), [("timeliness", OWN, IN_TIME)]),
    ]


TIMELINESS_COLUMNS = (IN_TIME, LATE, NOT_DONE, NOT_YET_DUE, NOT_STARTED, EXCLUDED)


def _timeliness(result: PerformanceReturn) -> Grid:
    grid: Grid = []
    for row in result.timeliness:
        key = {status: ("timeliness", row.key, status) for status in TIMELINESS_COLUMNS}
        in_time = key[IN_TIME]
        grid.append(
            [
                result.timed_elsewhere.label_cell() if row.key == OWN else row.label,
                Count(in_time, row.counts[IN_TIME]),
                Share(in_time, (in_time, key[LATE], key[NOT_DONE])),
                Share(in_time, (in_time, key[LATE])),
                *(Count(key[status], row.counts[status]) for status in TIMELINESS_COLUMNS[1:]),
            ]
        )
    return grid


def _timeliness_relations(result: PerformanceReturn) -> list[Relation]:
    relations = []
    for row in result.timeliness:
        cells = [("timeliness", row.key, status) for status in TIMELINESS_COLUMNS]
        relations.append(sums(INCIDENTS, cells))  # each episode is in exactly one column per definition
        relations.append(at_least(_headline_key("carried_out"), cells[:2]))  # in time or late: carried out
    return relations


def _cohorts(result: PerformanceReturn) -> Grid:
    columns = ("incidents", "children", "offered", "carried_out", "in_time_own")
    return [
        [
            row.label,
            *(Count(("cohorts", row.key, column), getattr(row, column)) for column in columns),
            Share(("cohorts", row.key, "in_time_own"), (("cohorts", row.key, "incidents"),)),
        ]
        for row in result.cohorts
    ]


def _cohort_relations(result: PerformanceReturn) -> list[Relation]:
    present = {row.key for row in result.cohorts}
    relations = [
        sums(_headline_key(column), [("cohorts", key, column) for key in partition])
        for partition in COHORT_PARTITIONS
        if present.issuperset(partition)
        for column in ADDITIVE
    ]
    for key in sorted(present):
        relations += _within_row("cohorts", key)
        relations.append(at_least(("cohorts", key, "incidents"), [("cohorts", key, "children")]))
    return relations


def _within_row(table: str, row: str) -> list[Relation]:
    """Offered and carried out are among the row's incidents; in time (own policy) among those carried out."""
    return [
        at_least((table, row, "incidents"), [(table, row, "offered")]),
        at_least((table, row, "incidents"), [(table, row, "carried_out")]),
        at_least((table, row, "carried_out"), [(table, row, "in_time_own")]),
    ]


def _declines(result: PerformanceReturn) -> Grid:
    return [
        [
            label,
            Count(("declines", code, "child"), child),
            Count(("declines", code, "parent_carer"), parent),
            Count(("declines", code, "total"), child + parent),
        ]
        for code, label, child, parent in result.declines
    ]


def _decline_relations(result: PerformanceReturn) -> list[Relation]:
    codes = [code for code, *_ in result.declines]
    return [
        *(
            sums(("declines", c, "total"), [("declines", c, "child"), ("declines", c, "parent_carer")])
            for c in codes
        ),
        # A decline always has a reason and who declined (a database constraint on the RHI).
        sums(_headline_key("declined"), [("declines", code, "total") for code in codes]),
    ]


def _not_offered(result: PerformanceReturn) -> Grid:
    return [[label, Count(("not_offered", code, "episodes"), v)] for code, label, v in result.not_offered]


def _not_offered_relations(result: PerformanceReturn) -> list[Relation]:
    # A "not offered" outcome always has its reason (a database constraint on the RHI).
    parts = [("not_offered", code, "episodes") for code, *_ in result.not_offered]
    return [sums(_headline_key("not_offered"), parts)]


ALL_INTERVIEWS: CellKey = ("independence", "all", "interviews")


def _independence(result: PerformanceReturn) -> Grid:
    rows: Grid = [
        [
            label,
            Count(("independence", code, "interviews"), v),
            Share(("independence", code, "interviews"), (ALL_INTERVIEWS,)),
        ]
        for code, label, v in result.independence
    ]
    return [*rows, ["All interviews", Count(ALL_INTERVIEWS, result.interviews), ""]]


def _independence_relations(result: PerformanceReturn) -> list[Relation]:
    return [
        sums(ALL_INTERVIEWS, [("independence", code, "interviews") for code, *_ in result.independence]),
        # One interview per RHI, and each RHI carries out one or more of the period's episodes.
        at_least(_headline_key("carried_out"), [ALL_INTERVIEWS]),
    ]


def _referrals(result: PerformanceReturn) -> Grid:
    totals = result.referrals
    rows: Grid = [
        [label, Count(("referrals", code, "made"), made), Count(("referrals", code, "acknowledged"), ack)]
        for code, label, made, ack in result.referrals_by_service
    ]
    all_made, all_ack = (
        Count(("referrals", "all", "made"), totals["made"]),
        Count(("referrals", "all", "acknowledged"), totals["acknowledged"]),
    )
    return [*rows, ["All services", all_made, all_ack]]


def _referral_relations(result: PerformanceReturn) -> list[Relation]:
    codes = [code for code, *_ in result.referrals_by_service]
    return [
        *(
            sums(("referrals", "all", column), [("referrals", c, column) for c in codes])
            for column in ("made", "acknowledged")
        ),
        *(at_least(("referrals", c, "made"), [("referrals", c, "acknowledged")]) for c in [*codes, "all"]),
    ]


def _referral_outcomes(result: PerformanceReturn) -> Grid:
    by_outcome: Grid = [
        [label, Count(("referral_outcomes", code, "referrals"), v)]
        for code, label, v in result.referral_outcomes
    ]
    awaiting = Count(("referral_outcomes", "awaiting", "referrals"), result.referrals["awaiting"])
    return [*by_outcome, ["Sent, awaiting acknowledgement", awaiting]]


def _referral_outcome_relations(result: PerformanceReturn) -> list[Relation]:
    made = ("referrals", "all", "made")
    return [
        at_least(made, [("referral_outcomes", code, "referrals") for code, *_ in result.referral_outcomes]),
        # Awaiting = sent and not acknowledged, so apart from those acknowledged.
        at_least(
            made, [("referrals", "all", "acknowledged"), ("referral_outcomes", "awaiting", "referrals")]
        ),
    ]


def _ranked(table: str) -> Callable[[PerformanceReturn], Grid]:
    def cells(result: PerformanceReturn) -> Grid:
        ranked = result.places_by_kind if table == "locations" else result.associates_by_age
        return [
            [
                row.label,
                Count((table, row.label, "children"), row.children),
                Count((table, row.label, "rhis"), row.rhis),
            ]
            for row in ranked
        ]

    return cells


def _ranked_relations(table: str) -> Callable[[PerformanceReturn], list[Relation]]:
    def relations(result: PerformanceReturn) -> list[Relation]:
        ranked = result.places_by_kind if table == "locations" else result.associates_by_age
        # Each child counted has one or more RHIs counted in the same row.
        return [at_least((table, row.label, "rhis"), [(table, row.label, "children")]) for row in ranked]

    return relations


def _months(result: PerformanceReturn) -> Grid:
    return [
        [
            row.label,
            *(Count(("months", row.month.isoformat(), column), getattr(row, column)) for column in ADDITIVE),
        ]
        for row in result.months
    ]


def _month_relations(result: PerformanceReturn) -> list[Relation]:
    months = [row.month.isoformat() for row in result.months]
    relations = [sums(_headline_key(column), [("months", m, column) for m in months]) for column in ADDITIVE]
    for month in months:
        relations += _within_row("months", month)
    return relations


def _no_relations(result: PerformanceReturn) -> list[Relation]:
    return []


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "headline",
        "Headline",
        "Headline figures",
        ("Figure", "Number", "% of incidents"),
        _headline,
        _headline_relations,
    ),
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
            "Excluded (bunched or superseded)",
        ),
        _timeliness,
        _timeliness_relations,
    ),
    TableSpec(
        "cohorts",
        "Cohorts",
        "By cohort",
        ("Cohort", "Incidents", "Children", "Offered", "Carried out", "In time (own policy)", "% in time"),
        _cohorts,
        _cohort_relations,
    ),
    TableSpec(
        "declines",
        "Declines",
        "Declined, by reason and by whom",
        ("Reason", "By the child", "By a parent or carer", "Total"),
        _declines,
        _decline_relations,
    ),
    TableSpec(
        "not_offered",
        "Not offered",
        "Not offered, by reason",
        ("Reason", "Episodes"),
        _not_offered,
        _not_offered_relations,
    ),
    TableSpec(
        "independence",
        "Interviewers",
        "Who carried out the interviews",
        ("Interviewer", "Interviews", "% of interviews"),
        _independence,
        _independence_relations,
    ),
    TableSpec(
        "referrals",
        "Referrals",
        "Follow-up referrals",
        ("Service", "Made", "Acknowledged"),
        _referrals,
        _referral_relations,
    ),
    TableSpec(
        "referral_outcomes",
        "Referral outcomes",
        "Referral outcomes",
        ("Outcome", "Referrals"),
        _referral_outcomes,
        _referral_outcome_relations,
    ),
    TableSpec(
        "risk_indicators",
        "Risk indicators",
        "Risk indicators identified in interviews",
        ("Risk indicator", "RHIs"),
        lambda r: [
            [label, Count(("risk_indicators", code, "rhis"), v)] for code, label, v in r.risk_indicators
        ],
        _no_relations,  # an RHI may show several indicators: the rows do not add up to anything published
    ),
    TableSpec(
        "locations",
        "Places",
        "Places children went, by kind of place",
        ("Kind of place", "Children", "RHIs"),
        _ranked("locations"),
        _ranked_relations("locations"),
    ),
    TableSpec(
        "associates",
        "Associates",
        "Associates named, by age group",
        ("Age group", "Children", "RHIs"),
        _ranked("associates"),
        _ranked_relations("associates"),
    ),
    TableSpec(
        "months",
        "By month",
        "Trend by month",
        ("Month", "Incidents", "Offered", "Carried out", "In time (own policy)"),
        _months,
        _month_relations,
    ),
)


def published_cells(result: PerformanceReturn) -> PublishedCells:
    """Every count of every table, the sums the tables publish, and what ``protect`` shows of each count."""
    grids = [spec.cells(result) for spec in TABLES]
    values = {
        cell.key: cell.value for grid in grids for row in grid for cell in row if isinstance(cell, Count)
    }
    relations = [relation for spec in TABLES for relation in spec.relations(result)]
    # The counts the own-policy label and the method paragraph print go through the same protect.
    values |= result.timed_elsewhere.cells()
    relations += result.timed_elsewhere.relations(INCIDENTS)
    shown = protect(values, relations)
    return PublishedCells(
        values, relations, shown, grids, result.published_method(shown, incidents=INCIDENTS)
    )


def _render(cell: Cell, cells: PublishedCells) -> object:
    if isinstance(cell, Count):
        return cells.shown[cell.key]
    if isinstance(cell, Prose):
        return cell.render(cells.shown)
    if isinstance(cell, Share):
        keys = [cell.numerator, *cell.denominator]
        denominator = sum(cells.values[key] for key in cell.denominator)
        return published_percent(
            [cells.shown[key] for key in keys], cells.values[cell.numerator], denominator
        )
    return cell


def published_tables(result: PerformanceReturn, cells: PublishedCells | None = None) -> list[Table]:
    """Every table of the return, in ``TABLES`` order, as published: small numbers suppressed and the cells
    that would give them away withheld (``cells``: ``published_cells(result)`` when already worked out)."""
    cells = cells or published_cells(result)
    return [
        Table(
            spec.key,
            spec.sheet,
            spec.title,
            list(spec.header),
            [[_render(c, cells) for c in row] for row in grid],
        )
        for spec, grid in zip(TABLES, cells.grids, strict=True)
    ]
