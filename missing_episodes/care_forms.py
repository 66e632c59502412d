"""Forms for a child's periods of care on the child's page: add, end, correct, delete. Validation of what was
typed only (a real date, a code from the list); what a valid period is (no overlap, not before birth, by the
18th birthday ...) is decided by missing_episodes.care_services and its errors are put back on these fields.

Dates are GOV.UK date inputs (day, month and year boxes): dates of care are often years back and known to the
day from a court order, which three boxes take faster and more surely than a picker.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from missing_episodes.care_services import CareCorrectionReason
from missing_episodes.models import CareDeletionReason, CareLegalStatus, CarePeriod

EARLIEST_YEAR = 1900


class GovUKDateWidget(forms.MultiWidget):
    """Three boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year``; rendered by
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


def care_stamp(period: CarePeriod) -> str:
    """What the end, correct and delete forms carry to notice a change made by someone else meanwhile."""
    return period.updated_at.isoformat()


class StampedForm(forms.Form):
    stamp = forms.CharField(widget=forms.HiddenInput)

    def clean_stamp(self) -> datetime:
        try:
            return datetime.fromisoformat(self.cleaned_data["stamp"])
        except ValueError:
            raise ValidationError("The page was out of date: open the child's page again.") from None


LEGAL_STATUS_CHOICES = [
    ("", "Choose the legal status"),
    *[(code, f"{code}: {label}") for code, label in CareLegalStatus.choices],
]


class CarePeriodForm(forms.Form):
    """Add a period of care (the fields the service takes)."""

    start_date = GovUKDateField(
        what="the date care started", label="Date care started", help_text="For example, 27 3 2024"
    )
    end_date = GovUKDateField(
        what="the date care ceased",
        label="Date care ceased (if it has)",
        required=False,
        help_text="Leave blank while the child is still looked after. The child is not looked after on this day.",
    )
    legal_status = forms.ChoiceField(
        label="Legal status",
        choices=LEGAL_STATUS_CHOICES,
        help_text="The DfE SSDA903 legal status code at the start of the period.",
        error_messages={"required": "Choose the legal status (the DfE code)."},
    )


class CarePeriodCorrectForm(StampedForm, CarePeriodForm):
    reason = forms.ChoiceField(
        label="Why are you correcting this period?",
        choices=CareCorrectionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why this period of care is being corrected."},
    )


class CarePeriodEndForm(StampedForm):
    end_date = GovUKDateField(
        what="the date care ceased",
        label="Date care ceased",
        help_text="The child is not looked after on this day. For example, 27 3 2024",
    )


class CarePeriodDeleteForm(StampedForm):
    reason = forms.ChoiceField(
        label="Why are you deleting this period?",
        choices=CareDeletionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why this period of care is being deleted."},
    )
