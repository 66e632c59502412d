"""Forms to correct an episode's times and a child's date of birth (missing_episodes.corrections decides what
is a valid correction; its errors are put back on these fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.fields import GovUKDateField, GovUKDateTimeField
from core.forms import GovUKForm
from missing_episodes.models import CorrectedField, CorrectionReason
from missing_episodes.plausibility import TIME_NAMES

EXPLANATION_MAX = 2000


class _CorrectionForm(GovUKForm):
    reason = forms.ChoiceField(
        choices=CorrectionReason.choices,
        widget=forms.RadioSelect,
        label="Why is it being corrected?",
        error_messages={"required": "Choose why this is being corrected."},
    )
    explanation = forms.CharField(
        widget=forms.Textarea,
        max_length=EXPLANATION_MAX,
        label="Explain the correction",
        help_text="For example where the right value comes from. Shown to those who see the child's record.",
        error_messages={
            "required": "Explain the correction, for example where the right value comes from.",
            "max_length": f"The explanation must be {EXPLANATION_MAX} characters or fewer.",
        },
    )
    # Shown only once the service has asked (over 25 at the episode), or once ticked.
    confirm_age = forms.BooleanField(
        required=False, label="Yes, this makes the child over 25 and it is right"
    )
    stamp = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.age_asked = False

    def shows_age_question(self) -> bool:
        return self.age_asked or bool(self.is_bound and self.data.get("confirm_age"))


class EpisodeCorrectionForm(_CorrectionForm):
    value = GovUKDateTimeField(what="the corrected time", required=False)

    field_order = ("value", "reason", "explanation", "confirm_age", "stamp")

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = TIME_NAMES[field]
        value = self.fields["value"]
        if not isinstance(value, GovUKDateTimeField):
            raise TypeError("EpisodeCorrectionForm.value must be a GovUKDateTimeField")
        value.label = f"Corrected {name}"
        value.what = f"the corrected {name}"
        # The police notification time may be cleared (not known); the other two are always recorded.
        value.required = field != CorrectedField.POLICE_NOTIFIED_AT
        value.error_messages["required"] = f"Enter the corrected {name}."
        if not value.required:
            value.help_text = "Leave blank if the notification time is not known."


class DateOfBirthCorrectionForm(_CorrectionForm):
    value = GovUKDateField(
        what="the corrected date of birth",
        label="Corrected date of birth",
        error_messages={"required": "Enter the corrected date of birth."},
    )

    field_order = ("value", "reason", "explanation", "confirm_age", "stamp")
