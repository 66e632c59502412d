"""The typed world the navigation and home page tests share (built by tests/home/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User


@dataclass(frozen=True)
class People:
    provider_worker: User
    provider_manager: User
    in_house_worker: User
    performance_lead: User
    police: User
    partner_viewer: User
    la_admin: User
    provider_admin: User
    support: User
    no_role: User

    def by_name(self) -> dict[str, User]:
        return dict(vars(self))
