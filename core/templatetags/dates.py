"""Date formatting for templates: the ``short_date`` filter and a faster ``date`` filter with Django's output.

``short_date``: the year appears only when the date is not in the current year, so "3 Dec" never hides that a
record is from 2024 (issue 14 item 13).

``date`` replaces Django's built-in filter of that name (registered in config/settings.py TEMPLATES
``builtins``), with the same output: Django's ``dateformat`` costs about 0.1 ms a value (it builds a formatter
object, splits the format with a regular expression and looks each character's method up by name), which made
date formatting a third of the deadline dashboard's CPU at 200 dates a page. ``format_value`` formats the
characters our templates use from names translated once per language; any other format (a named format such
as ``SHORT_DATE_FORMAT``, an escape, a character not handled here) goes to Django's filter. Tested equal to
Django's output for every handled character (tests/test_date_filter.py). Formatting only, no other rule.

Loaded as ``{% load dates %}`` too (registered in TEMPLATES ``libraries``: core is no app).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import lru_cache

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language

register = template.Library()

# Months, abbreviated months, weekdays, abbreviated weekdays.
Names = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=16)
def _names(language: str | None) -> Names:
    """Month and weekday names in ``language`` (the active one when called: the key only keeps languages apart),
    as Django's ``dateformat`` writes them: abbreviated months title-cased."""
    months = tuple(str(MONTHS[m]) for m in range(1, 13))
    months_3 = tuple(str(MONTHS_3[m]).title() for m in range(1, 13))
    weekdays = tuple(str(WEEKDAYS[d]) for d in range(7))
    weekdays_abbr = tuple(str(WEEKDAYS_ABBR[d]) for d in range(7))
    return months, months_3, weekdays, weekdays_abbr


# What each format character writes, as Django's ``dateformat`` writes it (names: _names's four tuples).
DATE_PARTS: dict[str, Callable[[date, Names], str]] = {
    "d": lambda v, n: f"{v.day:02d}",
    "j": lambda v, n: str(v.day),
    "D": lambda v, n: n[3][v.weekday()],
    "l": lambda v, n: n[2][v.weekday()],
    "M": lambda v, n: n[1][v.month - 1],
    "F": lambda v, n: n[0][v.month - 1],
    "m": lambda v, n: f"{v.month:02d}",
    "n": lambda v, n: str(v.month),
    "Y": lambda v, n: f"{v.year:04d}",
    "y": lambda v, n: f"{v.year % 100:02d}",
}
TIME_PARTS: dict[str, Callable[[datetime, Names], str]] = {
    "H": lambda v, n: f"{v.hour:02d}",
    "G": lambda v, n: str(v.hour),
    "i": lambda v, n: f"{v.minute:02d}",
    "s": lambda v, n: f"{v.second:02d}",
}


def handled(value: date, format_string: str) -> bool:
    """Whether ``format_value`` formats ``value`` in ``format_string`` itself: every letter one it knows (time
    letters only for a datetime), no escapes."""
    timed = isinstance(value, datetime)
    return "\\" not in format_string and all(
        c in DATE_PARTS or (timed and c in TIME_PARTS) for c in format_string if c.isalpha()
    )


def format_value(value: date, format_string: str) -> str:
    """``value`` (already in local time) in ``format_string``, as Django's ``dateformat.format`` writes it; only
    for formats ``handled`` says yes to."""
    names = _names(get_language())
    parts: list[str] = []
    for c in format_string:
        if c in DATE_PARTS:
            parts.append(DATE_PARTS[c](value, names))
        elif c in TIME_PARTS:
            assert isinstance(value, datetime)  # handled() let a time letter through for datetimes only
            parts.append(TIME_PARTS[c](value, names))
        else:
            parts.append(c)
    return "".join(parts)


def _formatted(value: date, format_string: str, fallback: Callable[[], str]) -> str:
    return format_value(value, format_string) if handled(value, format_string) else fallback()


@register.filter("date", expects_localtime=True, is_safe=False)
def fast_date(value: date | datetime | str | None, arg: str | None = None) -> str:
    """Django's ``date`` filter, faster for the formats our templates use (module docstring)."""
    if isinstance(value, date) and arg:
        return _formatted(value, arg, lambda: django_date(value, arg))
    return django_date(value, arg)


def _this_year() -> int:
    """The current year in the service's time zone. ``timezone.localdate()`` converts the time each call (~20
    µs; the dashboard asks 200 times a page), so the answer is kept for the minute it was asked in."""
    return _year_at(int(time.time()) // 60, timezone.get_current_timezone())


@lru_cache(maxsize=4)
def _year_at(minute: int, zone: tzinfo) -> int:
    return datetime.fromtimestamp(minute * 60, tz=zone).year


def with_year(short_format: str) -> str:
    """``short_format`` with the year after the month ("D j M, H:i" → "D j M Y, H:i"), or at the end."""
    if "M" in short_format:
        return short_format.replace("M", "M Y", 1)
    return f"{short_format} Y"


@register.filter(expects_localtime=True)
def short_date(value: date | datetime | None, short_format: str = "j M") -> str:
    """``value`` in ``short_format`` (a Django date format without a year), with the year added unless the date
    falls in this year in the service's time zone; "" for no date, so ``|default`` still works."""
    if not value:
        return ""
    this_year = _this_year()
    day = value.date() if isinstance(value, datetime) else value
    chosen = short_format if day.year == this_year else with_year(short_format)
    return _formatted(value, chosen, lambda: django_date(value, chosen))
