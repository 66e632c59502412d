"""Frozen means frozen: an RHI approved in this service, its interview and its findings are never changed or
deleted again, by anyone (docs/rhi-states.md, "Approved reports are frozen").

The database enforces it on PostgreSQL (migration rhi/0005_approved_report_frozen: triggers refuse UPDATE of
these columns and DELETE of the RHI, and UPDATE/DELETE of the rows in FROZEN_TABLES); this module states the
same rule for the code that must show it (the admin's read-only pages). History imported from a council's
old system (source "import") is corrected by importing it again, so it is not frozen
(docs/decisions/0006-imported-history.md)."""

from __future__ import annotations

from rhi.models import RecordSource, ReturnHomeInterview, RHIState

# The report's content and who signed it off. Deadlines (corrected when an episode's return time is) and
# bookkeeping (team, allocation, version) may still move; nothing the report says may.
FROZEN_RHI_COLUMNS: tuple[str, ...] = (
    "state",
    "source",
    "child_id",
    "local_authority_id",
    "provider_id",
    "offered_at",
    "offered_to",
    "offer_method",
    "outcome",
    "outcome_recorded_at",
    "declined_by",
    "decline_reason",
    "decline_reason_text",
    "not_offered_reason",
    "not_offered_text",
    "consent_to_share",
    "share_without_consent",
    "consent_override_justification",
    "consent_override_by_id",
    "submitted_at",
    "submitted_by_id",
    "approved_at",
    "approved_by_id",
)
# The interview and findings: rows of these tables belonging to a frozen RHI are never updated or deleted.
FROZEN_TABLES: tuple[str, ...] = (
    "rhi_interview",
    "rhi_riskindicatorfinding",
    "rhi_location",
    "rhi_associate",
    "rhi_contactattempt",
)


def is_frozen(rhi: ReturnHomeInterview) -> bool:
    return rhi.state == RHIState.APPROVED and rhi.source != RecordSource.IMPORT
