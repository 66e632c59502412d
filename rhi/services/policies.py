"""Saving versions of an LA's clock policy (effective-dated; history is never rewritten)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.clock_policies import can_manage_policies
from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed
from rhi.models import ClockPolicy
from rhi.services.deadlines import apply_policy_to_open_rhis

POLICY_FIELDS = (
    "basis",
    "complete_unit",
    "complete_length",
    "contact_unit",
    "contact_length",
    "nation",
    "due_soon_hours",
    "repeat_rule",
    "closure_days",
)


def save_clock_policy(
    *,
    local_authority: Organisation,
    by: User,
    effective_from: date,
    apply_to_open: bool = False,
    **fields: Any,
) -> tuple[ClockPolicy, int]:
    """Record a version of an LA's clock policy from ``effective_from``. A version that starts on the same
    future date and no RHI uses yet is replaced; history is never rewritten. Returns (policy, RHIs corrected)."""
    if not can_manage_policies(by, local_authority.pk):
        raise ActionNotAllowed("Only the local authority's administrators can change its clock policy.")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown policy fields: {sorted(unknown)}")
    # Durable: the version is committed before any open RHI is moved onto it (those batches commit separately).
    with transaction.atomic(durable=True):
        policy = (
            ClockPolicy.objects.select_for_update()
            .filter(local_authority=local_authority, effective_from=effective_from)
            .first()
        )
        if policy is not None and policy.rhis.exists():
            raise ValidationError(
                {"effective_from": "A policy already in use starts on this date. Choose a later date."}
            )
        policy = policy or ClockPolicy(local_authority=local_authority, effective_from=effective_from)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.created_by = by
        policy.created_at = timezone.now()
        policy.full_clean()
        policy.save()
        record_event(
            actor=by, action=AuditAction.UPDATE, obj=policy, detail={"effective_from": str(effective_from)}
        )
    corrected = apply_policy_to_open_rhis(policy=policy, by=by) if apply_to_open else 0
    return policy, corrected
