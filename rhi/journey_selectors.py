"""Reads for the RHI page and the journey pages: the report summary, who may be named as the interviewer, and the
draft a worker is editing. Selectors: queries only, no request and no writes (HackSoft's selectors layer), so the
read side of the full disclosure (``sharing.selectors``) uses the same summary as the RHI page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import Role, User
from rhi.models import (
    Associate,
    Interview,
    Location,
    PullFactor,
    PushFactor,
    ReturnHomeInterview,
    RiskIndicatorFinding,
)


def interview_of(rhi: ReturnHomeInterview) -> Interview | None:
    return Interview.objects.filter(rhi=rhi).select_related("interviewer").first()


def summary_context(rhi: ReturnHomeInterview) -> dict[str, Any]:
    """What the summary sections show: contact, offer, outcome, interview, findings, consent, reviews."""
    interview = interview_of(rhi)
    push = dict(PushFactor.choices)
    pull = dict(PullFactor.choices)
    return {
        "contact_attempts": list(rhi.contact_attempts.select_related("recorded_by")),
        "interview": interview,
        "push_labels": [push.get(code, code) for code in (interview.push_factors if interview else [])],
        "pull_labels": [pull.get(code, code) for code in (interview.pull_factors if interview else [])],
        "locations": list(rhi.locations.order_by("pk")),
        "associates": list(rhi.associates.order_by("pk")),
        "risks": list(rhi.risk_indicators.order_by("pk")),
        "reviews": list(rhi.reviews.select_related("reviewer")),
        "consent_override_by": rhi.consent_override_by,
    }


def interview_staff(rhi: ReturnHomeInterview) -> QuerySet[User]:
    """Who may be named as the interviewer: active RHI workers and team managers of the RHI's provider."""
    return (
        User.objects.filter(
            memberships__organisation_id=rhi.provider_id,
            memberships__role__in=[Role.RHI_WORKER, Role.TEAM_MANAGER],
            is_active=True,
            api_client__isnull=True,  # partner systems' service users are not interviewers
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@dataclass(frozen=True)
class ReportDraft:
    """The written report as it stands, for the findings page to start from."""

    interview: Interview | None
    risks: list[RiskIndicatorFinding]
    locations: list[Location]
    associates: list[Associate]


def report_draft(rhi: ReturnHomeInterview) -> ReportDraft:
    return ReportDraft(
        interview=Interview.objects.filter(rhi=rhi).first(),
        risks=list(rhi.risk_indicators.all()),
        locations=list(rhi.locations.order_by("pk")),
        associates=list(rhi.associates.order_by("pk")),
    )


def rhi_version(rhi_id: int) -> int:
    """The RHI's version as saved now (after a background save, for the page's next one)."""
    return ReturnHomeInterview.objects.values_list("version", flat=True).get(pk=rhi_id)
