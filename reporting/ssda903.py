"""SSDA903 (DfE children looked after return): the Missing table, its matching Header rows, and the DfE
validation rules that concern those two tables (docs/returns.md).

Who is in the return: children the LA is responsible for with an episode that began on a day a period of care
of theirs covers (``missing_episodes.selectors.episodes_while_looked_after``), and which were open at some time
in the collection year (start on or before 31 March, and no end or an end on or after 1 April). Dates are the Europe/London
calendar dates of the recorded times, written dd/mm/yyyy. MIS_END is blank while the child is still missing,
and also when they came back after the end of the collection year: at 31 March they were still missing. A child
who ceased to be looked after while missing has MIS_END the day care ceased (DEC; DfE rules 575 and 577).

The rows stream from one ``values_list(...).iterator()`` query: no model instance is built per row, and the
same query is what the benchmark copies with PostgreSQL's COPY.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import Trim, TruncDate, Upper

from accounts.models import Organisation
from missing_episodes.classification import returns_category
from missing_episodes.models import Child, MissingEpisode
from missing_episodes.selectors import episodes_while_looked_after, looked_after_during
from reporting.export_types import ExportContent, Sheet
from reporting.periods import CollectionYear
from reporting.ssda903_rules import Failure, add_years, validate
from reporting.ssda903_spec import RULES, Ssda903Spec, spec_for

__all__ = ["RULES", "CollectionYear", "Failure", "validate"]

LONDON = ZoneInfo("Europe/London")
CHUNK = 5000


def read(queryset: QuerySet[Any], local_authority_id: int | None) -> Iterable[Any]:
    """The query's rows: every LA's (a national file) streamed through a server-side cursor in chunks, one
    LA's fetched in one round trip. A server-side cursor's DECLARE, FETCH and CLOSE cost about 10 ms a query
    whatever the size, more than the whole read of a small LA's year (docs/benchmarks.md)."""
    return queryset.iterator(chunk_size=CHUNK) if local_authority_id is None else queryset


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in England, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


class MissingRecord(NamedTuple):
    """One Missing row with the ids that lead back to the source record (the first two are not exported)."""

    child_pk: int | None
    episode_pk: int | None
    CHILD: str
    DOB: str
    MISSING: str
    MIS_START: str
    MIS_END: str


class HeaderRecord(NamedTuple):
    child_pk: int | None
    CHILD: str
    SEX: str
    DOB: str
    ETHNIC: str
    UPN: str
    MOTHER: str
    MC_DOB: str


class DateFormatter:
    """dd/mm/yyyy for a date, "" for None; memoised, since a year's rows share a few hundred dates."""

    def __init__(self) -> None:
        self._cache: dict[date | None, str] = {None: ""}

    def __call__(self, day: date | None) -> str:
        try:
            return self._cache[day]
        except KeyError:
            assert day is not None
            text = self._cache[day] = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
            return text


# ---------------------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------------------


