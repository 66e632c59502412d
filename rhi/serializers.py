"""API shapes for return home interviews at the caller's level (rhi/api.py).

Which facts each level holds is decided by ``sharing.selectors.disclosure_content`` (the same function the
disclosure page and PDF use); ``rhi_payload`` only lays them out. Keys a level does not hold are left out of
the response altogether (an intelligence summary has no ``interview`` key, so never the child's words).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from access.levels import Level
from rhi.clock import ClockState
from rhi.models import (
    ChildChoice,
    ConsentToShare,
    DeclinedBy,
    DeclineReason,
    Interview,
    InterviewerIndependence,
    InterviewLocation,
    NotOfferedReason,
    Outcome,
    ReturnHomeInterview,
    RHIState,
)
from rhi.selectors import rhi_clock_state, rhi_deadlines
from rhi.services.findings import FINDING_FIELDS
from sharing.selectors import DisclosureContent

LEVELS = [Level.FULL.value, Level.INTELLIGENCE_SUMMARY.value, Level.NOTIFICATION.value]
CLOCK_STATES = [state.value for state in ClockState]


class ClockSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CLOCK_STATES)
    started_at = serializers.DateTimeField(allow_null=True)
    contact_due_at = serializers.DateTimeField(allow_null=True)
    due_soon_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)


class RHIListItemSerializer(serializers.Serializer):
    """One row of the RHI list: state and outcome at every level; the clock and child id at full level only."""

    id = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVELS)
    state = serializers.ChoiceField(choices=RHIState.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    outcome_recorded_at = serializers.DateTimeField(allow_null=True)
    local_authority = serializers.CharField(help_text="DfE code of the commissioning LA.")
    updated_at = serializers.DateTimeField()
    child_id = serializers.IntegerField(allow_null=True, help_text="Full level only.")
    clock_state = serializers.ChoiceField(choices=CLOCK_STATES, allow_null=True, help_text="Full level only.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="Full level only.")


def list_item(rhi: ReturnHomeInterview, level: Level) -> dict[str, Any]:
    full = level == Level.FULL
    return {
        "id": rhi.pk,
        "level": level.value,
        "state": rhi.state,
        "outcome": rhi.outcome or None,
        "outcome_recorded_at": rhi.outcome_recorded_at,
        "local_authority": rhi.local_authority.code,
        "updated_at": rhi.updated_at,
        "child_id": rhi.child_id if full else None,
        "clock_state": getattr(rhi, "clock_state", None) if full else None,
        "due_at": rhi.due_at if full else None,
    }


class EpisodeFactsSerializer(serializers.Serializer):
    category = serializers.CharField()
    missing_at = serializers.DateTimeField()
    returned_at = serializers.DateTimeField(allow_null=True)
    police_force = serializers.CharField()
    police_reference = serializers.CharField()
    risk_level = serializers.CharField()
    found_location = serializers.CharField(help_text="Intelligence summary and full level only (else blank).")


class PlaceSerializer(serializers.Serializer):
    description = serializers.CharField()
    place_type = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    from_at = serializers.DateTimeField(allow_null=True)
    to_at = serializers.DateTimeField(allow_null=True)


class AssociateSerializer(serializers.Serializer):
    name = serializers.CharField()
    approximate_age = serializers.IntegerField(allow_null=True)
    is_adult = serializers.BooleanField(allow_null=True)
    relationship = serializers.CharField()
    vehicle = serializers.CharField()


class RiskSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    notes = serializers.CharField()


class InterviewSerializer(serializers.ModelSerializer[Interview]):
    """The interview and its structured findings: full level only."""

    location_type = serializers.ChoiceField(choices=InterviewLocation.choices)
    interviewer_independence = serializers.ChoiceField(choices=InterviewerIndependence.choices)
    child_choice_of_interviewer = serializers.ChoiceField(choices=ChildChoice.choices)
    push_factors = serializers.ListField(child=serializers.CharField())
    pull_factors = serializers.ListField(child=serializers.CharField())
    harm_experienced = serializers.BooleanField(allow_null=True)
    fears_anyone = serializers.BooleanField(allow_null=True)

    class Meta:
        model = Interview
        fields = [
            "held_at",
            "location_type",
            "interviewer_name",
            "interviewer_independence",
            "child_choice_of_interviewer",
            *FINDING_FIELDS,
        ]
        read_only_fields = fields


class RHIDetailSerializer(serializers.Serializer):
    """An RHI at the caller's level. Every level: id, level, state, outcome, identity, episodes, interview date.
    Intelligence summary adds places, associates, risk indicators, travel and the worker's risk assessment.
    Full adds the clock, the coded outcome reasons, consent and the interview with all its findings."""

    id = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVELS)
    state = serializers.ChoiceField(choices=RHIState.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    updated_at = serializers.DateTimeField()
    rhi_reference = serializers.CharField()
    child_name = serializers.CharField()
    child_initials = serializers.CharField()
    child_date_of_birth = serializers.DateField()
    provider_name = serializers.CharField()
    episodes = EpisodeFactsSerializer(many=True)
    interview_held_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    places = PlaceSerializer(many=True, required=False)
    associates = AssociateSerializer(many=True, required=False)
    risk_indicators = RiskSerializer(many=True, required=False)
    travel_method = serializers.CharField(required=False)
    brought_back_by = serializers.CharField(required=False)
    risk_assessment = serializers.CharField(required=False)
    child_id = serializers.IntegerField(required=False)
    clock = ClockSerializer(required=False)
    declined_by = serializers.ChoiceField(choices=DeclinedBy.choices, allow_blank=True, required=False)
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True, required=False)
    not_offered_reason = serializers.ChoiceField(
        choices=NotOfferedReason.choices, allow_blank=True, required=False
    )
    consent_to_share = serializers.ChoiceField(
        choices=ConsentToShare.choices, allow_blank=True, required=False
    )
    interview = InterviewSerializer(required=False, help_text="Full level, once the interview is recorded.")


def rhi_payload(rhi: ReturnHomeInterview, content: DisclosureContent, *, now: datetime) -> dict[str, Any]:
    """The response for one RHI from what ``disclosure_content`` gave at the caller's level."""
    level = content.level
    payload: dict[str, Any] = {
        "id": rhi.pk,
        "level": level.value,
        "state": rhi.state,
        "outcome": rhi.outcome or None,
        "updated_at": rhi.updated_at,
        "rhi_reference": content.rhi_reference,
        "child_name": content.child_name,
        "child_initials": content.child_initials,
        "child_date_of_birth": content.child_date_of_birth,
        "provider_name": content.provider_name,
        "episodes": content.episodes,
        "interview_held_at": content.interview_held_at,
        "approved_at": content.approved_at,
    }
    if level in (Level.INTELLIGENCE_SUMMARY, Level.FULL):
        payload |= {
            "places": content.places,
            "associates": content.associates,
            "risk_indicators": content.risk_indicators,
            "travel_method": content.travel_method,
            "brought_back_by": content.brought_back_by,
            "risk_assessment": content.risk_assessment,
        }
    if level == Level.FULL and content.full is not None:
        interview: Interview | None = content.full.get("interview")
        deadlines = rhi_deadlines(rhi)
        payload |= {
            "child_id": rhi.child_id,
            "clock": {
                "state": rhi_clock_state(
                    rhi, now=now, interview_held_at=interview.held_at if interview else None
                ).value,
                "started_at": deadlines.start,
                "contact_due_at": deadlines.contact_due,
                "due_soon_at": deadlines.due_soon,
                "due_at": deadlines.due,
            },
            "declined_by": rhi.declined_by,
            "decline_reason": rhi.decline_reason,
            "not_offered_reason": rhi.not_offered_reason,
            "consent_to_share": rhi.consent_to_share,
        }
        if interview is not None:
            payload["interview"] = interview
    return dict(RHIDetailSerializer(payload).data)
