"""The one wording for dates and times that cannot be right, after the GOV.UK design system's date input
(https://design-system.service.gov.uk/components/date-input/): every form field (accounts.fields) and every
service rule about a date or time (in the future, before another) builds its message here, naming the date or
time it is about ("The return time cannot be in the future", never the same unnamed message for two fields).

``what`` is the date or time as it reads in a sentence, lower case: "the date of birth", "the return time".
"""

from __future__ import annotations

DATE_EXAMPLE = "For example, 27 3 2026"
TIME_EXAMPLE = "For example, 17:30"
PARTS = ("day", "month", "year")


def _sentence(what: str) -> str:
    return what[:1].upper() + what[1:]


def required(what: str) -> str:
    return f"Enter {what}."


def must_include(what: str, missing: list[str]) -> str:
    """``missing``: the empty parts, in order ("day", "month", "year", "time")."""
    return f"{_sentence(what)} must include a {' and '.join(missing)}."


def must_be_real_date(what: str) -> str:
    return f"{_sentence(what)} must be a real date."


def year_four_numbers(what: str) -> str:
    return f"{_sentence(what)} must include a year with 4 numbers."


def must_be_real_time(what: str) -> str:
    return f"{_sentence(what)} must be a real time, in the 24-hour clock, like 17:30."


def not_in_uk_time(what: str) -> str:
    """The hour the clocks go forward (it does not exist) or back (it happens twice)."""
    return f"{_sentence(what)} must be a time outside the hour the clocks changed: enter it a little earlier or later."


def in_future(what: str) -> str:
    return f"{_sentence(what)} cannot be in the future."


def before(what: str, earlier: str) -> str:
    return f"{_sentence(what)} cannot be before {earlier}."