def episodes_in_year(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> QuerySet[MissingEpisode]:
    """Missing and absent episodes in the return: of children the LA looks after (every LA when None), open at
    some time in the year, that began on or after the day the child became looked after."""
    queryset = episodes_while_looked_after().filter(
        Q(returned_at__isnull=True) | Q(returned_at__gte=local_midnight(year.start)),
        # Care that ceased before the year ended the episode for the return (MIS_END is at most DEC).
        Q(care_ceased__isnull=True) | Q(care_ceased__gte=year.start),
        missing_at__lt=local_midnight(year.end + timedelta(days=1)),
    )
    if local_authority_id is not None:
        queryset = queryset.filter(child__responsible_la_id=local_authority_id)
    if child_id is not None:
        queryset = queryset.filter(child_id=child_id)
    return queryset


def missing_rows_queryset(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> QuerySet[Any]:
    """The Missing table as database values, in file order: (child pk, episode pk, CHILD, DOB, MISSING,
    start date, end date). The end date is NULL while missing and when the return came after the year; it is
    the day care ceased when that came first."""
    year_over = local_midnight(year.end + timedelta(days=1))
    return (
        episodes_in_year(local_authority_id=local_authority_id, year=year, child_id=child_id)
        .annotate(
            counted_category=returns_category(),  # missing_episodes.classification: the one rule
            missing_code=Case(
                *(
                    When(counted_category=category, then=Value(code))
                    for category, code in spec_for(year.start.year).missing_codes.items()
                ),
                default=F("counted_category"),
                output_field=CharField(),
            ),
            return_day=TruncDate("returned_at", tzinfo=LONDON),
        )
        .annotate(
            # Care ceased while missing (or before the return): the episode ends that day (DfE 575/577).
            end_date=Case(
                When(
                    Q(care_ceased__lte=year.end)
                    & (Q(returned_at__isnull=True) | Q(return_day__gt=F("care_ceased"))),
                    then=F("care_ceased"),
                ),
                When(returned_at__gte=year_over, then=Value(None, output_field=DateField())),
                default=F("return_day"),
            ),
        )
        .order_by("child_id", "missing_at", "pk")
        .values_list(
            "child_id",
            "pk",
            "child__la_child_id",
            "child__date_of_birth",
            "missing_code",
            "start_date",
            "end_date",
        )
    )


def missing_records(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Missing rows as written to the file, each led by the child and episode pks (plain tuples, laid out as
    ``MissingRecord``; no model instances)."""
    formatted = DateFormatter()
    queryset = missing_rows_queryset(local_authority_id=local_authority_id, year=year, child_id=child_id)
    for child_pk, episode_pk, child, dob, code, start, end in read(queryset, local_authority_id):
        yield (child_pk, episode_pk, child, formatted(dob), code, formatted(start), formatted(end))


def missing_file_rows(*, local_authority_id: int | None, year: CollectionYear) -> Iterator[tuple[Any, ...]]:
    """The Missing table's rows as written (``MISSING_COLUMNS``): the export's fast path."""
    formatted = DateFormatter()
    queryset = missing_rows_queryset(local_authority_id=local_authority_id, year=year)
    for _, _, child, dob, code, start, end in read(queryset, local_authority_id):
        yield (child, formatted(dob), code, formatted(start), formatted(end))


def header_rows_queryset(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> QuerySet[Any]:
    """One Header row per child with a Missing row: (child pk, CHILD, gender, DOB, ETHNIC, UPN)."""
    episodes = episodes_in_year(local_authority_id=local_authority_id, year=year, child_id=child_id)
    return (
        Child.objects.filter(pk__in=episodes.values("child_id"))
        .order_by("pk")
        .values_list("pk", "la_child_id", "gender", "date_of_birth", "ethnicity", "upn")
    )


def upn_as_written(upn: str, dob: date, spec: Ssda903Spec) -> str:
    """The UPN held (upper case), or, when none is, the DfE's unknown code: UN1 for a child not yet of school
    age (rule 209's test), else the year's code for a UPN the service does not hold (UN5)."""
    if upn.strip():
        return upn.strip().upper()
    return "UN1" if add_years(dob, 4) > spec.upn_school_age_reference else spec.upn_not_held


def header_records(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Header rows as written (laid out as ``HeaderRecord``), coded to the year's specification. MOTHER and
    MC_DOB are not held: blank."""
    spec = spec_for(year.start.year)
    formatted = DateFormatter()
    queryset = header_rows_queryset(local_authority_id=local_authority_id, year=year, child_id=child_id)
    for child_pk, child, gender, dob, ethnicity, upn in read(queryset, local_authority_id):
        sex = spec.sex_codes.get(gender, spec.sex_other)
        yield (child_pk, child, sex, formatted(dob), ethnicity, upn_as_written(upn, dob, spec), "", "")


def upn_counts(*, local_authority_id: int | None, year: CollectionYear) -> dict[str, int]:
    """UPNs held for more than one child in the LA's return (rule 444), with how many children."""
    episodes = episodes_in_year(local_authority_id=local_authority_id, year=year)
    rows = (
        Child.objects.filter(pk__in=episodes.values("child_id"))
        .exclude(upn="")
        .values(written=Upper(Trim("upn")))
        .annotate(children=Count("pk"))
        .filter(children__gt=1)
        .values_list("written", "children")
    )
    return dict(rows)


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


def validate_year(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> list[Failure]:
    """The failures of the rows the export would write for this LA (or one child) and year."""
    scope: dict[str, Any] = {"local_authority_id": local_authority_id, "year": year, "child_id": child_id}
    # One child's Header row cannot show a UPN shared with another child: count them over the LA's return.
    counts = upn_counts(local_authority_id=local_authority_id, year=year) if child_id is not None else None
    return validate(header_records(**scope), missing_records(**scope), year=year, upn_counts=counts)


def failures_for_child(child: Child, *, today: date) -> list[tuple[CollectionYear, Failure]]:
    """The child's failures in the current collection year and the one before (the return being prepared
    in spring), for the child's own page."""
    current = CollectionYear.containing(today)
    previous = CollectionYear.starting(current.start.year - 1)
    if not looked_after_during(child.pk, previous.start, current.end):
        return []
    found: list[tuple[CollectionYear, Failure]] = []
    for year in (previous, current):
        for failure in validate_year(
            local_authority_id=child.responsible_la_id, year=year, child_id=child.pk
        ):
            found.append((year, failure))
    return found


# ---------------------------------------------------------------------------------------------------------
# Export content
# ---------------------------------------------------------------------------------------------------------


def export_sheets(*, local_authority_id: int | None, year: CollectionYear) -> list[Sheet]:
    """The Missing and Header sheets, streamed (every LA when ``local_authority_id`` is None)."""
    scope: dict[str, Any] = {"local_authority_id": local_authority_id, "year": year}
    spec = spec_for(year.start.year)
    return [
        Sheet("Missing", list(spec.missing_columns), missing_file_rows(**scope)),
        Sheet("Header", list(spec.header_columns), (row[1:] for row in header_records(**scope))),
    ]


def build_export(*, local_authority: Organisation, date_from: date, date_to: date) -> ExportContent:
    """The Missing and Header tables for the collection year ``date_from``–``date_to`` (1 April–31 March;
    any other period is refused with a ValidationError)."""
    year = CollectionYear.of_period(date_from, date_to)
    scope: dict[str, Any] = {"local_authority_id": local_authority.pk, "year": year}
    # One LA's year is a few thousand rows at most: read them now, so the job's progress total is their number
    # rather than two more queries counting them.
    sheets = export_sheets(**scope)
    read_rows = [list(sheet.rows) for sheet in sheets]
    for sheet, rows in zip(sheets, read_rows, strict=True):
        sheet.rows = rows
    return ExportContent(
        title=f"SSDA903 Missing, {local_authority.name} ({local_authority.code}), {year.label}",
        sheets=sheets,
        pdf_template="reporting/pdf/return.html",
        pdf_context={"local_authority": local_authority, "period": year.label},
        row_count=sum(len(rows) for rows in read_rows),
    )
