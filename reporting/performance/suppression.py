"""Small-number suppression: the one rule every published number of the performance return goes through
(tables, chart, page, PDF, xlsx, csv and json, and the numbers in its words: the own-policy label and the method
paragraph print cells ``protect`` decided, ``method.TimedElsewhere``). docs/performance-return.md,
"Small-number suppression".

- Primary: a count from 1 to 4 is shown as "<5" (it could identify a child); 0 and 5 or more as they are.
- Secondary (complementary): the tables publish sums — a row's total, a column's total, a headline figure that
  another table breaks down — declared next to each table as ``Relation``s. A "<5" that a reader could work out
  by subtraction (45 declines, 43 of them one way: the other is 2) is protected by withholding more cells,
  shown as "[c]": the smallest that leave every withheld cell more than one possible value.

``protect`` decides both, for the whole return at once (a headline figure is a total of several tables). A
withheld cell is safe when the published numbers, the relations and what a reader knows of withheld cells
("<5" is 1 to 4, "[c]" is 0 or more) still allow it two values: checked exactly, with fractions, first by
linear algebra (cells that can move both ways) and then, for cells at the edge of their range, by a small
linear programme. tests/reporting/test_suppression_audit.py checks the result with an independent solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"
WITHHELD = "[c]"

CellKey = tuple[str, str, str]  # (table, row, column)
Shown = int | str
_SMALL, _ANY = "small", "any"  # what a reader knows of a withheld cell: 1 to 4 ("<5"), or 0 or more ("[c]")
_MAX_SMALL = SUPPRESSION_THRESHOLD - 1
# Exact numbers: ints while they are whole (the coefficients are +-1 and most pivots are +-1), a Fraction only
# where a division leaves a remainder (``_div``); an int operation costs a fraction of a Fraction one.
Number = int | Fraction
_ZERO, _ONE = 0, 1
# Withheld cells tied together in one component beyond which no linear programme is run (its cost grows fast
# in exact fractions: about 2 s at 80 cells on the test machine): such a component arises only where most
# numbers are small, and treating a cell the algebra cannot move as determined only withholds more.
PROGRAMME_LIMIT = 80


@dataclass(frozen=True)
class Relation:
    """``total`` = the sum of ``parts`` (less the sum of ``less``) as published; when not ``exact``, total >=
    that sum (the rest is a count no table publishes, such as offers whose recipient was not recorded)."""

    total: CellKey
    parts: tuple[CellKey, ...]
    exact: bool = True
    less: tuple[CellKey, ...] = ()

    def rest(self, values: Mapping[CellKey, int]) -> int:
        """What the published parts leave of the total: 0 for an exact relation that holds."""
        return (
            values[self.total]
            - sum(values[part] for part in self.parts)
            + sum(values[part] for part in self.less)
        )


def sums(total: CellKey, parts: Iterable[CellKey], *, less: Iterable[CellKey] = ()) -> Relation:
    return Relation(total, tuple(parts), less=tuple(less))


def at_least(total: CellKey, parts: Iterable[CellKey]) -> Relation:
    return Relation(total, tuple(parts), exact=False)


def suppress(value: int) -> int | str:
    """Primary suppression alone: 1–4 become "<5"; 0 and 5+ are shown as they are."""
    return SUPPRESSED if 0 < value < SUPPRESSION_THRESHOLD else value


def suppress_percent(numerator: int, denominator: int) -> str:
    """A percentage of two counts that are published alone (not in a table): "–" when either is 1–4."""
    return published_percent([suppress(numerator), suppress(denominator)], numerator, denominator)


def percent(numerator: int, denominator: int) -> str:
    return "" if denominator <= 0 else f"{round(100 * numerator / denominator)}%"


def published_percent(shown: Sequence[Shown], numerator: int, denominator: int) -> str:
    """A percentage as published: "–" when any count it is made from is withheld (a percentage of a small or
    withheld number gives it away), blank when there is nothing to divide by."""
    if denominator <= 0:
        return ""
    if any(isinstance(cell, str) for cell in shown):
        return "–"
    return percent(numerator, denominator)


def relation_holds(values: Mapping[CellKey, int], relation: Relation) -> bool:
    """Whether the numbers satisfy the relation (the auditor test asserts every declared relation does)."""
    rest = relation.rest(values)
    return rest == 0 if relation.exact else rest >= 0


def protect(values: Mapping[CellKey, int], relations: Sequence[Relation]) -> dict[CellKey, Shown]:
    """Every cell as published: its number, "<5" (primary) or "[c]" (withheld so that no "<5" can be worked
    out). Deterministic: candidates are taken smallest first, ties in the order of ``values``."""
    system = _System(values, [r for r in relations if relation_holds(values, r)])
    known: dict[CellKey, str] = {key: _SMALL for key, value in values.items() if 0 < value <= _MAX_SMALL}
    known |= dict.fromkeys(system.remainders, _ANY)
    while True:
        system.pair_up(known)
        exposed = system.first_determined(known)
        if exposed is None:
            break
        complement = system.complement(exposed, known)
        if complement is not None:
            known[complement] = _ANY
        elif known[exposed] == _SMALL:
            # Nothing left to withhold around it (e.g. a "<5" total of four "<5"s must be 4 = 1+1+1+1): say
            # only that it is withheld, so a reader cannot use "1 to 4".
            known[exposed] = _ANY
        else:
            break
    return {key: _shown(value, known.get(key)) for key, value in values.items()}


def _shown(value: int, knowledge: str | None) -> Shown:
    if knowledge is None:
        return value
    return SUPPRESSED if knowledge == _SMALL else WITHHELD


def _bounds(value: int, knowledge: str) -> tuple[int, int | None]:
    return (1, _MAX_SMALL) if knowledge == _SMALL else (0, None)


class _System:
    """The relations as linear equations over cells: sum(coefficient * cell) = 0 (parts +1, total -1, and a
    remainder cell, unpublished and 0 or more, for each relation that is not exact)."""

    def __init__(self, values: Mapping[CellKey, int], relations: Sequence[Relation]) -> None:
        self.values = dict(values)
        self.published = set(values)
        self.remainders: list[CellKey] = []
        self.equations: list[dict[CellKey, int]] = []
        for index, relation in enumerate(relations):
            coefficients: dict[CellKey, int] = {}
            for part in relation.parts:
                coefficients[part] = coefficients.get(part, 0) + 1
            for part in relation.less:
                coefficients[part] = coefficients.get(part, 0) - 1
            coefficients[relation.total] = coefficients.get(relation.total, 0) - 1
            if not relation.exact:
                rest: CellKey = ("", f"remainder {index}", "")
                self.values[rest] = relation.rest(values)
                self.remainders.append(rest)
                coefficients[rest] = 1
            self.equations.append({key: c for key, c in coefficients.items() if c})
        self.order = {key: position for position, key in enumerate(self.values)}
        # A component's answer depends only on its cells and what a reader knows of each (the equations and
        # values are fixed): each round of ``protect`` changes one component, so the others are not rerun.
        self._answers: dict[tuple[tuple[CellKey, str], ...], CellKey | None] = {}

    def _candidates(
        self, equations: Iterable[dict[CellKey, int]], known: Mapping[CellKey, str]
    ) -> CellKey | None:
        """The smallest published cell not yet withheld, never a 0 (often known to be 0 anyway, and a withheld
        0 can only hide a move upwards)."""
        cells = {
            key
            for equation in equations
            for key in equation
            if key in self.published and key not in known and self.values[key] > 0
        }
        return min(cells, key=lambda k: (self.values[k], self.order[k]), default=None)

    def pair_up(self, known: dict[CellKey, str]) -> None:
        """The standard rule, as a quick first pass: no relation holds exactly one withheld cell."""
        changed = True
        while changed:
            changed = False
            for equation in self.equations:
                withheld = [key for key in equation if key in known]
                # A lone unknown that is an unpublished rest gives nothing away: leave that relation be.
                if len(withheld) == 1 and withheld[0] in self.published:
                    complement = self._candidates([equation], known)
                    if complement is not None:
                        known[complement] = _ANY
                        changed = True

    def complement(self, cell: CellKey, known: Mapping[CellKey, str]) -> CellKey | None:
        """A cell to withhold for ``cell``: from its own relations, else from those around its withheld
        neighbours (the cells it is tied to through other relations)."""
        own = [equation for equation in self.equations if cell in equation]
        found = self._candidates(own, known)
        if found is not None:
            return found
        linked = self._component(cell, known)
        return self._candidates([e for e in self.equations if any(k in linked for k in e)], known)

    def _component(self, cell: CellKey, known: Mapping[CellKey, str]) -> set[CellKey]:
        linked, frontier = {cell}, [cell]
        while frontier:
            current = frontier.pop()
            for equation in self.equations:
                if current in equation:
                    for key in equation:
                        if key in known and key not in linked:
                            linked.add(key)
                            frontier.append(key)
        return linked

    def first_determined(self, known: Mapping[CellKey, str]) -> CellKey | None:
        """The first withheld published cell whose value the published numbers and relations fix."""
        done: set[CellKey] = set()
        for cell in sorted((k for k in known if k in self.published), key=self.order.__getitem__):
            if cell in done:
                continue
            component = sorted(self._component(cell, known), key=self.order.__getitem__)
            done |= set(component)
            signature = tuple((key, known[key]) for key in component)
            if signature not in self._answers:
                self._answers[signature] = _Component(self, component, known).first_determined()
            exposed = self._answers[signature]
            if exposed is not None:
                return exposed
        return None


class _Component:
    """Withheld cells tied together by relations: the unknowns of their equations, the rest constants."""

    def __init__(self, system: _System, cells: list[CellKey], known: Mapping[CellKey, str]) -> None:
        self.system = system
        self.cells = cells
        index = {key: i for i, key in enumerate(cells)}
        self.sparse: list[dict[int, Number]] = []
        self.rhs: list[Number] = []
        for equation in system.equations:
            if not any(key in index for key in equation):
                continue
            row: dict[int, Number] = {index[key]: c for key, c in equation.items() if key in index}
            constant = sum(c * system.values[key] for key, c in equation.items() if key not in index)
            self.sparse.append(row)
            self.rhs.append(-constant)
        self.bounds = [_bounds(system.values[key], known[key]) for key in cells]
        value = [system.values[key] for key in cells]
        self.simplex: _Simplex | None = None
        # Cells strictly inside their range can move either way; the others only away from their edge.
        self.inside = [
            i
            for i, (low, high) in enumerate(self.bounds)
            if low < value[i] and (high is None or value[i] < high)
        ]

    def first_determined(self) -> CellKey | None:
        movable = self._movable_by_algebra()
        small_enough = len(self.cells) <= PROGRAMME_LIMIT
        for i, key in enumerate(self.cells):
            # Beyond the limit a cell the algebra cannot move is taken as determined (safe: more is withheld).
            if (
                key in self.system.published
                and i not in movable
                and (not small_enough or self._fixed_by_programme(i))
            ):
                return key
        return None

    def _movable_by_algebra(self) -> set[int]:
        """Cells that a change of the inside cells alone (a null-space direction) can move: a small enough
        step keeps every cell in its range, so these have two or more possible values. One elimination over
        the inside cells' columns, tagging each equation so that the combinations cancelling them remain."""
        position = {cell: j for j, cell in enumerate(self.inside)}
        width = len(self.inside)
        rows = [
            {**{position[i]: v for i, v in row.items() if i in position}, width + r: _ONE}
            for r, row in enumerate(self.sparse)
        ]
        pivots, left_null = _eliminate(rows, width)
        pivot_columns = {column for column, _ in pivots}
        movable = {self.inside[j] for j in range(width) if j not in pivot_columns}
        for column, row in pivots:
            if any(k < width and k not in pivot_columns for k in row):
                movable.add(self.inside[column])
        # An edge cell can step off its edge when its column is spanned by the inside cells' columns: every
        # combination of equations that cancels the inside cells also cancels it.
        for i in set(range(len(self.cells))) - set(self.inside):
            column_i = {r: row[i] for r, row in enumerate(self.sparse) if i in row}
            if all(sum(tag.get(width + r, 0) * v for r, v in column_i.items()) == 0 for tag in left_null):
                movable.add(i)
        return movable

    def _fixed_by_programme(self, target: int) -> bool:
        """Exact min and max of one cell over everything a reader knows."""
        simplex = self._simplex()
        value = self.system.values[self.cells[target]] - self.bounds[target][0]
        # Any feasible point the simplex has already visited with another value settles it without a solve.
        if any(point[target] != value for point in simplex.points):
            return False
        for sign in (1, -1):
            cost: list[Number] = [_ZERO] * simplex.width
            cost[target] = sign
            best = simplex.maximise(cost)
            if best is None or best != sign * value:
                return False
        return True

    def _simplex(self) -> _Simplex:
        """The component as z >= 0: each cell shifted by its lower bound, a slack column for each upper one."""
        if self.simplex is None:
            n = len(self.cells)
            capped = [i for i, (_, high) in enumerate(self.bounds) if high is not None]
            width = n + len(capped)
            rows: list[list[Number]] = [[row.get(i, _ZERO) for i in range(width)] for row in self.sparse]
            rhs = [
                b - sum(v * self.bounds[i][0] for i, v in row.items())
                for row, b in zip(self.sparse, self.rhs, strict=True)
            ]
            for slack, i in enumerate(capped):
                row: list[Number] = [_ZERO] * width
                row[i] = row[n + slack] = _ONE
                rows.append(row)
                rhs.append((self.bounds[i][1] or 0) - self.bounds[i][0])
            self.simplex = _Simplex(rows, rhs)
        return self.simplex


