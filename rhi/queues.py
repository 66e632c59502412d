"""Reads for the worker's and the manager's home pages: their own queues of open RHIs.

Each list is one query whatever the data size (the open-set partial indexes answer them), capped, and reads
only initials of the child's name: the full name is shown once a record is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Concat, Substr, Upper

from access.casework import visible_rhis
from access.memberships import managed_organisation_ids
from accounts.models import User
from rhi.clock import Deadlines
from rhi.models import OPEN_STATES, ReturnHomeInterview, RHIState
from rhi.selectors import FirstContact, first_contact, running_time_left, with_clock_state

QUEUE_LIMIT = 100
_ROW_FIELDS = (
    "pk",
    "initials",
    "state",
    "clock_state",
    "clock_started_at",
    "contact_due_at",
    "due_at",
    "state_changed_at",
    "local_authority__name",
)


@dataclass
class WorkerQueues:
    open_rhis: list[dict[str, Any]] = field(default_factory=list)
    contact_due: list[dict[str, Any]] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)
    returned: list[dict[str, Any]] = field(default_factory=list)


def _rows(queryset: QuerySet[ReturnHomeInterview], *, now: datetime, order: tuple[Any, ...]) -> list[dict]:
    rows = list(
        with_clock_state(queryset, now=now)
        .annotate(
            initials=Concat(
                Upper(Substr("child__first_name", 1, 1)),
                Upper(Substr("child__last_name", 1, 1)),
                output_field=CharField(),
            )
        )
        .order_by(*order)
        .values(*_ROW_FIELDS)[:QUEUE_LIMIT]
    )
    for row in rows:
        row["state_label"] = RHIState(row["state"]).label
        deadlines = Deadlines(
            start=row["clock_started_at"], contact_due=None, due=row["due_at"], due_soon=None
        )
        row["time_left"] = running_time_left(row["state"], deadlines, now)
        # The one rule for "first contact made" (as the RHI page and the sweep's alert).
        row["first_contact"] = first_contact(
            state=row["state"], contact_due_at=row["contact_due_at"], now=now
        )
        row["contact_overdue"] = row["first_contact"] == FirstContact.OVERDUE
    return rows


def worker_queues(user: User, *, now: datetime) -> WorkerQueues:
    """The allocated worker's open RHIs by time left, first contacts due, drafts and returned reports."""
    mine = visible_rhis(user).filter(allocated_worker=user, state__in=sorted(OPEN_STATES))
    by_deadline = (F("due_at").asc(nulls_last=True), "pk")
    all_open = _rows(mine, now=now, order=by_deadline)
    return WorkerQueues(
        open_rhis=all_open,
        # First contact not made yet: the first-contact clock (where the policy has one) orders them.
        contact_due=sorted(
            (row for row in all_open if row["first_contact"] in {FirstContact.AWAITED, FirstContact.OVERDUE}),
            key=lambda row: (row["contact_due_at"] is None, row["contact_due_at"] or now, row["pk"]),
        ),
        drafts=[row for row in all_open if row["state"] == RHIState.DRAFTING],
        returned=[row for row in all_open if row["state"] == RHIState.RETURNED],
    )


def awaiting_approval(user: User, *, now: datetime) -> list[dict[str, Any]]:
    """Reports submitted to the providers this user manages, oldest first; the user's own are left out
    (four eyes: nobody approves what they submitted)."""
    managed = managed_organisation_ids(user)
    if not managed:
        return []
    queryset = ReturnHomeInterview.objects.filter(provider_id__in=managed, state=RHIState.SUBMITTED).exclude(
        Q(submitted_by=user)
    )
    return _rows(queryset, now=now, order=("state_changed_at", "pk"))
