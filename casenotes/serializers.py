"""API shapes of a child's case notes (docs/case-notes.md). Shape and type checks only: what a valid note is (not
in the future, not before birth, the length) is casenotes.services' to decide."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from casenotes.models import MAX_TEXT_LENGTH, CaseNote, NoteKind
from core.query_params import MAX_ID


class CaseNoteSerializer(serializers.ModelSerializer[CaseNote]):
    child = serializers.IntegerField(source="child_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    author = serializers.SerializerMethodField()
    corrects = serializers.IntegerField(
        source="corrects_id", read_only=True, allow_null=True, help_text="The note this one corrects."
    )

    class Meta:
        model = CaseNote
        fields = (
            "id",
            "child",
            "kind",
            "occurred_at",
            "text",
            "author",
            "organisation",
            "corrects",
            "created_at",
        )
        read_only_fields = fields

    def get_author(self, note: CaseNote) -> str:
        return note.author.get_full_name() or note.author.username


class StrictText(serializers.CharField):
    """A JSON string only (DRF's CharField would take ``0`` or ``true`` as text)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CaseNoteCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoteKind.choices)
    occurred_at = serializers.DateTimeField(help_text="When it happened (ISO 8601; naive = Europe/London).")
    text = StrictText(max_length=MAX_TEXT_LENGTH, trim_whitespace=False)
    corrects = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The note this one corrects.",
    )