def _eliminate(
    rows: list[dict[int, Number]], width: int
) -> tuple[list[tuple[int, dict[int, Number]]], list[dict[int, Number]]]:
    """Gauss-Jordan elimination on sparse rows over the columns below ``width``: the pivot rows, reduced, with
    their columns; and the rows left with no such column (combinations of the input rows that cancel them)."""
    remaining = [dict(row) for row in rows]
    pivots: list[tuple[int, dict[int, Number]]] = []
    for column in range(width):
        found = next((i for i, row in enumerate(remaining) if row.get(column)), None)
        if found is None:
            continue
        pivot = remaining.pop(found)
        lead = pivot[column]
        pivot = {k: _div(v, lead) for k, v in pivot.items()}
        for row in [*remaining, *(r for _, r in pivots)]:
            factor = row.get(column)
            if factor:
                for k, v in pivot.items():
                    updated = row.get(k, _ZERO) - factor * v
                    if updated:
                        row[k] = updated
                    else:
                        row.pop(k, None)
        pivots.append((column, pivot))
    return pivots, remaining


class _Simplex:
    """max cost·z subject to a·z = b, z >= 0, for a system known to be feasible: the two-phase simplex method
    with Bland's rule (it cannot cycle) in exact fractions. Phase one runs once; each ``maximise`` starts from
    its feasible basis."""

    def __init__(self, a: list[list[Number]], b: list[Number]) -> None:
        m = len(a)
        self.width = n = len(a[0]) if a else 0
        tableau = []
        for i, (row, rhs) in enumerate(zip(a, b, strict=True)):
            sign = -1 if rhs < 0 else 1
            tableau.append(
                [v if sign > 0 else -v for v in row]
                + [_ONE if i == k else _ZERO for k in range(m)]
                + [sign * rhs]
            )
        basis = list(range(n, n + m))
        phase_one: list[Number] = [*([_ZERO] * n), *([-1] * m)]
        _optimum(tableau, basis, phase_one)
        for i in reversed(range(len(tableau))):
            if basis[i] >= n:  # an artificial left at 0: swap it for a real column, or drop a redundant row
                column = next((j for j in range(n) if tableau[i][j] != 0), None)
                if column is None:
                    del tableau[i], basis[i]
                else:
                    _pivot(tableau, basis, i, column)
        self.tableau = [[*row[:n], row[-1]] for row in tableau]
        self.basis = basis
        # Feasible points found so far (the first basis, then each optimum): two of them that differ in a cell
        # show it is not fixed.
        self.points = [_point(self.tableau, basis, n)]

    def maximise(self, cost: list[Number]) -> Number | None:
        """The optimum, or None when unbounded."""
        tableau, basis = [list(row) for row in self.tableau], list(self.basis)
        best = _optimum(tableau, basis, cost)
        if best is not None:
            self.points.append(_point(tableau, basis, self.width))
        return best


