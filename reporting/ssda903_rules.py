"""Our own SSDA903 checks, on the Header and Missing rows exactly as they are written to the files: fast, per
child, and each the restatement of the DfE rule(s) ``reporting.ssda903_spec.RULES`` names, so the
validation page and the child's page flag what the DfE's validator would (tests/reporting/
test_ssda903_dfe.py runs both on one file with planted errors and compares).

Values are compared as the DfE's validator reads a CSV: upper-cased, a blank cell as missing, dates as
dd/mm/yyyy (one-digit days and months allowed), a year of 25 years or 4 from 29 February ending on 28
February.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from reporting.periods import CollectionYear
from reporting.ssda903_spec import RULES, UPN_PATTERN, Ssda903Spec, spec_for

MISSING_TYPES = ("M", "A")
_UPN = re.compile(UPN_PATTERN)


@dataclass(frozen=True)
class Failure:
    """One failed check: the child, the episode (None for a Header row or a child-level check), the rule
    and what to fix."""

    child_pk: int | None
    episode_pk: int | None
    child: str
    table: str
    rule: str
    message: str

    @property
    def dfe_codes(self) -> tuple[str, ...]:
        return RULES[self.rule].dfe_codes


def parse_date(text: str) -> date | None:
    """A dd/mm/yyyy date, or None when the text is blank or not one."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        return None


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _failure(record: Any, table: str, rule: str, *, episode: bool = True) -> Failure:
    message = RULES[rule].message
    if table == "Header":
        return Failure(record[0], None, record[1], table, rule, message)
    return Failure(record[0], record[1] if episode else None, record[2], table, rule, message)


# ---------------------------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------------------------


def _header_codes(record: Any, spec: Ssda903Spec, year: CollectionYear) -> list[str]:
    """The rules a Header row breaks on its own (record: child pk, CHILD, SEX, DOB, ETHNIC, UPN, ...)."""
    sex, dob_text, ethnic, upn = (str(value).strip().upper() for value in record[2:6])
    broken = []
    if sex not in spec.valid_sex:
        broken.append("SEX_INVALID")
    if sex == "U":
        broken.append("SEX_UNKNOWN")
    if ethnic not in spec.ethnic_codes:
        broken.append("ETHNIC_INVALID")
    if upn and not _UPN.match(upn):
        broken.append("UPN_INVALID")
    dob = parse_date(dob_text)
    if dob is None:
        return [*broken, "DOB_INVALID"]
    if dob > year.end:
        broken.append("DOB_AFTER_YEAR")
    if year.start > add_years(dob, 25):
        broken.append("OVER_25")
    if upn == "UN1" and spec.upn_school_age_reference >= add_years(dob, 4):
        broken.append("UPN_UN1_SCHOOL_AGE")
    return broken


def _header_failures(
    header: list[Any], spec: Ssda903Spec, year: CollectionYear, upn_counts: Mapping[str, int] | None
) -> list[Failure]:
    children = Counter(str(record[1]).strip().upper() for record in header)
    if upn_counts is None:
        upn_counts = Counter(str(record[5]).strip().upper() for record in header)
    failures = []
    for record in header:
        broken = _header_codes(record, spec, year)
        upn = str(record[5]).strip().upper()
        if upn and upn not in spec.upn_unknown_codes and upn_counts.get(upn, 0) > 1:
            broken.append("UPN_DUPLICATE")
        child = str(record[1]).strip().upper()
        if child and children[child] > 1:
            broken.append("CHILD_TWICE_IN_HEADER")
        failures += [_failure(record, "Header", rule) for rule in broken]
    return failures


# ---------------------------------------------------------------------------------------------------------
# Missing
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    record: Any
    start: date | None
    end: date | None


