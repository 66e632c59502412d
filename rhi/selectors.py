"""Reads about RHIs and clock policies."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.expressions import Case, When

from accounts.models import Organisation
from rhi.clock import ClockRules, ClockState, Deadlines, closed_state, open_state
from rhi.models import CLOCK_RUNNING_STATES, ClockPolicy, ReturnHomeInterview


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


# ---------------------------------------------------------------------------------------------------------
# Clock state of stored RHIs. ``rhi_clock_state`` decides it for one RHI in Python, ``with_clock_state``
# for a queryset in SQL; both apply rhi.clock's boundaries (overdue once now > due; due soon from
# due_soon_at), and tests/rhi/test_clock_state.py checks they agree on every RHI.
# ---------------------------------------------------------------------------------------------------------


def rhi_deadlines(rhi: ReturnHomeInterview) -> Deadlines:
    return Deadlines(
        start=rhi.clock_started_at, contact_due=rhi.contact_due_at, due=rhi.due_at, due_soon=rhi.due_soon_at
    )


def rhi_clock_state(
    rhi: ReturnHomeInterview, *, now: datetime, interview_held_at: datetime | None
) -> ClockState:
    """Open and not yet interviewed: the running clock's state. Interviewed: met or missed. Otherwise (declined,
    not offered…): not applicable."""
    deadlines = rhi_deadlines(rhi)
    if rhi.state in CLOCK_RUNNING_STATES:
        return open_state(deadlines, now)
    if interview_held_at is not None:
        return closed_state(deadlines, interview_held_at)
    return ClockState.NOT_APPLICABLE


def with_clock_state(
    queryset: QuerySet[ReturnHomeInterview], *, now: datetime
) -> QuerySet[ReturnHomeInterview]:
    """Annotate ``clock_state`` (a ClockState value) in SQL, for lists and counts that must not load rows."""
    running = Q(state__in=sorted(CLOCK_RUNNING_STATES))
    return queryset.annotate(
        clock_state=Case(
            When(running & Q(due_at__isnull=True), then=Value(ClockState.NOT_STARTED.value)),
            When(running & Q(due_at__lt=now), then=Value(ClockState.OVERDUE.value)),
            When(running & Q(due_soon_at__lte=now), then=Value(ClockState.DUE_SOON.value)),
            When(running, then=Value(ClockState.ON_TRACK.value)),
            When(
                Q(
                    interview__held_at__isnull=False,
                    due_at__isnull=False,
                    interview__held_at__lte=F("due_at"),
                ),
                then=Value(ClockState.MET.value),
            ),
            When(
                Q(interview__held_at__isnull=False, due_at__isnull=False, interview__held_at__gt=F("due_at")),
                then=Value(ClockState.MISSED.value),
            ),
            default=Value(ClockState.NOT_APPLICABLE.value),
            output_field=CharField(),
        )
    )