def _point(tableau: list[list[Number]], basis: list[int], width: int) -> list[Number]:
    """The basic solution of a tableau: each basic column takes its row's right-hand side, the rest 0."""
    point: list[Number] = [_ZERO] * width
    for row, column in zip(tableau, basis, strict=True):
        if column < width:
            point[column] = row[-1]
    return point


def _optimum(tableau: list[list[Number]], basis: list[int], cost: list[Number]) -> Number | None:
    # The objective row holds the reduced costs and, last, minus the objective's value; pivots update it.
    objective = [*cost, _ZERO]
    for i, row in enumerate(tableau):
        weight = cost[basis[i]]
        if weight:
            objective = [o - weight * v if v else o for o, v in zip(objective, row, strict=True)]
    while True:
        entering = next((j for j in range(len(cost)) if objective[j] > 0), None)
        if entering is None:
            return -objective[-1]
        ratios = [
            (_div(row[-1], row[entering]), basis[i], i) for i, row in enumerate(tableau) if row[entering] > 0
        ]
        if not ratios:
            return None
        _pivot(tableau, basis, min(ratios)[2], entering)
        weight = objective[entering]
        pivot_row = tableau[min(ratios)[2]]
        objective = [o - weight * v if v else o for o, v in zip(objective, pivot_row, strict=True)]


def _pivot(tableau: list[list[Number]], basis: list[int], row_index: int, column: int) -> None:
    # Only the pivot row's non-zero columns change another row (x - f * 0 is x): the tableaux are mostly zeros,
    # and a Fraction operation costs microseconds.
    lead = tableau[row_index][column]
    pivot_row = [_div(v, lead) if v else v for v in tableau[row_index]]
    tableau[row_index] = pivot_row
    nonzero = [j for j, v in enumerate(pivot_row) if v]
    for i, row in enumerate(tableau):
        if i != row_index and row[column] != 0:
            factor = row[column]
            updated = list(row)
            for j in nonzero:
                updated[j] = row[j] - factor * pivot_row[j]
            tableau[i] = updated
    basis[row_index] = column


def _div(numerator: Number, denominator: Number) -> Number:
    """Exact division: an int when it divides evenly, else a Fraction (never a float)."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        quotient, remainder = divmod(numerator, denominator)
        return quotient if remainder == 0 else Fraction(numerator, denominator)
    return Fraction(numerator) / denominator
