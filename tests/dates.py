"""Posting dates and times as the GOV.UK date input sends them (accounts.fields): ``<name>_day``, ``<name>_month``,
``<name>_year`` and, for a date and time, ``<name>_time`` (UK local time, 24-hour)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def date_boxes(name: str, value: date | datetime | None) -> dict[str, str]:
    """The boxes for ``value`` (a datetime gives the time box too; None gives empty date boxes)."""
    if value is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return {**date_boxes(name, local.date()), f"{name}_time": f"{local:%H:%M}"}
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


def empty_datetime_boxes(name: str) -> dict[str, str]:
    return {**date_boxes(name, None), f"{name}_time": ""}


def as_boxes(data: dict[str, object], *names: str) -> dict[str, object]:
    """``data`` with each of ``names`` that it holds as ISO text (UK local time: "2026-06-09T09:30",
    "2011-05-17"; "" for nothing) posted as the GOV.UK boxes instead, so tests can write dates readably."""
    posted = dict(data)
    for name in names:
        text = posted.pop(name, None)
        if not isinstance(text, str):
            if text is not None:
                posted[name] = text
            continue
        if not text:
            posted |= empty_datetime_boxes(name)
        elif "T" in text or " " in text:
            posted |= date_boxes(name, datetime.fromisoformat(text))
        else:
            posted |= date_boxes(name, date.fromisoformat(text))
    return posted


def boxes(name: str, text: str) -> dict[str, str]:
    """The boxes for ``text``, ISO in UK local time ("2026-06-10T08:00", "2026-03-31"; "" for empty boxes)."""
    return {key: str(value) for key, value in as_boxes({name: text}, name).items()}
