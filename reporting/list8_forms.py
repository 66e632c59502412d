"""The "Complete your List 8" form: which authority, the day the list is as at, the case system's List 8 file
(.xlsx or .csv, read and checked here so a bad file is a field error) and the download's format."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from accounts.fields import GovUKDateField
from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from core.forms import GovUKForm, limit_choices
from core.query_params import validate_date_in_range
from reporting.exports import not_offered_reason
from reporting.forms import AuthorityChoiceField
from reporting.list8_complete import UnreadableList, UploadedList, read_upload
from reporting.models import ReturnKind

MAX_UPLOAD_BYTES: int = settings.RHI_MAX_UPLOAD_BYTES
FORMATS = [("xlsx", "Excel (xlsx)"), ("csv", "ZIP of 4 CSV files (the List 8 and the three lists)")]


class List8UploadForm(GovUKForm):
    local_authority = AuthorityChoiceField(
        label="Local authority",
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the local authority.",
            "invalid_choice": "Choose the local authority.",
        },
    )
    as_at = GovUKDateField(
        what="the 'as at' date",
        label="As at",
        help_text="The day your List 8 is as at. Counts cover the 12 months up to it.",
        validators=[validate_date_in_range],
        error_messages={"required": "Enter the date the list is as at."},
    )
    file = forms.FileField(
        label="Your List 8",
        help_text="The List 8 exported from your case system, as an Excel workbook (.xlsx) or CSV file, with "
        "Ofsted's headings in the first row.",
        error_messages={"required": "Choose your List 8 file.", "empty": "The file is empty."},
    )
    format = forms.ChoiceField(
        label="Download as",
        choices=FORMATS,
        widget=forms.RadioSelect,
        initial="xlsx",
        error_messages={"required": "Choose a format."},
    )

    def __init__(self, *args: Any, authority_ids: set[int], today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        limit_choices(self, "local_authority", organisations_by_name(authority_ids))
        self.fields["as_at"].initial = self.today
        self.uploaded: UploadedList | None = None

    def clean_local_authority(self) -> Organisation:
        """Annex A is England's: an authority elsewhere is told so (reporting.exports.returns_offered)."""
        local_authority: Organisation = self.cleaned_data["local_authority"]
        reason = not_offered_reason(ReturnKind.ANNEX_A_LIST8, local_authority)
        if reason:
            raise ValidationError(reason)
        return local_authority

    def clean_as_at(self) -> date:
        as_at: date = self.cleaned_data["as_at"]
        if as_at > self.today:
            raise ValidationError("The 'as at' date cannot be in the future.")
        return as_at

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        too_big = f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise ValidationError(too_big)
        upload.seek(0)
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise ValidationError(too_big)
        try:
            self.uploaded = read_upload(upload.name or "", raw)
        except UnreadableList as exc:
            raise ValidationError(str(exc)) from exc
        return upload
