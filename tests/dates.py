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
