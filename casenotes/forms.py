"""The case note form and the timeline's filter (docs/case-notes.md)."""

from __future__ import annotations

from django import forms

from accounts.fields import GovUKDateTimeField
from casenotes.models import MAX_TEXT_LENGTH, NoteKind
from casenotes.services import TEXT_TOO_LONG
from casenotes.timeline import KIND_LABELS, Kind
from core.forms import GovUKForm


class CaseNoteForm(GovUKForm):
    kind = forms.ChoiceField(
        label="What kind of note is this?",
        choices=NoteKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of note this is.",
            "invalid_choice": "Choose what kind of note this is.",
        },
    )
    occurred_at = GovUKDateTimeField(
        what="the date and time of the contact",
        label="When did it happen?",
        help_text="The date and time of the contact, visit or call, or when the information was received.",
        error_messages={"required": "Enter when it happened."},
    )
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea,
        max_length=MAX_TEXT_LENGTH,
        strip=False,
        error_messages={"required": "Enter the note.", "max_length": TEXT_TOO_LONG},
    )


class TimelineFilterForm(GovUKForm):
    """The timeline's GET parameters. An unknown kind makes the form invalid: the page answers 400."""

    kind = forms.MultipleChoiceField(
        label="Show",
        choices=[(kind.value, KIND_LABELS[kind]) for kind in Kind],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose what to show from the list."},
    )
    before = forms.CharField(required=False, max_length=200)

    def kinds(self) -> list[Kind]:
        return [Kind(value) for value in self.cleaned_data.get("kind") or []]
