"""The deadline sweep: find every threshold crossed and record each alert exactly once.

Beat schedules ``alerts.tasks.deadline_sweep`` every minute and ``manage.py deadline_sweep`` runs it by hand.
The database is the source of truth (docs/decisions/0002): candidates are claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent sweeps share the work instead of queueing behind each other,
and the partial unique constraints on ``DeadlineAlert`` make a second insert of the same (subject, kind) a
no-op — under duplicate delivery, two beats, a killed worker or a lost broker. Notifications are written in
the same transaction as their alert; emails are sent after commit by a task and retried without touching
the alert (alerts.emails).

The sweep reads RHIs, referrals and disclosures; none of those apps imports this one (they record deadlines,
the sweep notices them crossing), so alerts sit above them in the app graph (docs/architecture.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from alerts.emails import enqueue_emails, requeue_emails
from alerts.models import AlertKind, DeadlineAlert, SweepWatermark
from alerts.recording import Claim, Position, record_batch
from alerts.watermarks import advance, snapshot_xmin, watermarks
from core.enqueue import call_after_commit
from referrals.models import Referral, in_force
from rhi.models import CLOCK_RUNNING_STATES, ReturnHomeInterview
from rhi.selectors import first_contact_overdue_condition
from sharing.models import Disclosure

# Alerts claimed and recorded per transaction: one statement a batch on PostgreSQL (alerts.recording), so a
# bigger batch costs fewer round trips; small enough that a batch's locks and work stay short.
BATCH_SIZE = 10000
# Referrals and disclosures escalate while their acknowledgement is recently overdue. Older gaps (history
# brought in by an import, say) are data-quality findings for the returns, not alerts to wake people with.
ACKNOWLEDGEMENT_LOOKBACK = timedelta(days=30)


@dataclass
class SweepResult:
    sweep_id: uuid.UUID
    recorded: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    emails_enqueued: int = 0

    @property
    def total_recorded(self) -> int:
        return sum(self.recorded.values())


def _after(walked_field: str, position: Position | None) -> Q:
    """Rows after ``position`` in the claims' (deadline, id) order, so each batch reads only its own rows from
    the deadline's index instead of walking again past everything the batches before it claimed."""
    if position is None:
        return Q()
    walked, pk = position
    return Q(**{f"{walked_field}__gt": walked}) | Q(**{walked_field: walked, "pk__gt": pk})


def _alerted(kind: str, **subject: str) -> Exists:
    """Whether an alert of this kind exists for the outer row (``subject``: alert field → outer column)."""
    outer = {name: OuterRef(column) for name, column in subject.items()}
    return Exists(DeadlineAlert.objects.filter(kind=kind, **outer))


def _rhi_candidates(kind: str, now: datetime) -> QuerySet[ReturnHomeInterview]:
    base = ReturnHomeInterview.objects.filter(~_alerted(kind, rhi="pk"))
    if kind == AlertKind.DUE_SOON:
        # Past the deadline already (after an outage): the overdue alert says it; no stale "due soon".
        return base.filter(state__in=CLOCK_RUNNING_STATES, due_soon_at__lte=now, due_at__gte=now)
    if kind == AlertKind.OVERDUE:
        return base.filter(state__in=CLOCK_RUNNING_STATES, due_at__lt=now)
    if kind == AlertKind.CONTACT_OVERDUE:
        return base.filter(first_contact_overdue_condition(now))
    raise ValueError(kind)


# The instant each RHI claim walks in order: its deadline's partial index over the running clocks.
_RHI_ORDER: dict[str, str] = {
    AlertKind.DUE_SOON: "due_soon_at",
    AlertKind.OVERDUE: "due_at",
    AlertKind.CONTACT_OVERDUE: "contact_due_at",
}


def _deadline_field(kind: str) -> str:
    return "contact_due_at" if kind == AlertKind.CONTACT_OVERDUE else "due_at"


def _claim_rhis(
    kind: str, now: datetime, position: Position | None = None, *, since: datetime | None = None
) -> Claim:
    """The next batch of clocks of this kind past their threshold, in (threshold, id) order; with ``since``
    (the watermark) only those whose threshold fell from it on: what became due since the last sweep."""
    order = _RHI_ORDER[kind]
    window = Q(**{f"{order}__gte": since}) if since is not None else Q()
    rows = (
        _rhi_candidates(kind, now)
        .filter(window, _after(order, position))
        .annotate(rhi_ref=F("pk"))
        .select_for_update(skip_locked=True, of=("self",))
        .order_by(order, "pk")
        .values_list("pk", "rhi_ref", _deadline_field(kind), order)[:BATCH_SIZE]
    )
    return Claim(rows=rows, subject="rhi")


def _claim_written_rhis(
    kind: str, now: datetime, changes_from: int, position: Position | None = None
) -> Claim:
    """The next batch of clocks of this kind past their threshold whose row was written by a transaction from
    ``changes_from`` on (rhi_running_written_idx): intake with deadlines already past, deadlines recomputed
    into the past, a clock running again, and anything committed after the last sweep read."""
    rows = (
        _rhi_candidates(kind, now)
        .filter(_after("last_write_xid", position), last_write_xid__gte=changes_from)
        .annotate(rhi_ref=F("pk"))
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("last_write_xid", "pk")
        .values_list("pk", "rhi_ref", _deadline_field(kind), "last_write_xid")[:BATCH_SIZE]
    )
    return Claim(rows=rows, subject="rhi")