def _type_codes(code: str, start_text: str, end_text: str) -> list[str]:
    """MISSING itself, and a blank MIS_START (564 when the type is given, else only 1004)."""
    broken = []
    if code and code not in MISSING_TYPES:
        broken.append("MISSING_TYPE")
    if not code and start_text:
        broken.append("MISSING_TYPE_BLANK")
    if not code and end_text:
        broken.append("MISSING_TYPE_BLANK_END")
    if not start_text:
        broken.append("MIS_START_BLANK" if code in MISSING_TYPES else "MIS_START_INVALID")
    return broken


def _missing_codes(record: Any, year: CollectionYear) -> tuple[list[str], _Period]:
    """The rules a Missing row breaks on its own (record: child pk, episode pk, CHILD, DOB, MISSING, MIS_START,
    MIS_END), and its period for the overlap rule."""
    dob_text, code, start_text, end_text = (str(value).strip().upper() for value in record[3:7])
    broken = _type_codes(code, start_text, end_text)
    start = parse_date(start_text) if start_text else None
    end = parse_date(end_text) if end_text else None
    if start_text and start is None:
        broken.append("MIS_START_INVALID")
    if end_text and end is None:
        broken.append("MIS_END_INVALID")
    if start is not None and end is not None and start > end:
        broken.append("MIS_END_BEFORE_START")
    if start is not None and start > year.end:
        broken.append("MIS_START_AFTER_YEAR")
    if end is not None and not year.start <= end <= year.end:
        broken.append("MIS_END_OUTSIDE_YEAR")
    dob = parse_date(dob_text)
    if start is not None and dob is not None and start <= dob:
        broken.append("BEFORE_BIRTH")
    return broken, _Period(record, start, end)


def _overlaps(periods: list[_Period]) -> list[Failure]:
    """Rule 574 as the DfE's validator runs it: a child's periods in order of end (the start when there is
    none), then start; a period fails when the one before it has no (valid) end, or ends after it starts."""

    def order(period: _Period) -> tuple[bool, date, bool, date]:
        fill = period.end or period.start
        return (fill is None, fill or date.min, period.start is None, period.start or date.min)

    ordered = sorted(periods, key=order)
    return [
        _failure(current.record, "Missing", "MISSING_OVERLAP")
        for previous, current in pairwise(ordered)
        if previous.end is None or (current.start is not None and current.start < previous.end)
    ]


def _missing_failures(missing: Iterable[Any], header: list[Any], year: CollectionYear) -> list[Failure]:
    header_dob = {str(record[1]).strip().upper(): parse_date(str(record[3])) for record in header}
    by_child: dict[str, list[_Period]] = {}
    reported_header: set[str] = set()
    failures = []
    for record in missing:
        broken, period = _missing_codes(record, year)
        child = str(record[2]).strip().upper()
        by_child.setdefault(child, []).append(period)
        failures += [_failure(record, "Missing", rule) for rule in broken]
        if child not in header_dob:
            if child not in reported_header:  # once per child: the fix is one Header row
                reported_header.add(child)
                failures.append(_failure(record, "Missing", "NOT_IN_HEADER", episode=False))
            continue
        dob, header_dob_of_child = parse_date(str(record[3])), header_dob[child]
        if dob is not None and header_dob_of_child is not None and dob != header_dob_of_child:
            failures.append(_failure(record, "Missing", "DOB_DIFFERS"))
    for periods in by_child.values():
        failures += _overlaps(periods)
    return failures


def validate(
    header: Iterable[tuple[Any, ...]],
    missing: Iterable[tuple[Any, ...]],
    *,
    year: CollectionYear,
    upn_counts: Mapping[str, int] | None = None,
) -> list[Failure]:
    """Run this year's checks (``spec_for(year).rules``) over rows as written to the files, each led by the
    pks that lead back to the source records (``ssda903.HeaderRecord``, ``ssda903.MissingRecord``). A UPN is
    a duplicate when ``upn_counts`` (UPN → children in the LA's return; by default counted from ``header``)
    counts it more than once."""
    spec = spec_for(year.start.year)
    header = list(header)
    failures = _header_failures(header, spec, year, upn_counts) + _missing_failures(missing, header, year)
    applies = set(spec.rules)
    return [failure for failure in failures if failure.rule in applies]
