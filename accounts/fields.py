"""Form fields shared by every app's forms, so dates and times are entered the same way everywhere: the GOV.UK
date input pattern (day, month and year boxes, and a 24-hour time box for a date and time), never the browser's
own pickers, which follow the browser's locale (mm/dd/yyyy and AM/PM in many en-GB browsers). Their messages
come from core.date_messages, the one wording for dates that cannot be right. Rendered by
templates/includes/date_input.html (templates/includes/field.html picks it for these widgets)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import date_messages

EARLIEST_YEAR = 1900
DATE_PARTS = ("day", "month", "year")
DATETIME_PARTS = (*DATE_PARTS, "time")
_TIME = re.compile(r"^([0-9]{1,2})[:.]?([0-9]{2})$")


def _iso_parts(value: str, with_time: bool) -> list[str]:
    """One ISO value (``2026-03-27`` or ``2026-03-27T17:30``) as the boxes' values: links, bookmarks and scripts
    made before the boxes still work. Unreadable text fills every box, so it reads as not a real date."""
    count = 4 if with_time else 3
    if not value.strip():
        return [""] * count
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return [value] * count
    parts = [str(parsed.day), str(parsed.month), str(parsed.year)]
    return [*parts, f"{parsed:%H:%M}"] if with_time else parts


class GovUKDateWidget(forms.MultiWidget):
    """Boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year`` (the day box carries the field's id)."""

    parts: tuple[str, ...] = DATE_PARTS

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({part: forms.TextInput() for part in self.parts}, attrs)

    def decompress(self, value: Any) -> list[str]:
        if value is None or value == "":
            return [""] * len(self.parts)
        if isinstance(value, str):
            return _iso_parts(value, with_time=len(self.parts) == 4)
        if isinstance(value, datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [str(local.day), str(local.month), str(local.year), f"{local:%H:%M}"][: len(self.parts)]
        return [str(value.day), str(value.month), str(value.year)]

    def _legacy(self, data: Any, name: str) -> bool:
        return name in data and not any(f"{name}_{part}" in data for part in self.parts)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self._legacy(data, name):
            return _iso_parts(str(data.get(name) or ""), with_time=len(self.parts) == 4)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not self._legacy(data, name) and super().value_omitted_from_data(data, files, name)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for part, subwidget in zip(self.parts, context["widget"]["subwidgets"], strict=True):
            subwidget["part"] = part
        context["widget"]["date_example"] = date_messages.DATE_EXAMPLE
        context["widget"]["time_example"] = date_messages.TIME_EXAMPLE
        return context


class GovUKDateTimeWidget(GovUKDateWidget):
    """The date boxes and a ``<name>_time`` box for a 24-hour time (17:30)."""

    parts = DATETIME_PARTS


class GovUKDateHiddenWidget(GovUKDateWidget):
    """The same boxes as hidden inputs, for a step that carries what an earlier step typed."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        forms.MultiWidget.__init__(self, {part: forms.HiddenInput() for part in self.parts}, attrs)


class GovUKDateTimeHiddenWidget(GovUKDateHiddenWidget):
    parts = DATETIME_PARTS


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year; ``what`` names it in its messages ("the date care started")."""

    widget: type[forms.Widget] | forms.Widget = GovUKDateWidget
    hidden_widget: type[forms.Widget] = GovUKDateHiddenWidget
    parts: tuple[str, ...] = DATE_PARTS

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what
        # Which boxes the error is about, for the template to mark; empty: the whole field (required, service rules).
        self.error_parts: list[str] = []
        messages = dict(kwargs.pop("error_messages", None) or {})
        messages.setdefault("required", date_messages.required(what))
        boxes = [forms.CharField(required=False) for _part in self.parts]
        super().__init__(fields=boxes, require_all_fields=False, error_messages=messages, **kwargs)

    def clean(self, value: Any) -> Any:
        self.error_parts = []
        return super().clean(value)

    def _fail(self, message: str, parts: list[str]) -> ValidationError:
        self.error_parts = parts
        return ValidationError(message)

    def _date(self, parts: list[str]) -> date:
        if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
            raise self._fail(date_messages.must_be_real_date(self.what), list(DATE_PARTS))
        day, month, year = (int(part) for part in parts)
        if len(parts[2]) != 4 or year < EARLIEST_YEAR:
            raise self._fail(date_messages.year_four_numbers(self.what), ["year"])
        try:
            return date(year, month, day)
        except ValueError:  # 31 2
            raise self._fail(date_messages.must_be_real_date(self.what), list(DATE_PARTS)) from None

    def _parts(self, data_list: list[str]) -> list[str] | None:
        """The boxes' text, or None when all are empty; refuses any empty box."""
        parts = [(part or "").strip() for part in data_list] if data_list else []
        if not any(parts):
            return None
        missing = [name for name, part in zip(self.parts, parts, strict=True) if not part]
        if missing:
            raise self._fail(date_messages.must_include(self.what, missing), missing)
        return parts

    def compress(self, data_list: list[str]) -> Any:
        parts = self._parts(data_list)
        return None if parts is None else self._date(parts)


class GovUKDateTimeField(GovUKDateField):
    """A date and a 24-hour time, as UK local time; cleaned to an aware datetime (stored in UTC)."""

    widget = GovUKDateTimeWidget
    hidden_widget = GovUKDateTimeHiddenWidget
    parts = DATETIME_PARTS

    def _time(self, text: str) -> time:
        match = _TIME.match(text)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise self._fail(date_messages.must_be_real_time(self.what), ["time"])
        return time(int(match[1]), int(match[2]))

    def compress(self, data_list: list[str]) -> datetime | None:
        parts = self._parts(data_list)
        if parts is None:
            return None
        naive = datetime.combine(self._date(parts[:3]), self._time(parts[3]))
        zone = timezone.get_current_timezone()
        # The hour the clocks go forward does not exist, and the hour they go back happens twice.
        if naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
            raise self._fail(date_messages.not_in_uk_time(self.what), ["time"])
        return timezone.make_aware(naive, zone)
