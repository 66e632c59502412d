"""Row builders: Children, their placements, flags and possible duplicates, and missing episodes."""

from __future__ import annotations

from datetime import date, datetime

from demo.rows.base import RowsBase, require
from demo.writer import Row


class CaseRows(RowsBase):
    def child(
        self,
        *,
        id: int,
        responsible_la_id: int,
        la_child_id: str,
        first_name: str,
        last_name: str,
        known_as: str,
        date_of_birth: date,
        gender: str,
        ethnicity: str,
        has_disability: bool,
        is_uasc: bool,
        legal_status: str,
        legal_status_since: date | None,
        social_worker_name: str,
        upn: str = "",
        social_worker_email: str,
        social_worker_phone: str,
        social_work_team: str,
        created_at: datetime,
        updated_at: datetime,
        provisional: bool = False,
    ) -> Row:
        # Only a provisional child (a police notification without the council's id) has none.
        require(bool(la_child_id) != provisional, "a child needs an LA child id unless provisional")
        require(date_of_birth <= self.now.date(), "date of birth in the future")
        require(
            legal_status_since is None or legal_status_since >= date_of_birth,
            "legal status starts before birth",
        )
        require(created_at <= updated_at, "child updated before created")
        self._past(created_at, updated_at)
        return {
            "id": id,
            "responsible_la_id": responsible_la_id,
            "la_child_id": la_child_id,
            "upn": upn,
            "first_name": first_name,
            "last_name": last_name,
            "known_as": known_as,
            "date_of_birth": date_of_birth,
            "gender": gender,
            "ethnicity": ethnicity,
            "has_disability": has_disability,
            "is_uasc": is_uasc,
            "legal_status": legal_status,
            "legal_status_since": legal_status_since,
            "social_worker_name": social_worker_name,
            "social_worker_email": social_worker_email,
            "social_worker_phone": social_worker_phone,
            "social_work_team": social_work_team,
            "created_at": created_at,
            "updated_at": updated_at,
        }

    def care_period(
        self, *, id: int, child_id: int, start_date: date, end_date: date | None, legal_status: str
    ) -> Row:
        require(end_date is None or end_date > start_date, "care ceases before it starts")
        require((end_date or start_date) <= self.now.date(), "care period dated in the future")
        return {
            "id": id,
            "child_id": child_id,
            "start_date": start_date,
            "end_date": end_date,
            "legal_status": legal_status,
            "recorded_by_id": None,
            "source": "demo",
            "created_at": self.now,
            "updated_at": self.now,
        }

    def placement(
        self,
        *,
        id: int,
        child_id: int,
        placement_type: str,
        provider_name: str,
        postcode: str,
        host_la_id: int,
        police_force_area_id: int | None,
        start_date: date,
        end_date: date | None,
        host_la_notified_at: datetime | None,
        host_police_notified_at: datetime | None,
    ) -> Row:
        require(end_date is None or end_date >= start_date, "placement ends before it starts")
        require(start_date <= self.now.date(), "placement starts in the future")
        self._past(host_la_notified_at, host_police_notified_at)
        return {
            "id": id,
            "child_id": child_id,
            "placement_type": placement_type,
            "provider_name": provider_name,
            "postcode": postcode,
            "host_la_id": host_la_id,
            "police_force_area_id": police_force_area_id,
            "start_date": start_date,
            "end_date": end_date,
            "host_la_notified_at": host_la_notified_at,
            "host_police_notified_at": host_police_notified_at,
        }

    def child_flag(
        self,
        *,
        id: int,
        child_id: int,
        kind: str,
        reason: str,
        set_by_id: int,
        set_at: datetime,
        review_on: date,
        removed_at: datetime | None,
        removed_by_id: int | None,
    ) -> Row:
        require(bool(reason), "a flag needs a reason")
        require(removed_at is None or removed_at >= set_at, "flag removed before it was set")
        self._past(set_at, removed_at)
        return {
            "id": id,
            "child_id": child_id,
            "kind": kind,
            "reason": reason,
            "set_by_id": set_by_id,
            "set_at": set_at,
            "review_on": review_on,
            "removed_at": removed_at,
            "removed_by_id": removed_by_id,
        }

    def possible_duplicate(
        self,
        *,
        id: int,
        child_a_id: int,
        child_b_id: int,
        reason: str,
        status: str,
        found_at: datetime,
        resolved_by_id: int | None,
        resolved_at: datetime | None,
    ) -> Row:
        require(child_a_id < child_b_id, "possible duplicate pairs are ordered (a < b)")
        self._past(found_at, resolved_at)
        return {
            "id": id,
            "child_a_id": child_a_id,
            "child_b_id": child_b_id,
            "reason": reason,
            "status": status,
            "found_at": found_at,
            "resolved_by_id": resolved_by_id,
            "resolved_at": resolved_at,
        }

    def episode(
        self,
        *,
        id: int,
        child_id: int,
        responsible_la_id: int,
        category: str,
        risk_level: str,
        missing_from: str,
        missing_at: datetime,
        reported_at: datetime | None,
        police_force_id: int | None,
        police_reference: str,
        returned_at: datetime | None,
        return_method: str,
        found_location: str,
        police_notified_at: datetime | None,
        safe_and_well_at: datetime | None,
        safe_and_well_by: str,
        placement_id: int | None,
        host_la_id: int | None,
        was_out_of_area: bool | None,
        created_at: datetime,
        updated_at: datetime,
        category_in_returns: str = "",
    ) -> Row:
        require(returned_at is None or returned_at >= missing_at, "return before the child went missing")
        require(reported_at is None or reported_at >= missing_at, "reported before the child went missing")
        require(
            safe_and_well_at is None or (returned_at is not None and safe_and_well_at >= returned_at),
            "safe and well check before the return",
        )
        require(not police_reference or police_force_id is not None, "a police reference needs its force")
        require(created_at <= updated_at, "episode updated before created")
        self._past(missing_at, reported_at, returned_at, police_notified_at, safe_and_well_at, updated_at)
        return {
            "id": id,
            "child_id": child_id,
            "responsible_la_id": responsible_la_id,
            "category": category,
            "category_in_returns": category_in_returns,
            "risk_level": risk_level,
            "missing_from": missing_from,
            "missing_at": missing_at,
            "reported_at": reported_at,
            "police_force_id": police_force_id,
            "police_reference": police_reference,
            "returned_at": returned_at,
            "return_method": return_method,
            "found_location": found_location,
            "police_notified_at": police_notified_at,
            "safe_and_well_at": safe_and_well_at,
            "safe_and_well_by": safe_and_well_by,
            "placement_id": placement_id,
            "host_la_id": host_la_id,
            "was_out_of_area": was_out_of_area,
            "source": "demo",
            "created_at": created_at,
            "updated_at": updated_at,
        }

    def episode_change(
        self,
        *,
        id: int,
        episode_id: int,
        field: str,
        old_value: str,
        new_value: str,
        changed_at: datetime,
        recorded_at: datetime,
    ) -> Row:
        """A reclassification or re-graded risk, as ``missing_episodes.episode_changes.record_changes`` keeps it
        (a police spreadsheet's: recorded by no one)."""
        require(old_value != new_value, "a change must change the value")
        require(changed_at <= recorded_at, "a change recorded before it was made")
        self._past(changed_at, recorded_at)
        return {
            "id": id,
            "episode_id": episode_id,
            "field": field,
            "old_value": old_value,
            "new_value": new_value,
            "changed_at": changed_at,
            "recorded_at": recorded_at,
            "recorded_by_id": None,
            "source": "demo",
        }
