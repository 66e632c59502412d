"""The one date filter for short dates: the year appears only when the date is not in the current year, so
"3 Dec" never hides that a record is from 2024 (issue 14 item 13). Formatting only, no other rule.

Loaded as ``{% load dates %}`` (registered in config/settings.py TEMPLATES ``libraries``: core is no app).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

register = template.Library()


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
    this_year = timezone.localdate().year
    day = value.date() if isinstance(value, datetime) else value
    return format_date(value, short_format if day.year == this_year else with_year(short_format))
