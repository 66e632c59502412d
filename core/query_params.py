"""Dates, times, ids and keyset cursors from a URL, parsed and range-checked in one place.

Every page and API that takes a date, a time, an id or a cursor from the query string (or a form field fed by
it) goes through here, so an input that Python or PostgreSQL cannot hold — year 9999 plus a day, an offset of
+23:59 at the end of time, an id past bigint — is a 400 or a field error, never an ``OverflowError`` or a
``DataError`` (a 500). No Django model imports: any app may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

# Wide enough for any child's date of birth and any period a return asks about; narrow enough that a day or a
# year either side, and any UTC offset, is still a date Python and PostgreSQL can hold.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
MAX_ID = 2**63 - 1  # PostgreSQL bigint
MAX_CURSOR_LENGTH = 200
DATE_OUT_OF_RANGE = (
    f"Enter a date between {EARLIEST_DATE:%d/%m/%Y} and {LATEST_DATE:%d/%m/%Y}."  # shown on forms
)

T = TypeVar("T")


class BadParameter(ValueError):
    """A query parameter that cannot be used; the caller turns it into a 400 or a field error."""


def check_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise BadParameter(DATE_OUT_OF_RANGE)
    return value


def validate_date_in_range(value: date) -> None:
    """The form and serializer validator for a date field (a field error, not a crash)."""
    try:
        check_date(value)
    except BadParameter as exc:
        raise ValidationError(str(exc), code="date_out_of_range") from exc


def parse_date(raw: str) -> date:
    """An ISO 8601 date (YYYY-MM-DD) in range."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise BadParameter("Enter a date like 2026-05-01.") from exc
    return check_date(value)


def utc_or_none(value: datetime | None) -> datetime | None:
    """An aware time in range, in UTC (PostgreSQL refuses offsets beyond ±15:59), or None if naive or out of
    range."""
    if value is None or value.tzinfo is None:
        return None
    try:
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return moment if EARLIEST_MOMENT <= moment <= LATEST_MOMENT else None


def parse_moment(raw: str) -> datetime:
    """An ISO 8601 time with an offset, in range, as UTC."""
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        value = None
    moment = utc_or_none(value)
    if moment is None:
        raise BadParameter("Enter a time as ISO 8601 with an offset, like 2026-05-01T00:00:00Z.")
    return moment


def parse_id(raw: str | int) -> int:
    """A positive whole number that fits a bigint primary key."""
    if isinstance(raw, bool):
        raise BadParameter("Enter a record number.")
    if isinstance(raw, str):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
            raise BadParameter("Enter a record number.")
        raw = int(raw)
    if not 1 <= raw <= MAX_ID:
        raise BadParameter("Enter a record number.")
    return raw


def split_cursor(raw: str | None, first: Callable[[str], T]) -> tuple[T, int] | None:
    """A page's ``"<first>~<id>"`` keyset cursor parsed with ``first`` for its leading part, or None — the
    first page — for a missing, malformed or out-of-range one (a stale link starts again rather than fails)."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH or "~" not in raw:
        return None
    head, _, pk = raw.rpartition("~")
    try:
        return first(head), parse_id(pk)
    except (BadParameter, ValueError, OverflowError):
        return None


def id_or_none(raw: str | None) -> int | None:
    """An optional id parameter (e.g. a "before" link): None when missing or unusable."""
    try:
        return parse_id(raw) if raw else None
    except BadParameter:
        return None
