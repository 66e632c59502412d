"""Row builders: Organisations, teams, users, memberships, commissions and clock policies."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from demo.rows.base import RowsBase, require
from demo.writer import Row

LA_CODE = re.compile(r"^[0-9]{3}$")
POLICE_CODE = re.compile(r"^[EWSN][0-9]{8}$")


class AccountRows(RowsBase):
    def organisation(
        self, *, id: int, name: str, kind: str, code: str, nation: str = "ENG", **extra: Any
    ) -> Row:
        if kind == "local_authority":
            require(bool(LA_CODE.match(code)), f"LA code {code!r} is not three digits")
        if kind == "police_force":
            require(bool(POLICE_CODE.match(code)), f"police force code {code!r} is not an ONS code")
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
        require(complete_length >= 1, "complete length must be at least 1")
        require(bool(contact_unit) == (contact_length is not None), "contact unit and length go together")
        require(contact_length is None or contact_length >= 1, "contact length must be at least 1")
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
