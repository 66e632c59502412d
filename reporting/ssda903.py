"""SSDA903 (DfE children looked after return): the Missing table, its matching Header rows, and the DfE
validation rules that concern those two tables (docs/returns.md).

Who is in the return: children the LA is responsible for with an episode that began on a day a period of care
of theirs covers (``missing_episodes.selectors.episodes_while_looked_after``), and which were open at some time
in the collection year (start on or before 31 March, and no end or an end on or after 1 April). Dates are the Europe/London
calendar dates of the recorded times, written dd/mm/yyyy. MIS_END is blank while the child is still missing,
and also when they came back after the end of the collection year: at 31 March they were still missing.

The rows stream from one ``values_list(...).iterator()`` query: no model instance is built per row, and the
same query is what the benchmark copies with PostgreSQL's COPY.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate

from accounts.models import Organisation
from missing_episodes.models import Child, EpisodeCategory, Gender, MissingEpisode
from missing_episodes.selectors import episodes_while_looked_after, looked_after_during
from reporting.export_types import ExportContent, Sheet
from reporting.periods import CollectionYear

LONDON = ZoneInfo("Europe/London")

MISSING_COLUMNS = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
SEX_CODES = {Gender.MALE.value: "1", Gender.FEMALE.value: "2"}
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


@dataclass(frozen=True)
class Failure:
    """One DfE validation failure: the child, the episode (None for a Header row), the rule and what to fix."""

    child_pk: int | None
    episode_pk: int | None
    child: str
    table: str
    rule: str
    message: str


# Rule code → what is wrong, in words the worker fixing the source record can act on.
RULES: dict[str, str] = {
    "MIS_START_BLANK": "MIS_START is blank: the date the child went missing or absent must be recorded.",
    "MISSING_TYPE": "MISSING must be M (missing) or A (absent).",
    "MIS_START_INVALID": "MIS_START is not a valid date in the form dd/mm/yyyy.",
    "MIS_END_INVALID": "MIS_END is not a valid date in the form dd/mm/yyyy.",
    "MIS_END_BEFORE_START": "MIS_END is before MIS_START: the period cannot end before it starts.",
    "MIS_START_AFTER_YEAR": "MIS_START is after the end of the collection year.",
    "MIS_END_OUTSIDE_YEAR": "MIS_END is outside the collection year (leave it blank if still missing on 31 March).",
    "MISSING_OVERLAP": "A new missing or absence period starts before the previous one has ended.",
    "BEFORE_BIRTH": "The missing or absence dates are before the child's date of birth.",
    "NOT_IN_HEADER": "The child has Missing rows but no Header row.",
    "DOB_DIFFERS": "DOB differs from the date of birth in the Header.",
    "SEX_INVALID": "SEX must be 1 (male) or 2 (female): the child's gender is not recorded as male or female.",
}


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


def parse_date(text: str) -> date | None:
    """A dd/mm/yyyy date, or None when the text is not one."""
    try:
        day, month, year = text.split("/")
        if len(day) != 2 or len(month) != 2 or len(year) != 4:
            return None
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


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
    start date, end date). The end date is NULL while missing and when the return came after the year."""
    year_over = local_midnight(year.end + timedelta(days=1))
    return (
        episodes_in_year(local_authority_id=local_authority_id, year=year, child_id=child_id)
        .annotate(
            missing_code=Case(
                When(category=EpisodeCategory.MISSING, then=Value("M")),
                When(category=EpisodeCategory.ABSENT, then=Value("A")),
                default=F("category"),
                output_field=CharField(),
            ),
            end_date=Case(
                When(returned_at__gte=year_over, then=Value(None, output_field=DateField())),
                default=TruncDate("returned_at", tzinfo=LONDON),
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


def header_records(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Header rows as written (laid out as ``HeaderRecord``). MOTHER and MC_DOB are not held: blank."""
    formatted = DateFormatter()
    queryset = header_rows_queryset(local_authority_id=local_authority_id, year=year, child_id=child_id)
    for child_pk, child, gender, dob, ethnicity, upn in read(queryset, local_authority_id):
        yield (child_pk, child, SEX_CODES.get(gender, ""), formatted(dob), ethnicity, upn, "", "")


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


def _failure(record: Any, table: str, rule: str, episode: bool = True) -> Failure:
    if table == "Header":
        return Failure(record[0], None, record[1], table, rule, RULES[rule])
    return Failure(record[0], record[1] if episode else None, record[2], table, rule, RULES[rule])


def _child_rules(record: Any, header_dob: dict[str, str], reported_header: set[str]) -> list[Failure]:
    """The Missing row's child is in the Header (reported once per child) with the same birth date; its type."""
    failures = []
    child, dob_text, code = record[2], record[3], record[4]
    if child not in header_dob:
        if child not in reported_header:
            reported_header.add(child)
            failures.append(_failure(record, "Missing", "NOT_IN_HEADER", episode=False))
    elif header_dob[child] != dob_text:
        failures.append(_failure(record, "Missing", "DOB_DIFFERS"))
    if code not in ("M", "A"):
        failures.append(_failure(record, "Missing", "MISSING_TYPE"))
    return failures


def _date_rules(record: Any, year: CollectionYear) -> tuple[list[Failure], date | None, date | None]:
    """The Missing row's start and end: present, real dates, in the year, in order and after the birth."""
    failures = []
    dob_text, start_text, end_text = record[3], record[5], record[6]
    start = end = None
    if not start_text:
        failures.append(_failure(record, "Missing", "MIS_START_BLANK"))
    else:
        start = parse_date(start_text)
        if start is None:
            failures.append(_failure(record, "Missing", "MIS_START_INVALID"))
    if end_text:
        end = parse_date(end_text)
        if end is None:
            failures.append(_failure(record, "Missing", "MIS_END_INVALID"))
    if start is not None and start > year.end:
        failures.append(_failure(record, "Missing", "MIS_START_AFTER_YEAR"))
    if end is not None:
        if start is not None and end < start:
            failures.append(_failure(record, "Missing", "MIS_END_BEFORE_START"))
        if end < year.start or end > year.end:
            failures.append(_failure(record, "Missing", "MIS_END_OUTSIDE_YEAR"))
    dob = parse_date(dob_text)
    if dob is not None and ((start is not None and start < dob) or (end is not None and end < dob)):
        failures.append(_failure(record, "Missing", "BEFORE_BIRTH"))
    return failures, start, end


@dataclass
class _EarlierPeriods:
    """A child's periods read so far (rows come grouped by child in start order): one still open, and the
    latest end."""

    child: str | None = None
    latest_end: date | None = None
    any_open: bool = False

    def overlap(self, record: Any, start: date | None, end: date | None) -> list[Failure]:
        failures = []
        if record[2] != self.child:
            self.child, self.latest_end, self.any_open = record[2], None, False
        elif start is not None and (
            self.any_open or (self.latest_end is not None and start < self.latest_end)
        ):
            failures.append(_failure(record, "Missing", "MISSING_OVERLAP"))
        if start is not None:
            self.any_open = self.any_open or not record[6]
            if end is not None and (self.latest_end is None or end > self.latest_end):
                self.latest_end = end
        return failures


def validate(
    header: Iterable[tuple[Any, ...]], missing: Iterable[tuple[Any, ...]], *, year: CollectionYear
) -> list[Failure]:
    """Run the DfE rules for the Header and Missing tables over rows as written to the files. Missing rows
    must come grouped by child in start order (as the selector gives them) for the overlap rule."""
    failures: list[Failure] = []
    header_dob: dict[str, str] = {}
    for record in header:
        header_dob[record[1]] = record[3]
        if record[2] not in ("1", "2"):
            failures.append(_failure(record, "Header", "SEX_INVALID"))

    reported_header: set[str] = set()
    earlier = _EarlierPeriods()
    for record in missing:
        failures += _child_rules(record, header_dob, reported_header)
        date_failures, start, end = _date_rules(record, year)
        failures += date_failures
        # Against every earlier period of the child: one still open, or one ending after this one starts.
        failures += earlier.overlap(record, start, end)
    return failures


def validate_year(
    *, local_authority_id: int | None, year: CollectionYear, child_id: int | None = None
) -> list[Failure]:
    """The failures of the rows the export would write for this LA (or one child) and year."""
    scope: dict[str, Any] = {"local_authority_id": local_authority_id, "year": year, "child_id": child_id}
    return validate(header_records(**scope), missing_records(**scope), year=year)


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
    return [
        Sheet("Missing", list(MISSING_COLUMNS), missing_file_rows(**scope)),
        Sheet("Header", list(HEADER_COLUMNS), (row[1:] for row in header_records(**scope))),
    ]


def build_export(*, local_authority: Organisation, date_from: date, date_to: date) -> ExportContent:
    """The Missing and Header tables for the collection year ``date_from``–``date_to`` (1 April–31 March)."""
    year = CollectionYear(date_from, date_to)
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
