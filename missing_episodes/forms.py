"""Forms for recording a police notification, choosing between possible matching children, recording a
return, and uploading the police spreadsheet. Validation of what was typed only: the rules that decide what
a valid episode is live in missing_episodes.services, and their errors are put back on these fields."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from accounts.fields import GovUKDateField, GovUKDateTimeField
from accounts.models import Organisation, OrganisationKind
from core.csv_import import ENCODINGS, UnreadableFile, first_undecodable_line, open_csv
from core.forms import GovUKForm, limit_choices, set_choices
from core.spreadsheets import is_workbook, open_workbook
from missing_episodes.identifiers import validate_la_child_id, validate_police_reference
from missing_episodes.models import (
    Child,
    EpisodeCategory,
    Gender,
    MissingEpisode,
    MissingFrom,
    ReturnMethod,
    RiskLevel,
)
from missing_episodes.plausibility import DOB_IN_FUTURE, TIME_NAMES
from missing_episodes.services import NOTIFICATION_FIELDS

MAX_UPLOAD_BYTES: int = settings.RHI_MAX_UPLOAD_BYTES
NEW_CHILD = "new"
NEW_CHILD_LABEL = "None of these: it is a new child (keep the new record)"
CHILD_FORM_FIELDS = ("responsible_la", "la_child_id", "first_name", "last_name", "date_of_birth", "gender")


def police_forces() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE, is_active=True).order_by("name")


def add_service_errors(form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields become errors for the whole form)."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        target = aliases.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class PoliceNotificationForm(GovUKForm):
    police_force = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label="Choose a police force",
        error_messages={"required": "Choose the police force that sent the notification."},
    )
    police_reference = forms.CharField(
        max_length=40,
        validators=[validate_police_reference],
        help_text="The force's own reference for this missing person report.",
        error_messages={"required": "Enter the police reference."},
    )
    category = forms.ChoiceField(
        choices=EpisodeCategory.choices,
        widget=forms.RadioSelect,
        label="Was the child missing or absent?",
        error_messages={"required": "Choose whether the child was missing or absent."},
    )
    risk_level = forms.ChoiceField(
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Police risk grade",
        help_text="Leave unselected if the notification does not give one.",
    )
    missing_from = forms.ChoiceField(
        choices=MissingFrom.choices,
        widget=forms.RadioSelect,
        label="Missing from",
        error_messages={"required": "Choose where the child went missing from."},
    )
    missing_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['missing_at']}",
        label="Last seen at",
        error_messages={"required": "Enter when the child was last seen."},
    )
    reported_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['reported_at']}", label="Reported to police at", required=False
    )
    returned_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['returned_at']}",
        label="Returned or found at",
        required=False,
        help_text="Leave blank if the child is still missing.",
    )
    return_method = forms.ChoiceField(
        choices=[("", "Not recorded"), *ReturnMethod.choices], required=False, label="How they returned"
    )
    found_location = forms.CharField(max_length=255, required=False, label="Where they were found")
    police_notified_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['police_notified_at']}",
        label="Police notification received at",
        required=False,
        help_text="When the notification reached the RHI service. Some areas start the clock from it.",
    )
    responsible_la = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Responsible local authority",
        empty_label="Choose a local authority",
        error_messages={"required": "Choose the child's responsible local authority."},
    )
    la_child_id = forms.CharField(
        max_length=40,
        label="LA child ID",
        required=False,
        validators=[validate_la_child_id],
        help_text="Leave blank if the notification does not give it: the child is then found by name and date "
        "of birth.",
    )
    first_name = forms.CharField(max_length=100, error_messages={"required": "Enter the child's first name."})
    last_name = forms.CharField(max_length=100, error_messages={"required": "Enter the child's last name."})
    date_of_birth = GovUKDateField(
        what="the date of birth", error_messages={"required": "Enter the child's date of birth."}
    )
    gender = forms.ChoiceField(
        choices=Gender.choices, widget=forms.RadioSelect, initial=Gender.NOT_KNOWN, required=False
    )
    # Shown only once the service has asked (plausibility: over 25 at the episode), or once ticked.
    confirm_age = forms.BooleanField(required=False, label="Yes, this date of birth is right")

    def __init__(self, *args: Any, authorities: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.age_asked = False
        limit_choices(self, "police_force", police_forces())
        limit_choices(self, "responsible_la", authorities)
        for name in ("police_force", "responsible_la"):
            self.fields[name].error_messages["invalid_choice"] = "Choose an option from the list."

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise ValidationError(DOB_IN_FUTURE)
        return value

    def clean_gender(self) -> str:
        return self.cleaned_data.get("gender") or Gender.NOT_KNOWN

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        force, reference = data.get("police_force"), (data.get("police_reference") or "").strip()
        if force is not None and reference:
            data["police_reference"] = reference
            # This page records new notifications; a later one about a known episode is recorded on its page.
            if MissingEpisode.objects.filter(police_force=force, police_reference=reference).exists():
                self.add_error(
                    "police_reference",
                    "This police reference is already recorded for this force: open that episode to record "
                    "the return.",
                )
        return data

    def episode_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in NOTIFICATION_FIELDS}

    def shows_age_question(self) -> bool:
        """The confirm step: the service asked (``ImplausibleAge``), or the box came ticked."""
        return self.age_asked or bool(self.is_bound and self.cleaned_data.get("confirm_age"))


class ChildChoiceForm(GovUKForm):
    """The second step: is the child in the notification one already recorded?"""

    child_choice = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Is this one of these children?",
        error_messages={
            "required": "Choose the child this notification is about, or create a new child record.",
            "invalid_choice": "Choose one of the children listed, or create a new child record.",
        },
    )

    def __init__(self, *args: Any, candidates: Iterable[Child], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (str(child.pk), f"This is the same child: {describe_child(child)}") for child in candidates
        ]
        choices.append((NEW_CHILD, "None of these – create a new child record"))
        set_choices(self, "child_choice", choices)


def describe_child(child: Child) -> str:
    """A candidate as a person tells children apart: names (and known-as), date of birth, council and id."""
    known_as = f" (known as {child.known_as})" if child.known_as else ""
    la_id = f"LA child ID {child.la_child_id}" if child.la_child_id else "no LA child ID yet"
    return f"{child.full_name}{known_as}, born {child.date_of_birth:%d/%m/%Y}, {child.responsible_la.name} {la_id}"


class ChildMatchForm(ChildChoiceForm):
    """The "match the child" queue's decision: one of the candidates, or a new child (match_queue)."""

    decision_note = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=5000)

    def __init__(self, *args: Any, candidates: Iterable[Child], **kwargs: Any) -> None:
        candidates = list(candidates)
        super().__init__(*args, candidates=candidates, **kwargs)
        self.fields["child_choice"].label = "Which child is this notification about?"
        self.fields["child_choice"].error_messages["required"] = (
            "Choose the child, or that it is a new child."
        )
        set_choices(
            self,
            "child_choice",
            [*((str(child.pk), describe_child(child)) for child in candidates), (NEW_CHILD, NEW_CHILD_LABEL)],
        )


