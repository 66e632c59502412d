"""Forms for a child's periods of care on the child's page: add, end, correct, delete. Validation of what was
typed only (a real date, a code from the list); what a valid period is (no overlap, not before birth, by the
18th birthday ...) is decided by missing_episodes.care_services and its errors are put back on these fields.

Dates are GOV.UK date inputs (day, month and year boxes): dates of care are often years back and known to the
day from a court order, which three boxes take faster and more surely than a picker.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from accounts.fields import GovUKDateField
from core.forms import GovUKForm
from missing_episodes.care_services import CareCorrectionReason
from missing_episodes.models import CareDeletionReason, CareLegalStatus, CarePeriod


def care_stamp(period: CarePeriod) -> str:
    """What the end, correct and delete forms carry to notice a change made by someone else meanwhile."""
    return period.updated_at.isoformat()


class StampedForm(GovUKForm):
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


class CarePeriodForm(GovUKForm):
    """Add a period of care (the fields the service takes)."""

    start_date = GovUKDateField(what="the date care started", label="Date care started")
    end_date = GovUKDateField(
        what="the date care ceased",
        label="Date care ceased",
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
        help_text="The child is not looked after on this day.",
    )


class CarePeriodDeleteForm(StampedForm):
    reason = forms.ChoiceField(
        label="Why are you deleting this period?",
        choices=CareDeletionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why this period of care is being deleted."},
    )
