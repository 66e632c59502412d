"""Row builders: Follow-up referrals and disclosures."""

from __future__ import annotations

from datetime import datetime

from demo.rows.base import RowsBase, require
from demo.writer import Row


class SharingRows(RowsBase):
    def referral(
        self,
        *,
        id: int,
        rhi_id: int,
        service: str,
        recipient_organisation_id: int | None,
        recipient_name: str,
        reason: str,
        risk_indicators: list[str],
        sent_at: datetime | None,
        acknowledgement_due_at: datetime | None,
        acknowledged_at: datetime | None,
        acknowledged_by_name: str,
        outcome: str,
        outcome_notes: str,
        created_by_id: int,
        created_at: datetime,
        updated_at: datetime,
    ) -> Row:
        require(bool(reason), "a referral needs a reason")
        require(
            acknowledged_at is None or (sent_at is not None and acknowledged_at >= sent_at),
            "referral acknowledged before it was sent",
        )
        require(
            acknowledgement_due_at is None or (sent_at is not None and acknowledgement_due_at >= sent_at),
            "acknowledgement due before the referral was sent",
        )
        self._past(sent_at, acknowledged_at, created_at, updated_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "service": service,
            "recipient_organisation_id": recipient_organisation_id,
            "recipient_name": recipient_name,
            "reason": reason,
            "risk_indicators": risk_indicators,
            "sent_at": sent_at,
            "acknowledgement_due_at": acknowledgement_due_at,
            "acknowledged_at": acknowledged_at,
            "acknowledged_by_name": acknowledged_by_name,
            "outcome": outcome,
            "outcome_notes": outcome_notes,
            "created_by_id": created_by_id,
            "created_at": created_at,
            "updated_at": updated_at,
        }

    def disclosure(
        self,
        *,
        id: int,
        child_id: int,
        rhi_id: int | None,
        episode_id: int | None,
        level: str,
        recipient_organisation_id: int,
        shared_at: datetime,
        shared_by_id: int | None,
        lawful_basis: str,
        consent_state: str,
        override_justification: str,
        acknowledgement_due_at: datetime | None,
        acknowledged_at: datetime | None,
        acknowledged_by_id: int | None,
    ) -> Row:
        require(
            rhi_id is not None or episode_id is not None, "a disclosure must be about an RHI or an episode"
        )
        require(
            consent_state not in ("refused_overridden", "not_sought") or bool(override_justification),
            "sharing without consent needs a justification",
        )
        require(level == "notification" or rhi_id is not None, "report levels need an RHI")
        require(acknowledged_at is None or acknowledged_at >= shared_at, "acknowledged before shared")
        self._past(shared_at, acknowledged_at)
        return {
            "id": id,
            "child_id": child_id,
            "rhi_id": rhi_id,
            "episode_id": episode_id,
            "level": level,
            "recipient_organisation_id": recipient_organisation_id,
            "shared_at": shared_at,
            "shared_by_id": shared_by_id,
            "lawful_basis": lawful_basis,
            "consent_state": consent_state,
            "override_justification": override_justification,
            "acknowledgement_due_at": acknowledgement_due_at,
            "acknowledged_at": acknowledged_at,
            "acknowledged_by_id": acknowledged_by_id,
            "revoked_at": None,
            "revoked_by_id": None,
            "revoke_reason": "",
        }
