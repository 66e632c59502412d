"""Reads about RHIs and clock policies."""

from __future__ import annotations

from datetime import date

from accounts.models import Organisation
from rhi.clock import ClockRules
from rhi.models import ClockPolicy


def clock_rules_for_policy(policy: ClockPolicy) -> ClockRules:
    """The one translation from a stored policy to the clock module's rules (and so to an RHI's snapshot)."""
    return ClockRules(
        basis=policy.basis,
        complete_unit=policy.complete_unit,
        complete_length=policy.complete_length,
        contact_unit=policy.contact_unit or None,
        contact_length=policy.contact_length if policy.contact_unit else None,
        nation=policy.nation,
        closure_days=frozenset(date.fromisoformat(str(d)) for d in policy.closure_days or []),
        due_soon_hours=policy.due_soon_hours,
    )


def policy_in_force(*, local_authority: Organisation, on: date) -> ClockPolicy | None:
    """The LA's policy effective on ``on``: the latest whose effective date is not after it."""
    return (
        ClockPolicy.objects.filter(local_authority=local_authority, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
