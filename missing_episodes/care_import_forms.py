"""The upload of a CSV of periods of care (docs/import-care-periods.md): the police spreadsheet's file checks
(a .csv name, 5 MB, readable in the chosen encoding) and the local authority whose children the file lists,
among those the user records periods of care for."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from core.forms import limit_choices
from missing_episodes.forms import UploadSpreadsheetForm


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class UploadCarePeriodsForm(UploadSpreadsheetForm):
    local_authority = AuthorityChoiceField(
        label="Whose children are in the file",
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the local authority whose children are in the file.",
            "invalid_choice": "Choose the local authority whose children are in the file.",
        },
    )

    def __init__(self, *args: Any, authority_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authorities = organisations_by_name(authority_ids)
        limit_choices(self, "local_authority", authorities)
        if len(authority_ids) == 1:
            self.fields["local_authority"].initial = next(iter(authority_ids))
        self.fields["file"].label = "Upload the periods of care spreadsheet"
        self.fields[
            "file"
        ].help_text = "An Excel workbook (.xlsx) or a CSV file (up to 5 MB) with one row per period of care, in the format described on this page."
        self.fields[
            "encoding"
        ].help_text = "Choose UTF-8 for 'CSV UTF-8' files. Excel's plain 'CSV' usually saves Windows-1252."