@dataclass(frozen=True)
class AwaitedAcknowledgement:
    """Something sent to another organisation that must be acknowledged by its ``acknowledgement_due_at``:
    a referral or a disclosure. Both raise their "not acknowledged" alert by the same rule (recently
    overdue, not acknowledged, not alerted before); only what still counts as awaiting differs."""

    kind: AlertKind
    model: type[models.Model]
    subject: str  # the DeadlineAlert field that points at it
    awaiting: Q  # beyond "not acknowledged yet"

    def claim(self, now: datetime, position: Position | None = None) -> Claim:
        rows = (
            self.model._default_manager.filter(
                self.awaiting,
                _after("acknowledgement_due_at", position),
                ~_alerted(self.kind, **{self.subject: "pk"}),
                acknowledged_at__isnull=True,
                acknowledgement_due_at__lt=now,
                acknowledgement_due_at__gte=now - ACKNOWLEDGEMENT_LOOKBACK,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("acknowledgement_due_at", "pk")
            .values_list("pk", "rhi_id", "acknowledgement_due_at", "acknowledgement_due_at")[:BATCH_SIZE]
        )
        return Claim(rows=rows, subject=self.subject)


REFERRAL_ACKNOWLEDGEMENT = AwaitedAcknowledgement(
    kind=AlertKind.REFERRAL_UNACKNOWLEDGED,
    model=Referral,
    subject="referral",
    # A withdrawn referral is no longer awaited (referrals.models.in_force).
    awaiting=Q(sent_at__isnull=False) & in_force(),
)
# A disclosure about an episode without an RHI has nobody to alert; a revoked one is no longer awaited.
DISCLOSURE_ACKNOWLEDGEMENT = AwaitedAcknowledgement(
    kind=AlertKind.DISCLOSURE_UNACKNOWLEDGED,
    model=Disclosure,
    subject="disclosure",
    awaiting=Q(rhi__isnull=False, revoked_at__isnull=True),
)

Claimer = Callable[[datetime, Position | None], Claim]
CLAIMERS: dict[str, Claimer] = {
    AlertKind.DUE_SOON: lambda now, position: _claim_rhis(AlertKind.DUE_SOON, now, position),
    AlertKind.OVERDUE: lambda now, position: _claim_rhis(AlertKind.OVERDUE, now, position),
    AlertKind.CONTACT_OVERDUE: lambda now, position: _claim_rhis(AlertKind.CONTACT_OVERDUE, now, position),
    AlertKind.REFERRAL_UNACKNOWLEDGED: REFERRAL_ACKNOWLEDGEMENT.claim,
    AlertKind.DISCLOSURE_UNACKNOWLEDGED: DISCLOSURE_ACKNOWLEDGEMENT.claim,
}


def _left(kind: str, now: datetime, mark: SweepWatermark | None) -> bool:
    """Whether a clock of this kind is still unalerted in what the sweep read: one a claim skipped because
    another transaction held it. Read without locking (a held row is still seen), so the watermark waits.
    Each arm asked as its claim is, in its index's order (an OR of the two, or no order, planned as a scan of
    the whole table)."""
    order = _RHI_ORDER[kind]
    candidates = _rhi_candidates(kind, now)
    arms = [candidates.order_by(order, "pk")]
    if mark is not None:
        arms = [
            candidates.filter(**{f"{order}__gte": mark.swept_to}).order_by(order, "pk"),
            candidates.filter(last_write_xid__gte=mark.changes_from).order_by("last_write_xid", "pk"),
        ]
    return any(list(arm.values_list("pk", flat=True)[:1]) for arm in arms)


def _drain(kind: str, claim: Callable[[Position | None], Claim], result: SweepResult, now: datetime) -> int:
    """Claim and record batches until the claim is exhausted: how many alerts were new."""
    recorded = 0
    position: Position | None = None
    while True:
        # One transaction per batch: the claim (SKIP LOCKED), the alerts and their notifications commit
        # together and the emails are queued after that commit. Not durable: the benchmark measures whole
        # sweeps inside a transaction it rolls back (tools/benchmarks), where these become savepoints.
        with transaction.atomic():
            batch = record_batch(claim(position), kind=kind, sweep_id=result.sweep_id, now=now)
            result.notifications += len(batch.pending)
            # After commit: a broker outage cannot undo the recorded alerts; the next sweep re-enqueues.
            if batch.pending:
                call_after_commit(enqueue_emails, batch.pending)
            result.emails_enqueued += len(batch.pending)
        recorded += batch.recorded
        position = batch.last
        if batch.claimed < BATCH_SIZE:
            break
    return recorded


def run_deadline_sweep(*, now: datetime | None = None) -> SweepResult:
    """One sweep over everything due. Safe to run concurrently and repeatedly. Each claim walks its index in
    order and each batch carries on after the last one (docs/benchmarks.md, "Pages within budget"). On
    PostgreSQL the RHI kinds read only what became due or was written since their watermark
    (alerts.watermarks): a sweep's cost follows what is new, not the clocks already alerted."""
    now = now or timezone.now()
    result = SweepResult(sweep_id=uuid.uuid4())
    # Taken before any claim: every transaction below it has finished, so its rows are visible to the claims.
    changes_from = snapshot_xmin()
    marks = watermarks(now=now)
    for kind, claim in CLAIMERS.items():
        if kind not in _RHI_ORDER:
            result.recorded[kind] = _drain(kind, partial(claim, now), result, now)
            continue
        mark = marks.get(kind)
        since = mark.swept_to if mark else None
        recorded = _drain(kind, partial(_claim_rhis, kind, now, since=since), result, now)
        if mark is not None:
            recorded += _drain(kind, partial(_claim_written_rhis, kind, now, mark.changes_from), result, now)
        if changes_from is not None and not _left(kind, now, mark):
            advance(kind, now=now, changes_from=changes_from)
        result.recorded[kind] = recorded
    result.emails_enqueued += requeue_emails(now=now)
    return result
