"""Plausible dates: the one set of rules every channel's notification and every correction goes through
(``missing_episodes.services.check_episode``, ``missing_episodes.corrections``; docs/corrections.md).

Refused, with a message naming the field: a time in the future, a return or a police report or notification
before the child was last seen, a child born on or after the day they went missing (a child is not recorded as
missing on the day they were born). Not refused but asked about: a child over ``MAX_PLAUSIBLE_AGE`` at the
episode, which is more likely a mistyped date of birth (01/01/1900) than a child; the web form asks for a
confirmation, the API takes ``confirm_age`` and the CSV import a ``confirm_age`` column (``yes``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from core import date_messages

MAX_PLAUSIBLE_AGE = 25
# A minute's grace for clocks that are slightly out between a police system and ours (as the models' validator).
CLOCK_GRACE = timedelta(minutes=1)

TIME_NAMES = {
    "missing_at": "time the child was last seen",
    "reported_at": "time it was reported to police",
    "returned_at": "return time",
    "police_notified_at": "police notification time",
}


def future_message(field: str) -> str:
    return date_messages.in_future(f"the {TIME_NAMES[field]}")


DOB_IN_FUTURE = "The date of birth cannot be in the future."


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def time_errors(times: dict[str, datetime | None], *, now: datetime) -> dict[str, str]:
    """The ordering rules between an episode's times (``TIME_NAMES``' keys; None is not recorded)."""
    errors = {
        name: future_message(name)
        for name, value in times.items()
        if value is not None and value > now + CLOCK_GRACE
    }
    missing_at = times.get("missing_at")
    if missing_at is None:
        return errors
    before_missing = {
        "returned_at": "The return time must be after the time the child went missing.",
        "reported_at": "The time it was reported to police must be after the child was last seen.",
        "police_notified_at": "The police notification time cannot be before the child was last seen.",
    }
    for name, message in before_missing.items():
        value = times.get(name)
        if value is not None and value < missing_at and name not in errors:
            errors[name] = message
    return errors


def birth_error(date_of_birth: date, missing_at: datetime | None) -> str | None:
    """Born on or after the (UK) day the child went missing: the date of birth or the time is wrong."""
    if missing_at is not None and date_of_birth >= timezone.localdate(missing_at):
        return "The date of birth must be before the day the child went missing."
    return None


def implausible_age(date_of_birth: date, on: datetime | date) -> int | None:
    """The child's age on that day when it is over ``MAX_PLAUSIBLE_AGE`` (ask before saving), else None."""
    day = timezone.localdate(on) if isinstance(on, datetime) else on
    age = age_on(date_of_birth, day)
    return age if age > MAX_PLAUSIBLE_AGE else None


def age_question(age: int) -> str:
    return f"The child would have been {age} at the episode: check the date of birth, or confirm it is right."


OVERLAP = "This overlaps another episode of the same child: check the times."


def overlaps(
    missing_at: datetime,
    returned_at: datetime | None,
    other_missing_at: datetime,
    other_returned_at: datetime | None,
) -> bool:
    """Two episodes of one child overlap when each starts before the other ends (open = still missing). The one
    rule for the per-row check (``services._check_against_other_rows``) and the bulk import (``bulk_intake``)."""
    starts_before_other_ends = other_returned_at is None or missing_at < other_returned_at
    other_starts_before_this_ends = returned_at is None or other_missing_at < returned_at
    return starts_before_other_ends and other_starts_before_this_ends
