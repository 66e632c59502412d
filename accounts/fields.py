"""Form fields shared by every app's forms, so dates and times are entered the same way everywhere."""

from __future__ import annotations

from django import forms


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
