"""Writing the interview's findings, the child's consent to share and corrections to the interview details.

None of these changes the RHI's state: they are allowed while the report is being drafted (or was returned for
changes) by someone who may work on the RHI, and refused once it is submitted or approved (approval freezes the
report). Each one locks the RHI, checks the version the user saw, bumps it and writes an audit event that holds
codes and counts only, never the child's words. Each owns a durable transaction (no caller nests them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from rhi.models import (
    Associate,
    ConsentToShare,
    Interview,
    Location,
    PullFactor,
    PushFactor,
    ReturnHomeInterview,
    RHIState,
    RiskIndicator,
    RiskIndicatorFinding,
)
from rhi.services.lifecycle import (
    TransitionError,
    _check_time,
    _finish,
    _lock,
    _require_worker,
    _returned_at,
)
from rhi.transitions import RHIAction, target

# What save_findings may write on the Interview; anything else in ``findings`` is refused.
FINDING_FIELDS: tuple[str, ...] = (
    "push_factors",
    "pull_factors",
    "reasons_text",
    "where_went",
    "who_with",
    "travel_method",
    "brought_back_by",
    "harm_experienced",
    "harm_details",
    "fears_anyone",
    "fears_details",
    "health_needs",
    "child_words",
    "wishes_and_feelings",
    "safety_advice",
    "worker_assessment",
    "recommendations",
)
# What update_interview_details may correct: when, where and who.
INTERVIEW_DETAIL_FIELDS: tuple[str, ...] = (
    "held_at",
    "location_type",
    "location_detail",
    "interviewer",
    "interviewer_name",
    "interviewer_independence",
    "child_choice_of_interviewer",
    "others_present",
)
LOCATION_FIELDS: tuple[str, ...] = ("description", "place_type", "town", "postcode")
ASSOCIATE_FIELDS: tuple[str, ...] = (
    "name",
    "approximate_age",
    "is_adult",
    "relationship",
    "vehicle",
    "notes",
)


def _editable(rhi: ReturnHomeInterview, by: User, action: RHIAction) -> Interview:
    """The report may be changed: the user may work on it, the transition table allows ``action`` from its
    state (in draft, or returned) and it has an interview."""
    _require_worker(rhi, by)
    if target(action, rhi.state) is None:
        if rhi.state == RHIState.APPROVED:
            raise TransitionError("The report is approved and can no longer be changed.")
        if rhi.state == RHIState.SUBMITTED:
            raise TransitionError("The report is waiting for a manager's approval and cannot be changed now.")
        raise TransitionError("The report can be changed only after the interview is recorded.")
    interview = Interview.objects.filter(rhi=rhi).first()
    if interview is None:
        raise TransitionError("Record the interview before writing its findings.")
    return interview


def _unknown(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValidationError({"__all__": f"Unknown {what}: {', '.join(extra)}."})


def _codes(values: Any, choices: type[models.TextChoices], field: str) -> list[str]:
    if not isinstance(values, list | tuple) or any(v not in choices.values for v in values):
        raise ValidationError({field: "Choose from the list."})
    return sorted(set(values))


def _rows(
    rows: list[dict[str, Any]], model: type[models.Model], fields: tuple[str, ...], prefix: str
) -> list[Any]:
    """Build (unsaved) rows, collecting every row's problems as '<prefix>-<n>-<field>' errors."""
    built: list[Any] = []
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        _unknown(row, fields, f"{prefix} fields")
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        instance = model(**values)
        try:
            instance.full_clean(exclude=["rhi"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"{prefix}-{index}-{name}"] = messages
        built.append(instance)
    if errors:
        raise ValidationError(errors)
    return built


@transaction.atomic(durable=True)
def save_findings(
    *,
    rhi_id: int,
    by: User,
    findings: dict[str, Any],
    risk_indicators: list[str],
    risk_notes: dict[str, str] | None = None,
    locations: list[dict[str, Any]],
    associates: list[dict[str, Any]],
    expected_version: int | None,
) -> Interview:
    """Save the draft findings: the interview's structured answers, and the places, people and risk indicators
    (each list replaces what was there). Never changes the state; a stale version is refused."""
    rhi = _lock(rhi_id, expected_version)
    interview = _editable(rhi, by, RHIAction.FINDINGS)
    _unknown(findings, FINDING_FIELDS, "findings")
    risk_notes = risk_notes or {}
    indicators = _codes(list(risk_indicators), RiskIndicator, "risk_indicators")
    if set(risk_notes) - set(indicators):
        raise ValidationError({"risk_indicators": "Notes were given for a risk that is not ticked."})
    values = dict(findings)
    if "push_factors" in values:
        values["push_factors"] = _codes(values["push_factors"], PushFactor, "push_factors")
    if "pull_factors" in values:
        values["pull_factors"] = _codes(values["pull_factors"], PullFactor, "pull_factors")
    for name, value in values.items():
        setattr(interview, name, value.strip() if isinstance(value, str) else value)
    now = timezone.now()
    interview.updated_at = now
    interview.full_clean(exclude=["rhi", "interviewer"])
    new_locations = _rows(locations, Location, LOCATION_FIELDS, "locations")
    new_associates = _rows(associates, Associate, ASSOCIATE_FIELDS, "associates")
    interview.save()
    rhi.locations.all().delete()
    rhi.associates.all().delete()
    rhi.risk_indicators.all().delete()
    for location in new_locations:
        location.rhi = rhi
    for associate in new_associates:
        associate.rhi = rhi
    Location.objects.bulk_create(new_locations)
    Associate.objects.bulk_create(new_associates)
    RiskIndicatorFinding.objects.bulk_create(
        [
            RiskIndicatorFinding(rhi=rhi, indicator=code, notes=risk_notes.get(code, "").strip())
            for code in indicators
        ]
    )
    _finish(
        rhi,
        by=by,
        now=now,
        detail={
            "step": "findings",
            "locations": len(new_locations),
            "associates": len(new_associates),
            "risk_indicators": indicators,
        },
    )
    return interview


@transaction.atomic(durable=True)
def record_consent(
    *,
    rhi_id: int,
    by: User,
    consent: str,
    share_without_consent: bool,
    justification: str = "",
    expected_version: int | None,
) -> ReturnHomeInterview:
    """Whether the child consents to what they said being shared. Sharing without consent is an override that
    needs a recorded justification and records who made it."""
    rhi = _lock(rhi_id, expected_version)
    _editable(rhi, by, RHIAction.CONSENT)
    if consent not in ConsentToShare.values:
        raise ValidationError({"consent_to_share": "Choose whether the child consents to sharing."})
    justification = justification.strip()
    if share_without_consent:
        if consent == ConsentToShare.GIVEN:
            raise ValidationError(
                {"share_without_consent": "The child consented: sharing does not need an override."}
            )
        if not justification:
            raise ValidationError(
                {"consent_override_justification": "Explain why information is shared without consent."}
            )
        rhi.consent_override_by = by
    else:
        justification = ""
        rhi.consent_override_by = None
    rhi.consent_to_share = consent
    rhi.share_without_consent = share_without_consent
    rhi.consent_override_justification = justification
    return _finish(
        rhi,
        by=by,
        now=timezone.now(),
        detail={"step": "consent", "consent": consent, "override": share_without_consent},
    )


@transaction.atomic(durable=True)
def update_interview_details(
    *, rhi_id: int, by: User, details: dict[str, Any], expected_version: int | None
) -> Interview:
    """Correct when, where and with whom the interview was held while the report is in draft or returned."""
    rhi = _lock(rhi_id, expected_version)
    interview = _editable(rhi, by, RHIAction.EDIT_INTERVIEW)
    _unknown(details, INTERVIEW_DETAIL_FIELDS, "interview details")
    held_at: datetime | None = details.get("held_at", interview.held_at)
    if held_at is None:
        raise ValidationError({"held_at": "Enter when the interview was held."})
    _check_time(held_at, "held_at", not_before=_returned_at(rhi), what="the child returned")
    for name, value in details.items():
        setattr(interview, name, value.strip() if isinstance(value, str) else value)
    if not interview.interviewer_id and not interview.interviewer_name:
        interview.interviewer = by
    now = timezone.now()
    interview.updated_at = now
    interview.full_clean(exclude=["rhi"])
    interview.save()
    _finish(rhi, by=by, now=now, detail={"step": "interview_details"})
    return interview
