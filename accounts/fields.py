"""Form fields shared by every app's forms, so dates and times are entered the same way everywhere."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is local time (Europe/London), made aware by Django."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    widget = LocalDateTimeInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Enter a real date and time, like 21/11/2026 17:30.",
                "required": "Enter a date and time.",
            },
        )
        super().__init__(**kwargs)  # type: ignore[arg-type]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


EARLIEST_YEAR = 1900


class GovUKDateWidget(forms.MultiWidget):
    """The GOV.UK date input pattern (issue 14 item 7 moves every date to it): three boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year``; rendered by
    templates/includes/date_input.html."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        parts: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(),
            "month": forms.TextInput(),
            "year": forms.TextInput(),
        }
        super().__init__(parts, attrs)

    def decompress(self, value: date | None) -> list[int | None]:
        if value is None:
            return [None, None, None]
        return [value.day, value.month, value.year]


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK design system's error messages."""

    widget = GovUKDateWidget

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what  # "the date care started": the messages name the date
        numbers = [forms.CharField(required=False) for _part in range(3)]
        kwargs.setdefault("error_messages", {"required": f"Enter {what}."})
        super().__init__(fields=numbers, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> date | None:
        parts = [part.strip() for part in data_list] if data_list else []
        if not any(parts):
            return None
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValidationError(f"{self.what.capitalize()} must include a {' and '.join(missing)}.")
        if not all(part.isdigit() for part in parts):
            raise ValidationError(
                f"{self.what.capitalize()} must be a real date, in numbers, like 27 3 2024."
            )
        day, month, year = (int(part) for part in parts)
        if len(parts[2]) != 4 or year < EARLIEST_YEAR:
            raise ValidationError("Year must include 4 numbers.")
        try:
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"{self.what.capitalize()} must be a real date.") from None
