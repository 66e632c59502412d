"""The column-matching step of the police spreadsheet upload (missing_episodes.column_mappings): for each column
the import reads, the file's heading to read it from, and the police force whose headings these are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from accounts.models import Organisation
from core.forms import limit_choices
from missing_episodes.forms import police_forces

NOT_IN_FILE = ""


def field_name(column: str) -> str:
    return f"column_{column}"


class MatchColumnsForm(forms.Form):
    police_force = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Which police force sent the file?",
        empty_label="Choose a police force",
        help_text="The headings you match are remembered for this force's next file.",
        error_messages={"required": "Choose the police force that sent the file."},
    )

    def __init__(
        self,
        *args: Any,
        expected: Sequence[str],
        optional: Sequence[str],
        headings: Sequence[str],
        suggested: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "police_force", police_forces())
        offered = [(NOT_IN_FILE, "Not in the file")] + [(h, h) for h in dict.fromkeys(headings) if h]
        self.columns = list(expected)
        for column in expected:
            required = column not in optional
            self.fields[field_name(column)] = forms.ChoiceField(
                label=column,
                choices=offered,
                required=required,
                initial=suggested.get(column, NOT_IN_FILE),
                help_text="" if required else "Optional: leave it as 'Not in the file' if the file has none.",
                error_messages={
                    "required": f"Choose the file's heading for {column}.",
                    "invalid_choice": f"Choose one of the file's headings for {column}.",
                },
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = {column: cleaned.get(field_name(column)) or NOT_IN_FILE for column in self.columns}
        twice = {heading for heading, count in Counter(chosen.values()).items() if heading and count > 1}
        for column, heading in chosen.items():
            if heading in twice:
                self.add_error(
                    field_name(column), f"'{heading}' is chosen for more than one column: choose it once."
                )
        return cleaned

    def mapping(self) -> dict[str, str]:
        """Expected column → the file's heading (columns not in the file left out)."""
        return {
            column: self.cleaned_data[field_name(column)]
            for column in self.columns
            if self.cleaned_data.get(field_name(column))
        }

    def column_fields(self) -> list[forms.BoundField]:
        return [self[field_name(column)] for column in self.columns]
