"""A "<5" cannot be worked out by subtraction anywhere in the performance return (issue 13 part 5).

The auditor is independent of ``protect``: scipy's HiGHS solves each return's equations as linear programmes —
every sum the tables declare (``TABLES``' relations), the published numbers as constants, and each withheld cell
bounded by what a reader knows of it ("<5": 1 to 4; "[c]" and the unpublished rest of an "at least" sum: 0 or
more) — for the minimum and the maximum of every withheld cell. A cell whose minimum equals its maximum could be
worked out: none may be.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from reporting.performance import COHORTS, performance_figures, published_cells, published_tables
from reporting.performance.charts import monthly_chart
from reporting.performance.suppression import (
    SUPPRESSED,
    WITHHELD,
    CellKey,
    Relation,
    Shown,
    at_least,
    protect,
    sums,
)
from reporting.performance.tables import COHORT_PARTITIONS
from tests.reporting.performance_world import NOW, YEAR, PerformanceWorld, Period, build_world

Values = Mapping[CellKey, int]


def rest(values: Values, relation: Relation) -> int:
    parts = sum(values[part] for part in relation.parts) - sum(values[part] for part in relation.less)
    return values[relation.total] - parts


def ranges(
    values: Values, relations: Sequence[Relation], shown: Mapping[CellKey, Shown]
) -> dict[CellKey, Any]:
    """(min, max) of every withheld cell over all the numbers consistent with what is published."""
    unknown = [key for key in values if isinstance(shown[key], str)]
    column = {key: index for index, key in enumerate(unknown)}
    rows: list[dict[int, int]] = []
    rhs: list[int] = []
    remainders = 0
    for relation in relations:
        coefficients: Counter[CellKey] = Counter(relation.parts)
        coefficients.subtract(Counter(relation.less))
        coefficients[relation.total] -= 1
        row = {column[key]: c for key, c in coefficients.items() if key in column and c}
        constant = sum(c * values[key] for key, c in coefficients.items() if key not in column)
        if not relation.exact:
            row[len(unknown) + remainders] = 1
            remainders += 1
        rows.append(row)
        rhs.append(-constant)
    width = len(unknown) + remainders
    matrix = [[row.get(j, 0) for j in range(width)] for row in rows]
    bounds = [(1, 4) if shown[key] == SUPPRESSED else (0, None) for key in unknown] + [(0, None)] * remainders
    found = {}
    for key, index in column.items():
        objective = [0] * width
        objective[index] = 1
        low = linprog(objective, A_eq=matrix or None, b_eq=rhs or None, bounds=bounds, method="highs")
        objective[index] = -1
        high = linprog(objective, A_eq=matrix or None, b_eq=rhs or None, bounds=bounds, method="highs")
        assert low.status == 0, (key, low.message)  # the true numbers are a solution: never infeasible
        found[key] = (low.fun, None if high.status == 3 else -high.fun)  # status 3: unbounded
    return found


def worked_out(values: Values, relations: Sequence[Relation], shown: Mapping[CellKey, Shown]) -> list[Any]:
    return [
        (key, low, high)
        for key, (low, high) in ranges(values, relations, shown).items()
        if high is not None and high - low < 1e-6
    ]


def assert_protected(values: Values, relations: Sequence[Relation], shown: Mapping[CellKey, Shown]) -> None:
    broken = [r for r in relations if (rest(values, r) != 0 if r.exact else rest(values, r) < 0)]
    assert broken == [], "a declared sum does not hold on these numbers"
    for key, value in values.items():
        if 0 < value < 5:
            assert shown[key] in (SUPPRESSED, WITHHELD), key  # never a small number itself
        elif shown[key] == SUPPRESSED:
            pytest.fail(f"{key} is {value}, shown as <5")
    assert worked_out(values, relations, shown) == []


# ---- the world of tests/reporting/performance_world.py -------------------------------------------------------


@pytest.fixture
def world() -> PerformanceWorld:
    return build_world()


def returns_of(world: PerformanceWorld) -> list[Any]:
    """Each authority's and the charity's return for the year, and a single month (fewer, smaller numbers)."""
    month: Period = {"date_from": date(2025, 5, 1), "date_to": date(2025, 5, 31)}
    return [
        performance_figures(local_authority=world.north, **YEAR, now=NOW),
        performance_figures(local_authority=world.south, **YEAR, now=NOW),
        performance_figures(provider=world.charity, **YEAR, now=NOW),
        performance_figures(local_authority=world.north, **month, now=NOW),
    ]


@pytest.mark.django_db
def test_no_withheld_cell_of_any_published_table_can_be_worked_out_in_the_worlds_returns(
    world: PerformanceWorld,
) -> None:
    for result in returns_of(world):
        cells = published_cells(result)
        tables_with_sums = {relation.total[0] for relation in cells.relations}
        assert {
            "headline",
            "timeliness",
            "cohorts",
            "declines",
            "referrals",
            "months",
            "timed_elsewhere",  # the counts the own-policy label and the method paragraph print
        } <= tables_with_sums | {part[0] for relation in cells.relations for part in relation.parts}
        assert_protected(cells.values, cells.relations, cells.shown)


@pytest.mark.django_db
def test_the_tables_chart_and_percentages_show_what_protect_decided(world: PerformanceWorld) -> None:
    result = performance_figures(local_authority=world.north, **YEAR, now=NOW)
    cells = published_cells(result)
    tables = {table.key: table for table in published_tables(result)}
    declines = {row[0]: row[1:] for row in tables["declines"].rows}
    parent_refused = next(code for code, label, _, parent in result.declines if parent)
    label = next(label for code, label, *_ in result.declines if code == parent_refused)
    assert declines[label] == [
        cells.shown[("declines", parent_refused, k)] for k in ("child", "parent_carer", "total")
    ]
    for row in tables["headline"].rows:
        if isinstance(row[1], str) and row[2]:
            assert row[2] == "–", row  # a percentage of a withheld count is withheld too
    chart = monthly_chart(result)
    months = [cells.shown[("months", m.month.isoformat(), "incidents")] for m in result.months]
    assert [bar.shown for bar in chart.bars] == months
    assert all(bar.height == 0 for bar in chart.bars if isinstance(bar.shown, str))  # no height gives it away


# ---- the two cases from the issue, worked by hand -------------------------------------------------------------


def test_birmingham_parent_declines_for_fear_of_consequences_cannot_be_had_as_45_minus_43() -> None:
    """45 declines for fear of consequences, 43 by the child: the parents' 2 is "<5", and the child's 43 (the
    smallest other cell of that row) is withheld, so 45 - [c] is anything from 41 to 44 (less 1 to 4)."""
    values = {
        ("declines", "fear", "child"): 43,
        ("declines", "fear", "parent_carer"): 2,
        ("declines", "fear", "total"): 45,
        ("declines", "busy", "child"): 30,
        ("declines", "busy", "parent_carer"): 9,
        ("declines", "busy", "total"): 39,
        ("headline", "declined", "number"): 84,
    }
    relations = [
        sums(("declines", r, "total"), [("declines", r, "child"), ("declines", r, "parent_carer")])
        for r in ("fear", "busy")
    ]
    relations.append(
        sums(
            ("headline", "declined", "number"), [("declines", "fear", "total"), ("declines", "busy", "total")]
        )
    )
    shown = protect(values, relations)
    assert shown[("declines", "fear", "parent_carer")] == SUPPRESSED
    assert shown[("declines", "fear", "child")] == WITHHELD
    assert [shown[k] for k in values if shown[k] not in (SUPPRESSED, WITHHELD)] == [45, 30, 9, 39, 84]
    low, high = ranges(values, relations, shown)[("declines", "fear", "parent_carer")]
    assert (low, high) == (1, 4)


def test_sandwell_housing_referrals_cannot_be_had_as_345_minus_341() -> None:
    """Housing made 4 of 345 referrals: "<5", and the next smallest service (Education, 12) is withheld from
    the "made" column; Housing's acknowledged 3 takes the smallest acknowledged cell with it as well."""
    made = {"housing": 4, "education": 12, "health": 129, "police": 200}
    acknowledged = {"housing": 3, "education": 10, "health": 120, "police": 190}
    values: dict[CellKey, int] = {}
    for service in made:
        values[("referrals", service, "made")] = made[service]
        values[("referrals", service, "acknowledged")] = acknowledged[service]
    values[("referrals", "all", "made")] = 345
    values[("referrals", "all", "acknowledged")] = 323
    relations = [
        sums(("referrals", "all", column), [("referrals", s, column) for s in made])
        for column in ("made", "acknowledged")
    ]
    relations += [
        at_least(("referrals", s, "made"), [("referrals", s, "acknowledged")]) for s in [*made, "all"]
    ]
    shown = protect(values, relations)
    assert shown[("referrals", "housing", "made")] == SUPPRESSED
    assert shown[("referrals", "education", "made")] == WITHHELD
    assert shown[("referrals", "education", "acknowledged")] == WITHHELD
    assert shown[("referrals", "all", "made")] == 345 and shown[("referrals", "health", "made")] == 129
    assert_protected(values, relations, shown)


