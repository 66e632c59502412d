"""One function per model that builds a demo row and guarantees the domain's rules for it.

Every row the seeder writes goes through here, so the database CHECK constraints (and the ``clean()`` rules
that mirror them) hold by construction; a violation is a generator bug and fails loudly, before the
database sees it. Times must also not lie after the data set's "now" (the anchor's midday).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from .writer import DemoDataError, Row

LA_CODE = re.compile(r"^[0-9]{3}$")
POLICE_CODE = re.compile(r"^[EWSN][0-9]{8}$")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DemoDataError(message)


class Rows:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def _past(self, *values: datetime | None) -> None:
        for value in values:
            if value is not None and value > self.now:
                raise DemoDataError(
                    f"{value.isoformat()} is after the data set's now ({self.now.isoformat()})"
                )

    # -- accounts --------------------------------------------------------------------------------------

    def organisation(
        self, *, id: int, name: str, kind: str, code: str, nation: str = "ENG", **extra: Any
    ) -> Row:
        if kind == "local_authority":
            _require(bool(LA_CODE.match(code)), f"LA code {code!r} is not three digits")
        if kind == "police_force":
            _require(bool(POLICE_CODE.match(code)), f"police force code {code!r} is not an ONS code")
        return {"id": id, "name": name, "kind": kind, "code": code, "nation": nation, **extra}

    def team(self, *, id: int, organisation_id: int, name: str) -> Row:
        return {"id": id, "organisation_id": organisation_id, "name": name}

    def user(
        self,
        *,
        id: int,
        username: str,
        password: str,
        first_name: str,
        last_name: str,
        organisation_id: int | None,
        date_joined: datetime,
        job_title: str = "",
        is_superuser: bool = False,
        is_staff: bool = False,
    ) -> Row:
        self._past(date_joined)
        return {
            "id": id,
            "username": username,
            "password": password,
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.invalid",
            "organisation_id": organisation_id,
            "date_joined": date_joined,
            "job_title": job_title,
            "is_superuser": is_superuser,
            "is_staff": is_staff,
            "is_active": True,
        }

    def membership(
        self, *, id: int, user_id: int, organisation_id: int, team_id: int | None, role: str
    ) -> Row:
        return {
            "id": id,
            "user_id": user_id,
            "organisation_id": organisation_id,
            "team_id": team_id,
            "role": role,
        }

    def commission(self, *, id: int, local_authority_id: int, provider_id: int, starts_on: date) -> Row:
        return {
            "id": id,
            "local_authority_id": local_authority_id,
            "provider_id": provider_id,
            "starts_on": starts_on,
            "ends_on": None,
        }

    def clock_policy(
        self,
        *,
        id: int,
        local_authority_id: int,
        effective_from: date,
        basis: str,
        complete_unit: str,
        complete_length: int,
        contact_unit: str,
        contact_length: int | None,
        nation: str,
        closure_days: list[str],
        due_soon_hours: int,
        repeat_rule: str,
        created_at: datetime,
    ) -> Row:
        _require(complete_length >= 1, "complete length must be at least 1")
        _require(bool(contact_unit) == (contact_length is not None), "contact unit and length go together")
        _require(contact_length is None or contact_length >= 1, "contact length must be at least 1")
        self._past(created_at)
        return {
            "id": id,
            "local_authority_id": local_authority_id,
            "effective_from": effective_from,
            "basis": basis,
            "complete_unit": complete_unit,
            "complete_length": complete_length,
            "contact_unit": contact_unit,
            "contact_length": contact_length,
            "nation": nation,
            "closure_days": closure_days,
            "due_soon_hours": due_soon_hours,
            "repeat_rule": repeat_rule,
            "created_at": created_at,
            "created_by_id": None,
        }

    # -- children ----------------------------------------------------------------------------------------

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
        social_worker_email: str,
        social_worker_phone: str,
        social_work_team: str,
        created_at: datetime,
        updated_at: datetime,
    ) -> Row:
        _require(bool(la_child_id), "a child needs an LA child id")
        _require(date_of_birth <= self.now.date(), "date of birth in the future")
        _require(
            legal_status_since is None or legal_status_since >= date_of_birth,
            "legal status starts before birth",
        )
        _require(created_at <= updated_at, "child updated before created")
        self._past(created_at, updated_at)
        return {
            "id": id,
            "responsible_la_id": responsible_la_id,
            "la_child_id": la_child_id,
            "upn": "",
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
        _require(end_date is None or end_date >= start_date, "placement ends before it starts")
        _require(start_date <= self.now.date(), "placement starts in the future")
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
        _require(bool(reason), "a flag needs a reason")
        _require(removed_at is None or removed_at >= set_at, "flag removed before it was set")
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
        _require(child_a_id < child_b_id, "possible duplicate pairs are ordered (a < b)")
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
    ) -> Row:
        _require(returned_at is None or returned_at >= missing_at, "return before the child went missing")
        _require(reported_at is None or reported_at >= missing_at, "reported before the child went missing")
        _require(
            safe_and_well_at is None or (returned_at is not None and safe_and_well_at >= returned_at),
            "safe and well check before the return",
        )
        _require(not police_reference or police_force_id is not None, "a police reference needs its force")
        _require(created_at <= updated_at, "episode updated before created")
        self._past(missing_at, reported_at, returned_at, police_notified_at, safe_and_well_at, updated_at)
        return {
            "id": id,
            "child_id": child_id,
            "responsible_la_id": responsible_la_id,
            "category": category,
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

    # -- RHIs --------------------------------------------------------------------------------------------

    def rhi(self, row: Row) -> Row:
        """The RHI row is assembled field by field by the lifecycle replay; this checks the whole of it."""
        outcome, state = row["outcome"], row["state"]
        if outcome == "declined":
            _require(
                bool(row["decline_reason"]) and bool(row["declined_by"]), "decline without reason or who"
            )
        if outcome == "not_offered":
            _require(bool(row["not_offered_reason"]), "not offered without a reason")
        if outcome == "superseded":
            _require(row["superseded_by_id"] is not None, "superseded without its successor")
        if row["share_without_consent"]:
            _require(bool(row["consent_override_justification"]), "consent override without justification")
        if row["approved_by_id"] is not None:
            _require(
                row["approved_by_id"] != row["submitted_by_id"], "approved by the person who submitted it"
            )
        if state == "approved":
            _require(
                None not in (row["approved_by_id"], row["approved_at"], row["submitted_by_id"]),
                "approved without approver, time or submitter",
            )
        if row["due_at"] is not None:
            _require(
                row["clock_started_at"] is not None and row["due_at"] >= row["clock_started_at"],
                "due before the clock started",
            )
        _require(row["allocated_worker_id"] is None or state != "unallocated", "allocated but 'unallocated'")
        _require(row["version"] >= 1, "version must be positive")
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
        _require(from_state != to_state, f"transition {from_state} → {to_state} changes nothing")
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
        _require(recorded_at >= attempted_at, "contact recorded before it happened")
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
        _require(
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
        _require(bool(description), "a location needs a description")
        _require(from_at is None or to_at is None or to_at >= from_at, "location left before arriving")
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
        _require(bool(name), "an associate needs a name or nickname")
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
        _require(decision != "returned" or bool(comments), "a report returned for changes needs comments")
        self._past(decided_at)
        return {
            "id": id,
            "rhi_id": rhi_id,
            "reviewer_id": reviewer_id,
            "decision": decision,
            "comments": comments,
            "decided_at": decided_at,
        }

    # -- referrals and sharing ---------------------------------------------------------------------------

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
        _require(bool(reason), "a referral needs a reason")
        _require(
            acknowledged_at is None or (sent_at is not None and acknowledged_at >= sent_at),
            "referral acknowledged before it was sent",
        )
        _require(
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
        _require(
            rhi_id is not None or episode_id is not None, "a disclosure must be about an RHI or an episode"
        )
        _require(
            consent_state not in ("refused_overridden", "not_sought") or bool(override_justification),
            "sharing without consent needs a justification",
        )
        _require(level == "notification" or rhi_id is not None, "report levels need an RHI")
        _require(acknowledged_at is None or acknowledged_at >= shared_at, "acknowledged before shared")
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
