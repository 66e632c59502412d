"""Deterministic demo data (``manage.py seed_demo``): the fixed demo logins live here, the generator beside it.

``DEMO_USERS`` is the contract other tests, the README and docs/demo-data.md rely on; it imports no models
so that anything may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "Demo-Password-2026"  # noqa: S105 - published demo password, by design
# A fixed salt makes the one password hash (and so the whole data set) identical run to run. 22 characters
# from Django's alphabet carry >128 bits, so Django never asks to re-hash it on first sign-in.
DEMO_PASSWORD_SALT = "rhiDemoFixedSalt2026ab"  # noqa: S105 - a salt, not a secret


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # accounts.models.Role value; None for the support superuser
    organisation: str | None  # organisation name
    team: str | None
    description: str  # for the README table
    is_superuser: bool = False
    is_staff: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@demo.invalid"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "worker",
        "Priya",
        "Sandhu",
        "rhi_worker",
        "Safe Return Partnership",
        "Black Country team",
        "RHI worker (Safe Return Partnership, commissioned by Sandwell and Walsall)",
    ),
    DemoUser(
        "worker2",
        "Tom",
        "Fletcher",
        "rhi_worker",
        "Safe Return Partnership",
        "Black Country team",
        "RHI worker (same team)",
    ),
    DemoUser(
        "manager",
        "Grace",
        "Okafor",
        "team_manager",
        "Safe Return Partnership",
        "Black Country team",
        "Team manager (Safe Return Partnership)",
    ),
    DemoUser(
        "la.worker",
        "Daniel",
        "Hughes",
        "rhi_worker",
        "Birmingham",
        "Missing Children Team",
        "RHI worker (Birmingham in-house team)",
    ),
    DemoUser(
        "la.manager",
        "Sarah",
        "Begum",
        "team_manager",
        "Birmingham",
        "Missing Children Team",
        "Team manager (Birmingham in-house team)",
    ),
    DemoUser(
        "performance",
        "Mark",
        "Ellis",
        "performance_lead",
        "Birmingham",
        None,
        "Performance lead (Birmingham)",
    ),
    DemoUser(
        "police",
        "Helen",
        "Price",
        "police",
        "West Midlands Police",
        None,
        "Police missing-person coordinator (West Midlands Police)",
    ),
    DemoUser(
        "partner",
        "Rachel",
        "Turner",
        "partner_viewer",
        "Staffordshire",
        None,
        "Partner viewer (Staffordshire, a placing authority)",
    ),
    DemoUser(
        "orgadmin",
        "Neil",
        "Carter",
        "org_admin",
        "Safe Return Partnership",
        None,
        "Organisation administrator (Safe Return Partnership)",
    ),
    DemoUser(
        "la.orgadmin",
        "Aisha",
        "Rahman",
        "org_admin",
        "Birmingham",
        None,
        "Organisation administrator (Birmingham: users, teams, roles and clock policies)",
    ),
    DemoUser(
        "admin",
        "Support",
        "Admin",
        None,
        None,
        None,
        "Support staff (Django admin, no case role)",
        is_superuser=True,
        is_staff=True,
    ),
)
DEMO_USERS_BY_USERNAME: dict[str, DemoUser] = {user.username: user for user in DEMO_USERS}
SIZE_NAMES: tuple[str, ...] = ("small", "large", "national")


def readme_logins_table() -> str:
    """The ``| role | username | password |`` table for the README and docs/demo-data.md."""
    lines = ["| role | username | password |", "|---|---|---|"]
    lines += [f"| {u.description} | `{u.username}` | `{DEMO_PASSWORD}` |" for u in DEMO_USERS]
    return "\n".join(lines)
