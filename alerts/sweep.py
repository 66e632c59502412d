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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_memberships
from alerts.emails import enqueue_emails, requeue_emails
from alerts.models import AlertKind, DeadlineAlert, EmailStatus, Notification, SweepWatermark
from alerts.watermarks import advance, snapshot_xmin, watermarks
from core.enqueue import call_after_commit
from referrals.models import Referral, in_force
from rhi.models import CLOCK_RUNNING_STATES, ReturnHomeInterview
from rhi.selectors import first_contact_overdue_condition
from sharing.models import Disclosure

BATCH_SIZE = 2000
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


@dataclass(frozen=True)
class Candidate:
    rhi_id: int
    deadline: datetime
    referral_id: int | None = None
    disclosure_id: int | None = None
    # The instant the claim walked in order, where it is not the deadline (a due-soon claim walks due_soon_at).
    walked_at: datetime | None = None
    # The claim of clocks written since the watermark walks (last_write_xid, id) instead.
    written_by: int | None = None

    @property
    def position(self) -> Position:
        """Where the claim of the next batch carries on: (what was walked, id of what it is about)."""
        walked: datetime | int = self.walked_at or self.deadline
        if self.written_by is not None:
            walked = self.written_by
        return walked, self.referral_id or self.disclosure_id or self.rhi_id


# Where a claim stopped in its index order: (deadline or writing transaction, id).
Position = tuple[datetime | int, int]


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
) -> list[Candidate]:
    """The next batch of clocks of this kind past their threshold, in (threshold, id) order; with ``since``
    (the watermark) only those whose threshold fell from it on: what became due since the last sweep."""
    order = _RHI_ORDER[kind]
    window = Q(**{f"{order}__gte": since}) if since is not None else Q()
    rows = (
        _rhi_candidates(kind, now)
        .filter(window, _after(order, position))
        .select_for_update(skip_locked=True, of=("self",))
        .order_by(order, "pk")
        .values_list("pk", _deadline_field(kind), order)[:BATCH_SIZE]
    )
    return [Candidate(rhi_id=pk, deadline=deadline, walked_at=walked) for pk, deadline, walked in rows]


def _claim_written_rhis(
    kind: str, now: datetime, changes_from: int, position: Position | None = None
) -> list[Candidate]:
    """The next batch of clocks of this kind past their threshold whose row was written by a transaction from
    ``changes_from`` on (rhi_running_written_idx): intake with deadlines already past, deadlines recomputed
    into the past, a clock running again, and anything committed after the last sweep read."""
    rows = (
        _rhi_candidates(kind, now)
        .filter(_after("last_write_xid", position), last_write_xid__gte=changes_from)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("last_write_xid", "pk")
        .values_list("pk", _deadline_field(kind), "last_write_xid")[:BATCH_SIZE]
    )
    return [Candidate(rhi_id=pk, deadline=deadline, written_by=xid) for pk, deadline, xid in rows]


@dataclass(frozen=True)
class AwaitedAcknowledgement:
    """Something sent to another organisation that must be acknowledged by its ``acknowledgement_due_at``:
    a referral or a disclosure. Both raise their "not acknowledged" alert by the same rule (recently
    overdue, not acknowledged, not alerted before); only what still counts as awaiting differs."""

    kind: AlertKind
    model: type[models.Model]
    subject: str  # the DeadlineAlert field that points at it
    awaiting: Q  # beyond "not acknowledged yet"

    def claim(self, now: datetime, position: Position | None = None) -> list[Candidate]:
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
            .values_list("pk", "rhi_id", "acknowledgement_due_at")[:BATCH_SIZE]
        )
        return [
            Candidate(
                rhi_id=rhi_id,
                deadline=due,
                referral_id=pk if self.subject == "referral" else None,
                disclosure_id=pk if self.subject == "disclosure" else None,
            )
            for pk, rhi_id, due in rows
        ]


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

Claimer = Callable[[datetime, Position | None], list[Candidate]]
CLAIMERS: dict[str, Claimer] = {
    AlertKind.DUE_SOON: lambda now, position: _claim_rhis(AlertKind.DUE_SOON, now, position),
    AlertKind.OVERDUE: lambda now, position: _claim_rhis(AlertKind.OVERDUE, now, position),
    AlertKind.CONTACT_OVERDUE: lambda now, position: _claim_rhis(AlertKind.CONTACT_OVERDUE, now, position),
    AlertKind.REFERRAL_UNACKNOWLEDGED: REFERRAL_ACKNOWLEDGEMENT.claim,
    AlertKind.DISCLOSURE_UNACKNOWLEDGED: DISCLOSURE_ACKNOWLEDGEMENT.claim,
}


class AlertRow(NamedTuple):
    """The columns of a just-recorded alert the sweep needs: tuples, not model instances, because a sweep after
    an outage records thousands at once and building a model per row was most of its time."""

    pk: int
    kind: str
    rhi_id: int
    referral_id: int | None
    disclosure_id: int | None