def test_a_total_that_is_itself_under_5_and_four_ones_that_make_it_are_still_not_given_away() -> None:
    """4 = 1 + 1 + 1 + 1, all "<5", would give every cell away (each is at least 1): one is marked only as
    withheld, so a reader cannot use "1 to 4" for it. A "<5" total of one "<5" part and zeros gives nothing."""
    ones = {("t", "total", "n"): 4, **{("t", str(i), "n"): 1 for i in range(4)}}
    relation = [sums(("t", "total", "n"), [("t", str(i), "n") for i in range(4)])]
    shown = protect(ones, relation)
    assert set(shown.values()) <= {SUPPRESSED, WITHHELD} and WITHHELD in shown.values()
    assert_protected(ones, relation, shown)
    single = {("t", "total", "n"): 3, ("t", "a", "n"): 3, ("t", "b", "n"): 0}
    relation = [sums(("t", "total", "n"), [("t", "a", "n"), ("t", "b", "n")])]
    assert protect(single, relation) == {("t", "total", "n"): "<5", ("t", "a", "n"): "<5", ("t", "b", "n"): 0}


# ---- any table: a breakdown of a headline figure by rows and by columns, with a sub-total ------------------------

COUNTS = st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 14, 40])


@st.composite
def cross_tables(draw: st.DrawFn) -> tuple[dict[CellKey, int], list[Relation]]:
    """Rows x columns of counts with each row's total, each column's total and the grand total (a headline
    figure published in another table); a sub-total of the first two rows; a figure the grand total is part of."""
    n_rows, n_columns = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    grid = [[draw(COUNTS) for _ in range(n_columns)] for _ in range(n_rows)]
    values: dict[CellKey, int] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            values[("t", f"r{r}", f"c{c}")] = value
        values[("t", f"r{r}", "total")] = sum(row)
    for c in range(n_columns):
        values[("t", "total", f"c{c}")] = sum(row[c] for row in grid)
    grand: CellKey = ("headline", "grand", "n")
    values[grand] = sum(map(sum, grid))
    values[("headline", "bigger", "n")] = values[grand] + draw(COUNTS)
    relations = [
        *(
            sums(("t", f"r{r}", "total"), [("t", f"r{r}", f"c{c}") for c in range(n_columns)])
            for r in range(n_rows)
        ),
        *(
            sums(("t", "total", f"c{c}"), [("t", f"r{r}", f"c{c}") for r in range(n_rows)])
            for c in range(n_columns)
        ),
        sums(grand, [("t", f"r{r}", "total") for r in range(n_rows)]),
        sums(grand, [("t", "total", f"c{c}") for c in range(n_columns)]),
        at_least(("headline", "bigger", "n"), [grand]),
    ]
    if n_rows > 2 and draw(st.booleans()):
        values[("t", "first two", "total")] = sum(grid[0]) + sum(grid[1])
        relations.append(sums(("t", "first two", "total"), [("t", "r0", "total"), ("t", "r1", "total")]))
    return values, relations