class RecordReturnForm(GovUKForm):
    returned_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['returned_at']}",
        label="Returned or found at",
        error_messages={"required": "Enter when the child returned or was found."},
    )
    return_method = forms.ChoiceField(
        choices=[("", "Not recorded"), *ReturnMethod.choices], required=False, label="How they returned"
    )
    found_location = forms.CharField(max_length=255, required=False, label="Where they were found")
    police_notified_at = GovUKDateTimeField(
        what=f"the {TIME_NAMES['police_notified_at']}",
        label="Police notification received at",
        required=False,
        help_text="When the notification of the return reached the RHI service.",
    )
    stamp = forms.CharField(widget=forms.HiddenInput)

    def episode_fields(self) -> dict[str, Any]:
        """Only what was entered: a blank optional field keeps what the episode already holds."""
        fields: dict[str, Any] = {"returned_at": self.cleaned_data["returned_at"]}
        for name in ("return_method", "found_location", "police_notified_at"):
            if self.cleaned_data.get(name):
                fields[name] = self.cleaned_data[name]
        return fields


class ReclassifyForm(GovUKForm):
    """The police reclassified the episode or re-graded its risk (missing_episodes.episode_changes)."""

    category = forms.ChoiceField(
        choices=EpisodeCategory.choices,
        widget=forms.RadioSelect,
        label="Category",
        error_messages={
            "required": "Choose missing or absent.",
            "invalid_choice": "Choose missing or absent.",
        },
    )
    risk_level = forms.ChoiceField(
        choices=[("", "Not recorded"), *RiskLevel.choices],
        required=False,
        label="Risk grade",
        error_messages={"invalid_choice": "Choose a risk grade from the list."},
    )
    reclassified_at = GovUKDateTimeField(
        what="the time of the change",
        label="When the police made the change",
        required=False,
        help_text="Leave blank if it was just now.",
    )
    stamp = forms.CharField(widget=forms.HiddenInput)


