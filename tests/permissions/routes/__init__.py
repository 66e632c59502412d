"""Every route of the matrix, by app: ``MATRIX`` is the union the coverage tests check against the URL resolver."""

from __future__ import annotations

from tests.permissions.matrix import Route
from tests.permissions.routes import (
    accounts,
    api,
    audit,
    casenotes,
    missing_episodes,
    referrals,
    reporting,
    rhi,
    sharing,
)

BY_APP: dict[str, dict[str, Route]] = {
    "accounts": accounts.ROUTES,
    "rhi": rhi.ROUTES,
    "missing_episodes": missing_episodes.ROUTES,
    "referrals": referrals.ROUTES,
    "sharing": sharing.ROUTES,
    "audit": audit.ROUTES,
    "casenotes": casenotes.ROUTES,
    "reporting": reporting.ROUTES,
    "api": api.ROUTES,
}
MATRIX: dict[str, Route] = {name: route for routes in BY_APP.values() for name, route in routes.items()}
# Each route in exactly one app's module.
assert len(MATRIX) == sum(len(routes) for routes in BY_APP.values())