@settings(max_examples=60, deadline=None)
@given(cross_tables())
def test_no_withheld_cell_of_any_cross_table_can_be_worked_out(
    table: tuple[dict[CellKey, int], list[Relation]],
) -> None:
    values, relations = table
    shown = protect(values, relations)
    assert_protected(values, relations, shown)
    assert protect(dict(values), list(relations)) == shown  # deterministic


def test_published_tables_of_a_return_with_no_small_numbers_withhold_nothing() -> None:
    values = {("t", "a", "n"): 10, ("t", "b", "n"): 0, ("t", "total", "n"): 10}
    assert protect(values, [sums(("t", "total", "n"), [("t", "a", "n"), ("t", "b", "n")])]) == values


def test_a_relation_that_does_not_hold_is_ignored_rather_than_trusted() -> None:
    values = {("t", "a", "n"): 2, ("t", "total", "n"): 50}
    relation = sums(("t", "total", "n"), [("t", "a", "n")])
    assert dataclasses.replace(relation, exact=False).rest(values) == 48
    assert protect(values, [relation]) == {("t", "a", "n"): "<5", ("t", "total", "n"): 50}


def test_each_cohort_partition_the_sums_name_is_made_of_cohorts_of_the_return() -> None:
    """A renamed cohort would silently drop its sums (and their protection): the names must be real."""
    keys = {cohort.key for cohort in COHORTS if cohort.in_headline}
    for partition in COHORT_PARTITIONS:
        assert set(partition) <= keys, partition
