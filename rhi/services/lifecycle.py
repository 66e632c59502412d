"""The RHI lifecycle: every state change is one function here that checks the source state and the version
the user saw, records who and when (StateTransition) and writes an audit event (docs/rhi-states.md)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from rhi.models import ReturnHomeInterview, RHIState, StateTransition


class TransitionError(Exception):
    """The RHI is not in a state this step can start from."""


class StaleVersionError(Exception):
    """Someone else saved the RHI since this user loaded it: refuse rather than overwrite."""


class ActionNotAllowed(Exception):
    """The user may see the RHI but may not take this step (the view answers 403 or a form error)."""


# docs/rhi-states.md draws these; every state change goes through ``_move``.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    RHIState.UNALLOCATED: frozenset({RHIState.ALLOCATED, RHIState.SUPERSEDED, RHIState.CANCELLED}),
    RHIState.ALLOCATED: frozenset(
        {RHIState.CONTACTING, RHIState.OFFERED, RHIState.NOT_OFFERED, RHIState.SUPERSEDED, RHIState.CANCELLED}
    ),
    RHIState.CONTACTING: frozenset(
        {RHIState.OFFERED, RHIState.UNABLE_TO_CONTACT, RHIState.NOT_OFFERED, RHIState.SUPERSEDED}
    ),
    RHIState.OFFERED: frozenset(
        {RHIState.ACCEPTED, RHIState.DECLINED, RHIState.DRAFTING, RHIState.SUPERSEDED}
    ),
    RHIState.ACCEPTED: frozenset({RHIState.DRAFTING, RHIState.DECLINED}),
    RHIState.DRAFTING: frozenset({RHIState.SUBMITTED}),
    RHIState.SUBMITTED: frozenset({RHIState.APPROVED, RHIState.RETURNED}),
    RHIState.RETURNED: frozenset({RHIState.SUBMITTED}),
}


def _move(rhi: ReturnHomeInterview, *, to: str, by: User | None, now: datetime, note: str = "") -> None:
    if to not in ALLOWED_TRANSITIONS.get(rhi.state, frozenset()):
        raise TransitionError(
            f"An RHI that is {RHIState(rhi.state).label.lower()} cannot move to {RHIState(to).label.lower()}."
        )
    StateTransition.objects.create(rhi=rhi, from_state=rhi.state, to_state=to, at=now, by=by, note=note)
    rhi.state = to
    rhi.state_changed_at = now


def _lock(rhi_id: int, expected_version: int | None) -> ReturnHomeInterview:
    locked = ReturnHomeInterview.objects.select_for_update().select_related("provider").get(pk=rhi_id)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            "This RHI was changed by someone else after you opened it. Reload it and try again."
        )
    return locked


@transaction.atomic
def allocate_rhi(
    *, rhi_id: int, worker: User, by: User, expected_version: int | None = None
) -> ReturnHomeInterview:
    """Allocate (or reallocate) an open RHI to an RHI worker of its provider."""
    from sharing.policy import can_allocate

    rhi = _lock(rhi_id, expected_version)
    if not rhi.is_open:
        raise TransitionError("A closed RHI cannot be allocated.")
    if not can_allocate(by, rhi, worker):
        raise ActionNotAllowed("You cannot allocate this RHI to that worker.")
    now = timezone.now()
    if rhi.state == RHIState.UNALLOCATED:
        _move(rhi, to=RHIState.ALLOCATED, by=by, now=now)
    else:
        StateTransition.objects.create(
            rhi=rhi, from_state=rhi.state, to_state=rhi.state, at=now, by=by, note="Reallocated"
        )
    if rhi.team_id is None:
        membership = worker.memberships.filter(organisation_id=rhi.provider_id, team__isnull=False).first()
        rhi.team_id = membership.team_id if membership else None
    rhi.allocated_worker = worker
    rhi.allocated_at = now
    rhi.updated_at = now
    rhi.version += 1
    rhi.save()
    record_event(actor=by, action=AuditAction.UPDATE, obj=rhi, detail={"allocated_to": worker.pk})
    return rhi
