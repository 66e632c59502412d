"""API shapes of a child's periods of care (docs/api.md, "Periods of care"). Shape and type checks only: what a
valid period is (no overlap, not before birth, by the 18th birthday ...) is the care service's to decide."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from missing_episodes.care_services import CareCorrectionReason
from missing_episodes.models import CareDeletionReason, CareLegalStatus, CarePeriod


class CarePeriodSerializer(serializers.ModelSerializer[CarePeriod]):
    child = serializers.IntegerField(source="child_id", read_only=True)
    legal_status_description = serializers.CharField(source="get_legal_status_display", read_only=True)
    end_date = serializers.DateField(
        allow_null=True, help_text="The day care ceased (SSDA903 DEC); null while the child is looked after."
    )

    class Meta:
        model = CarePeriod
        fields = (
            "id",
            "child",
            "start_date",
            "end_date",
            "legal_status",
            "legal_status_description",
            "source",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class CarePeriodCreateSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="The day care started.")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="The day care ceased; leave out while still looked after."
    )
    legal_status = serializers.ChoiceField(choices=CareLegalStatus.choices, help_text="The DfE LS code.")


class CarePeriodChangeSerializer(serializers.Serializer):
    """End a period (``end_date`` alone, on an open period) or correct it (any of the three fields, with a
    ``reason``). Fields left out keep what the period holds."""

    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    legal_status = serializers.ChoiceField(choices=CareLegalStatus.choices, required=False)
    reason = serializers.ChoiceField(
        choices=CareCorrectionReason.choices,
        required=False,
        help_text="Why the period is corrected; needed for anything but ending an open period.",
    )

    def is_ending(self, period: CarePeriod) -> bool:
        data = self.validated_data
        return period.end_date is None and set(data) == {"end_date"} and data["end_date"] is not None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send the fields to change: end_date, or a correction.")
        return attrs


class CarePeriodDeleteSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=CareDeletionReason.choices, help_text="Why the period is deleted (a code, never free text)."
    )
