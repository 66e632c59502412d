"""Row builders: RHIs and their records: episodes linked, state transitions, contact attempts, the interview and its findings, reviews."""

from __future__ import annotations

from datetime import datetime

from demo.rows.base import RowsBase, require
from demo.writer import Row


class RHIRows(RowsBase):
    def rhi(self, row: Row) -> Row:
        """The RHI row is assembled field by field by the lifecycle replay; this checks the whole of it."""
        outcome, state = row["outcome"], row["state"]
        if outcome == "declined":
            require(bool(row["decline_reason"]) and bool(row["declined_by"]), "decline without reason or who")
        if outcome == "not_offered":
            require(bool(row["not_offered_reason"]), "not offered without a reason")
        if outcome == "superseded":
            require(row["superseded_by_id"] is not None, "superseded without its successor")
        if row["share_without_consent"]:
            require(bool(row["consent_override_justification"]), "consent override without justification")
        if row["approved_by_id"] is not None:
            require(
                row["approved_by_id"] != row["submitted_by_id"], "approved by the person who submitted it"
            )
        if state == "approved":
            require(
                None not in (row["approved_by_id"], row["approved_at"], row["submitted_by_id"]),
                "approved without approver, time or submitter",
            )
        if row["due_at"] is not None:
            require(
                row["clock_started_at"] is not None and row["due_at"] >= row["clock_started_at"],
                "due before the clock started",
            )
        require(row["allocated_worker_id"] is None or state != "unallocated", "allocated but 'unallocated'")
        require(row["version"] >= 1, "version must be positive")
        self._past(
            row["created_at"],
            row["updated_at"],
            row["state_changed_at"],
            row["offered_at"],
            row["outcome_recorded_at"],
            row["submitted_at"],
            row["approved_at"],
            row["allocated_at"],
        )
        return row

    def rhi_episode(self, *, id: int, rhi_id: int, episode_id: int, counts: bool, linked_at: datetime) -> Row:
        self._past(linked_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "episode_id": episode_id,
            "counts_for_timeliness": counts,
            "linked_at": linked_at,
        }

    def transition(
        self,
        *,
        id: int,
        rhi_id: int,
        from_state: str,
        to_state: str,
        at: datetime,
        by_id: int | None,
        note: str = "",
    ) -> Row:
        require(from_state != to_state, f"transition {from_state} → {to_state} changes nothing")
        self._past(at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "from_state": from_state,
            "to_state": to_state,
            "at": at,
            "by_id": by_id,
            "note": note,
        }

    def contact_attempt(
        self,
        *,
        id: int,
        rhi_id: int,
        attempted_at: datetime,
        method: str,
        contact_with: str,
        outcome: str,
        recorded_by_id: int,
        recorded_at: datetime,
        notes: str = "",
    ) -> Row:
        require(recorded_at >= attempted_at, "contact recorded before it happened")
        self._past(attempted_at, recorded_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "attempted_at": attempted_at,
            "method": method,
            "contact_with": contact_with,
            "outcome": outcome,
            "notes": notes,
            "recorded_by_id": recorded_by_id,
            "recorded_at": recorded_at,
        }

    def interview(self, row: Row) -> Row:
        require(
            row["interviewer_id"] is not None or bool(row["interviewer_name"]),
            "interview without interviewer",
        )
        self._past(row["held_at"], row["updated_at"])
        return row

    def risk_indicator(self, *, id: int, rhi_id: int, indicator: str, notes: str = "") -> Row:
        return {"id": id, "rhi_id": rhi_id, "indicator": indicator, "notes": notes}

    def location(
        self,
        *,
        id: int,
        rhi_id: int,
        description: str,
        place_type: str,
        town: str,
        postcode: str,
        latitude: str | None,
        longitude: str | None,
        from_at: datetime | None,
        to_at: datetime | None,
    ) -> Row:
        require(bool(description), "a location needs a description")
        require(from_at is None or to_at is None or to_at >= from_at, "location left before arriving")
        self._past(from_at, to_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "description": description,
            "place_type": place_type,
            "town": town,
            "postcode": postcode,
            "latitude": latitude,
            "longitude": longitude,
            "from_at": from_at,
            "to_at": to_at,
        }

    def associate(
        self,
        *,
        id: int,
        rhi_id: int,
        name: str,
        approximate_age: int | None,
        relationship: str,
        vehicle: str,
        notes: str = "",
    ) -> Row:
        require(bool(name), "an associate needs a name or nickname")
        return {
            "id": id,
            "rhi_id": rhi_id,
            "name": name,
            "approximate_age": approximate_age,
            "is_adult": None if approximate_age is None else approximate_age >= 18,
            "relationship": relationship,
            "vehicle": vehicle,
            "notes": notes,
        }

    def review(
        self, *, id: int, rhi_id: int, reviewer_id: int, decision: str, comments: str, decided_at: datetime
    ) -> Row:
        require(decision != "returned" or bool(comments), "a report returned for changes needs comments")
        self._past(decided_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "reviewer_id": reviewer_id,
            "decision": decision,
            "comments": comments,
            "decided_at": decided_at,
        }