def _recipients(alerts: list[AlertRow]) -> dict[int, set[int]]:
    """alert id → user ids. The allocated worker (or whoever made the referral / disclosure); the team
    managers when nobody is allocated and on every breach. One query per kind of relation, not per alert."""
    rhi_rows = {
        row["pk"]: row
        for row in ReturnHomeInterview.objects.filter(pk__in={a.rhi_id for a in alerts}).values(
            "pk", "allocated_worker_id", "provider_id", "team_id"
        )
    }
    managers_by_org: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for user_id, org_id, team_id in (
        people_memberships()
        .filter(
            role=Role.TEAM_MANAGER,
            organisation_id__in={row["provider_id"] for row in rhi_rows.values()},
        )
        .values_list("user_id", "organisation_id", "team_id")
    ):
        managers_by_org[org_id].append((user_id, team_id))
    referral_authors = dict(
        Referral.objects.filter(pk__in={a.referral_id for a in alerts if a.referral_id}).values_list(
            "pk", "created_by_id"
        )
    )
    disclosure_sharers = dict(
        Disclosure.objects.filter(pk__in={a.disclosure_id for a in alerts if a.disclosure_id}).values_list(
            "pk", "shared_by_id"
        )
    )

    result: dict[int, set[int]] = {}
    for alert in alerts:
        rhi = rhi_rows[alert.rhi_id]
        managers = {
            user_id
            for user_id, team_id in managers_by_org[rhi["provider_id"]]
            if rhi["team_id"] is None or team_id in (None, rhi["team_id"])
        }
        owner = rhi["allocated_worker_id"]
        if alert.referral_id:
            owner = referral_authors.get(alert.referral_id) or owner
        if alert.disclosure_id:
            owner = disclosure_sharers.get(alert.disclosure_id) or owner
        people = {owner} if owner else set()
        if alert.kind != AlertKind.DUE_SOON or not owner:
            people |= managers
        result[alert.pk] = people
    return result


def _record(
    kind: str, candidates: list[Candidate], sweep_id: uuid.UUID, now: datetime
) -> tuple[int, list[int]]:
    """Record the alerts (those not recorded before) and their notifications: how many alerts were new, and
    the ids of the notifications waiting to be emailed."""
    batch_id = uuid.uuid4()
    DeadlineAlert.objects.bulk_create(
        [
            DeadlineAlert(
                kind=kind,
                rhi_id=c.rhi_id,
                referral_id=c.referral_id,
                disclosure_id=c.disclosure_id,
                deadline=c.deadline,
                recorded_at=now,
                sweep_id=batch_id,
            )
            for c in candidates
        ],
        ignore_conflicts=True,
    )
    # Only rows this batch inserted carry its id; a conflicting (already recorded) alert keeps its old one.
    alerts = [
        AlertRow(*row)
        for row in DeadlineAlert.objects.filter(sweep_id=batch_id).values_list(
            "pk", "kind", "rhi_id", "referral_id", "disclosure_id"
        )
    ]
    if not alerts:
        return 0, []
    DeadlineAlert.objects.filter(sweep_id=batch_id).update(sweep_id=sweep_id)
    recipients = _recipients(alerts)
    with_email = set(
        User.objects.filter(pk__in=set().union(*recipients.values()))
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    _insert_notifications(
        [
            (
                user_id,
                alert.pk,
                alert.kind,
                alert.rhi_id,
                EmailStatus.PENDING if user_id in with_email else EmailStatus.NOT_WANTED,
            )
            for alert in alerts
            for user_id in sorted(recipients[alert.pk])
        ],
        now=now,
    )
    return len(alerts), list(
        Notification.objects.filter(
            alert_id__in=[alert.pk for alert in alerts], email_status=EmailStatus.PENDING
        ).values_list("pk", flat=True)
    )


def _insert_notifications(rows: list[tuple[int, int, str, int, str]], *, now: datetime) -> None:
    """(recipient, alert, kind, rhi, email status) rows, skipping any already there. On PostgreSQL one
    INSERT … SELECT FROM unnest(arrays): a sweep after an outage writes thousands, and building them as
    models for bulk_create took most of its time. Elsewhere (the embedded SQLite default) bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=recipient,
                    alert_id=alert,
                    kind=kind,
                    rhi_id=rhi,
                    created_at=now,
                    email_status=status,
                    email_next_attempt_at=now if status == EmailStatus.PENDING else None,
                    email_enqueued_at=now if status == EmailStatus.PENDING else None,
                )
                for recipient, alert, kind, rhi, status in rows
            ],
            ignore_conflicts=True,
        )
        return
    recipients, alerts, kinds, rhis, statuses = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table}
                (recipient_id, alert_id, kind, rhi_id, email_status, created_at, email_attempts,
                 email_next_attempt_at, email_enqueued_at, email_last_error)
            SELECT recipient, alert, kind, rhi, status, %s, 0,
                CASE WHEN status = %s THEN %s::timestamptz END,
                CASE WHEN status = %s THEN %s::timestamptz END,
                ''
            FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s::text[])
                AS t(recipient, alert, kind, rhi, status)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - the table name is the model's own; every value is a parameter
            [
                now,
                EmailStatus.PENDING.value,
                now,
                EmailStatus.PENDING.value,
                now,
                recipients,
                alerts,
                kinds,
                rhis,
                statuses,
            ],
        )


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


def _drain(
    kind: str, claim: Callable[[Position | None], list[Candidate]], result: SweepResult, now: datetime
) -> int:
    """Claim and record batches until the claim is exhausted: how many alerts were new."""
    recorded = 0
    position: Position | None = None
    while True:
        # One transaction per batch: the claim (SKIP LOCKED), the alerts and their notifications commit
        # together and the emails are queued after that commit. Not durable: the benchmark measures whole
        # sweeps inside a transaction it rolls back (tools/benchmarks), where these become savepoints.
        with transaction.atomic():
            candidates = claim(position)
            if not candidates:
                break
            new_alerts, pending = _record(kind, candidates, result.sweep_id, now)
            result.notifications += len(pending)
            # After commit: a broker outage cannot undo the recorded alerts; the next sweep re-enqueues.
            call_after_commit(enqueue_emails, pending)
            result.emails_enqueued += len(pending)
        recorded += new_alerts
        position = candidates[-1].position
        if len(candidates) < BATCH_SIZE:
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
