"""Recording a batch of the deadline sweep's alerts and their notifications as set-based SQL (issue 18, part 2).

Who is alerted is decided here, once, in SQL (``_recipient_ctes``): the allocated worker, or whoever made the
referral or disclosure (the owner); the team managers of the RHI's provider (those of its team or of no team,
all of them when the RHI has no team) when nobody owns it and on every breach (any kind but "due soon");
people only (``accounts.selectors.people_memberships``: active, never an API client's system user). A
recipient with an email address gets a pending email; one without, a notification only.

On PostgreSQL a batch is one statement (after a ``SET LOCAL``, see below): the claim (``SELECT … FOR UPDATE
SKIP LOCKED``), the alerts (``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``: only the new ones go on)
and their notifications (``INSERT … SELECT`` over the recipients of the new alerts), as data-modifying CTEs of
one ``WITH``, so no row travels to Python and back. A sweep after an outage records tens of thousands of
alerts; doing it row by row in Python (with a query per relation and the rows sent back as arrays) cost
~0.8 s per 1,000 alerts.
Elsewhere (the embedded SQLite default, which has no data-modifying CTEs) the batch is five statements, with
the notifications written by the same recipients SQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.selectors import people_memberships
from alerts.models import AlertKind, DeadlineAlert, EmailStatus, Notification
from referrals.models import Referral
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure

# Where a claim stopped in its index order: (deadline or writing transaction, id).
Position = tuple[datetime | int, int]


class Batch(NamedTuple):
    """What one batch did: how many rows the claim took, how many alerts were new, the notifications waiting to
    be emailed, and where the claim stopped (None when it took nothing)."""

    claimed: int
    recorded: int
    pending: list[int]
    last: Position | None


class Claim(NamedTuple):
    """One batch's claim: ``rows`` selects (subject id, RHI id, deadline, position walked) in claim order, locked
    ``FOR UPDATE SKIP LOCKED``; ``subject`` is the DeadlineAlert field the subject id goes to."""

    rows: QuerySet[Any, Any]
    subject: str  # "rhi", "referral" or "disclosure"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # a concrete column of the model, by its name
    return connection.ops.quote_name(field.column)


def _sql(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _recipient_ctes() -> tuple[str, tuple[Any, ...]]:
    """The recipients of the alerts in the relation ``new_alerts(id, kind, rhi_id, referral_id, disclosure_id)``
    as CTEs: ``owned`` (each alert with its RHI's provider and team and its owner) and ``told`` (alert, user):
    the one definition of who is alerted, used by both write paths."""
    managers, manager_params = _sql(
        people_memberships()
        .filter(role=Role.TEAM_MANAGER)
        .values_list("user_id", "organisation_id", "team_id")
    )
    rhi, referral, disclosure = (_table(m) for m in (ReturnHomeInterview, Referral, Disclosure))
    owner = (
        f"COALESCE(f.{_column(Referral, 'created_by')}, d.{_column(Disclosure, 'shared_by')}, "
        f"r.{_column(ReturnHomeInterview, 'allocated_worker')})"
    )
    sql = f"""
        managers(user_id, organisation_id, team_id) AS ({managers}),
        owned(alert_id, kind, rhi_id, provider_id, team_id, owner_id) AS (
            SELECT a.id, a.kind, a.rhi_id, r.{_column(ReturnHomeInterview, "provider")},
                r.{_column(ReturnHomeInterview, "team")}, {owner}
            FROM new_alerts a
            JOIN {rhi} r ON r.id = a.rhi_id
            LEFT JOIN {referral} f ON f.id = a.referral_id
            LEFT JOIN {disclosure} d ON d.id = a.disclosure_id
        ),
        told(alert_id, user_id) AS (
            SELECT alert_id, owner_id FROM owned WHERE owner_id IS NOT NULL
            UNION
            SELECT o.alert_id, m.user_id
            FROM owned o
            JOIN managers m ON m.organisation_id = o.provider_id
                AND (o.team_id IS NULL OR m.team_id IS NULL OR m.team_id = o.team_id)
            WHERE o.kind <> %s OR o.owner_id IS NULL
        )"""  # noqa: S608 - table and column names are the models' own; every value is a parameter
    return sql, (*manager_params, AlertKind.DUE_SOON.value)


def _notification_insert(now: datetime) -> tuple[str, tuple[Any, ...]]:
    """``INSERT … SELECT`` of one notification per (alert, recipient) in ``told``; the email pending (due now)
    for a recipient with an address, not wanted for one without."""
    at = connection.ops.adapt_datetimefield_value(now)
    sql = f"""
        INSERT INTO {_table(Notification)}
            (recipient_id, alert_id, kind, rhi_id, email_status, created_at, email_attempts,
             email_next_attempt_at, email_enqueued_at, email_last_error)
        SELECT t.user_id, o.alert_id, o.kind, o.rhi_id,
            CASE WHEN u.email <> '' THEN %s ELSE %s END, %s, 0,
            CASE WHEN u.email <> '' THEN %s END, CASE WHEN u.email <> '' THEN %s END, ''
        FROM told t
        JOIN owned o ON o.alert_id = t.alert_id
        JOIN {_table(User)} u ON u.id = t.user_id"""  # noqa: S608 - as above
    return sql, (EmailStatus.PENDING.value, EmailStatus.NOT_WANTED.value, at, at, at)


def _alert_columns(claim: Claim) -> str:
    """The (rhi_id, referral_id, disclosure_id) an alert gets from a claimed row (pk, rhi_id, …)."""
    referral = "pk" if claim.subject == "referral" else "NULL::bigint"
    disclosure = "pk" if claim.subject == "disclosure" else "NULL::bigint"
    return f"rhi_id, {referral}, {disclosure}"


def batch_statement(
    claim: Claim, *, kind: str, sweep_id: uuid.UUID, now: datetime
) -> tuple[str, tuple[Any, ...]]:
    """PostgreSQL's one statement a batch: (rows claimed, alerts new, pending notification ids, last position)."""
    claimed, claim_params = _sql(claim.rows)
    recipients, recipient_params = _recipient_ctes()
    notifications, notification_params = _notification_insert(now)
    sql = f"""
        WITH claimed(pk, rhi_id, deadline, walked) AS MATERIALIZED ({claimed}),
        new_alerts AS (
            INSERT INTO {_table(DeadlineAlert)}
                (kind, rhi_id, referral_id, disclosure_id, deadline, recorded_at, sweep_id)
            SELECT %s, {_alert_columns(claim)}, deadline, %s, %s FROM claimed
            ON CONFLICT DO NOTHING
            RETURNING id, kind, rhi_id, referral_id, disclosure_id
        ),
        {recipients},
        written AS ({notifications} RETURNING id, email_status)
        SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM new_alerts),
            ARRAY(SELECT id FROM written WHERE email_status = %s ORDER BY id), last.walked, last.pk
        FROM (SELECT walked, pk FROM claimed ORDER BY walked DESC, pk DESC LIMIT 1) last
        """  # noqa: S608 - as above
    params = (
        *claim_params,
        kind,
        now,
        sweep_id,
        *recipient_params,
        *notification_params,
        EmailStatus.PENDING.value,
    )
    return sql, params


def _record_in_one_statement(claim: Claim, *, kind: str, sweep_id: uuid.UUID, now: datetime) -> Batch:
    with connection.cursor() as cursor:
        # The notifications' foreign-key checks (deferred: fired at commit) look each alert up by id. Planned
        # while the alerts table is small, PostgreSQL caches a sequential scan for that look-up and runs it once
        # per notification over a table the batch itself has just grown: the first batch of a wave of 10,000
        # alerts took 13.4 s to commit instead of 0.9 s (docs/benchmarks.md). Scans are priced out until this
        # batch's transaction ends (SET LOCAL); the batch statement then joins its rows to RHIs by index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(*batch_statement(claim, kind=kind, sweep_id=sweep_id, now=now))
        row = cursor.fetchone()
    if row is None:  # nothing claimed
        return Batch(claimed=0, recorded=0, pending=[], last=None)
    count, recorded, pending, walked, pk = row
    return Batch(claimed=count, recorded=recorded, pending=list(pending), last=(walked, pk))


def _record_step_by_step(claim: Claim, *, kind: str, sweep_id: uuid.UUID, now: datetime) -> Batch:
    """Off PostgreSQL: the claim read, the alerts bulk-created under a batch id (only rows this batch inserted
    carry it; a conflicting, already recorded alert keeps its old one), the notifications by the same recipients
    SQL over them, then the alerts given the sweep's id."""
    rows = list(claim.rows)
    if not rows:
        return Batch(claimed=0, recorded=0, pending=[], last=None)
    batch_id = uuid.uuid4()
    DeadlineAlert.objects.bulk_create(
        [
            DeadlineAlert(
                kind=kind,
                rhi_id=rhi_id,
                referral_id=pk if claim.subject == "referral" else None,
                disclosure_id=pk if claim.subject == "disclosure" else None,
                deadline=deadline,
                recorded_at=now,
                sweep_id=batch_id,
            )
            for pk, rhi_id, deadline, _walked in rows
        ],
        ignore_conflicts=True,
    )
    recipients, recipient_params = _recipient_ctes()
    notifications, notification_params = _notification_insert(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH new_alerts(id, kind, rhi_id, referral_id, disclosure_id) AS (
                SELECT id, kind, rhi_id, referral_id, disclosure_id FROM {_table(DeadlineAlert)}
                WHERE sweep_id = %s
            ),
            {recipients}
            {notifications}
            """,  # noqa: S608 - as above
            (
                DeadlineAlert._meta.get_field("sweep_id").get_db_prep_value(batch_id, connection),
                *recipient_params,
                *notification_params,
            ),
        )
    new = DeadlineAlert.objects.filter(sweep_id=batch_id)
    pending = list(
        Notification.objects.filter(alert__in=new, email_status=EmailStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recorded = new.update(sweep_id=sweep_id)
    pk, _rhi_id, _deadline, walked = rows[-1]
    return Batch(claimed=len(rows), recorded=recorded, pending=pending, last=(walked, pk))


def record_batch(claim: Claim, *, kind: str, sweep_id: uuid.UUID, now: datetime) -> Batch:
    """Claim one batch and record its new alerts and their notifications (in the caller's transaction)."""
    if connection.vendor == "postgresql":
        return _record_in_one_statement(claim, kind=kind, sweep_id=sweep_id, now=now)
    return _record_step_by_step(claim, kind=kind, sweep_id=sweep_id, now=now)