def episode_stamp(episode: MissingEpisode) -> str:
    """What the return form carries to notice a change made by someone else since the page was shown."""
    return episode.updated_at.isoformat()


class UploadSpreadsheetForm(GovUKForm):
    """An import file's checks (an .xlsx workbook or CSV, 5 MB, readable); each upload labels it its way."""

    file = forms.FileField(
        label="Upload the police spreadsheet",
        help_text="An Excel workbook (.xlsx) or a CSV file, up to 5 MB, with one row per episode, in the format "
        "described in the import guide.",
        error_messages={"required": "Choose a spreadsheet to upload.", "empty": "The file is empty."},
    )
    encoding = forms.ChoiceField(
        label="How a CSV file's text is saved",
        choices=list(ENCODINGS.items()),
        initial="utf-8",
        required=False,
        help_text="Choose UTF-8 for 'CSV UTF-8' files. Police systems and Excel's plain 'CSV' usually save "
        "Windows-1252. An Excel workbook needs no choice here.",
        error_messages={"invalid_choice": "Choose how the file's text is saved."},
    )

    def clean_encoding(self) -> str:
        return self.cleaned_data.get("encoding") or "utf-8"

    def clean_file(self) -> UploadedFile:
        """The upload, checked before it is stored: the size, then a workbook that opens (.xlsx: not .xls,
        macros or another format), or text readable in the chosen encoding (a file in another encoding is
        refused here, with the first line that is not readable)."""
        upload: UploadedFile = self.cleaned_data["file"]
        too_big = f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it into smaller files."
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx", ".xlsm", ".xls", ".txt")):
            raise ValidationError("The file must be an Excel workbook (.xlsx) or a CSV file (.csv).")
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise ValidationError(too_big)
        upload.seek(0)
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        upload.seek(0)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise ValidationError(too_big)
        try:
            if is_workbook(raw[:8]) or name.endswith((".xlsx", ".xlsm", ".xls")):
                open_workbook(io.BytesIO(raw)).close()
                return upload
            open_csv(io.BytesIO(raw))
        except UnreadableFile as exc:
            raise ValidationError(str(exc)) from exc
        self._raw = raw
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        encoding = cleaned.get("encoding")
        raw = getattr(self, "_raw", None)
        if raw is not None and encoding:
            line = first_undecodable_line(raw, encoding)
            if line is not None:
                self.add_error(
                    "file",
                    f"The file must be saved as UTF-8 CSV, or the encoding it was saved in chosen below: line "
                    f"{line} is not valid {ENCODINGS[encoding]}. Police systems and Excel's plain 'CSV' usually "
                    "save Windows-1252."
                    if encoding == "utf-8"
                    else f"Line {line} is not valid {ENCODINGS[encoding]}: choose the encoding the file was "
                    "saved in, or save it again as 'CSV UTF-8'.",
                )
        return cleaned


class UploadEpisodesForm(UploadSpreadsheetForm):
    police_force = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label="Which police force sent the file? (optional)",
        empty_label="Not chosen",
        help_text="If its column headings differ from the guide's, you match them to ours once and they are "
        "remembered for this force's next file.",
    )

    field_order = ["file", "police_force", "encoding"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "police_force", police_forces())
