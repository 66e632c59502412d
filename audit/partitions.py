"""Upkeep of the audit table's monthly partitions (PostgreSQL; migration audit/0004_partition_by_month).

Creates the coming months' partitions ahead of time, gives any month that has rows in the DEFAULT partition its
own partition (moving those rows: copied, never updated or deleted), and applies the retention period by dropping
whole months older than it, each drop recorded as an audit event naming the month and its row count.

DDL needs the table's owner: the app's runtime role owns nothing, so it can neither create nor drop a partition
(docs/docker-compose.md). Run ``manage.py audit_partitions`` as the owner (the migrate step, and monthly).
Partitions are reachable only through the parent: each new one has every privilege revoked from everyone but
its owner, so the runtime role's rights are those of the parent (SELECT and INSERT only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from psycopg import sql

from audit.models import AuditAction, AuditEvent

TABLE = AuditEvent._meta.db_table
DEFAULT = f"{TABLE}_default"
MONTH_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    moved_rows: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    partitioned: bool = True


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def month_partitions() -> dict[str, date]:
    """The month partitions attached to the audit table now, by name (the DEFAULT partition is not one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = {name: MONTH_NAME.match(name) for name in names}
    return {name: date(int(m[1]), int(m[2]), 1) for name, m in found.items() if m is not None}


def _lock_down(cursor: CursorWrapper, table: str) -> None:
    """Revoke every privilege on ``table`` from everyone but its owner (default privileges granted them)."""
    cursor.execute(
        "SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a"
        " WHERE c.oid = to_regclass(%s) AND a.grantee <> c.relowner",
        [table],
    )
    for (grantee,) in cursor.fetchall():
        who = (
            sql.SQL("PUBLIC")
            if grantee == 0
            else sql.SQL("{}").format(sql.Identifier(_role(cursor, grantee)))
        )
        cursor.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(table), who))


def _role(cursor: CursorWrapper, oid: int) -> str:
    cursor.execute("SELECT rolname FROM pg_roles WHERE oid = %s", [oid])
    return str(cursor.fetchone()[0])


def _create(cursor: CursorWrapper, month: date) -> None:
    cursor.execute(
        sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM (%s) TO (%s)").format(
            sql.Identifier(partition_name(month)), sql.Identifier(TABLE)
        ),
        [_bound(month), _bound(add_months(month, 1))],
    )
    _lock_down(cursor, partition_name(month))


def _months_in_default(cursor: CursorWrapper) -> set[date]:
    cursor.execute(
        sql.SQL("SELECT DISTINCT date_trunc('month', \"at\" AT TIME ZONE 'UTC')::date FROM {}").format(
            sql.Identifier(DEFAULT)
        )
    )
    return {month for (month,) in cursor.fetchall()}


def _rebuild_default_around(cursor: CursorWrapper, months: list[date]) -> int:
    """Create ``months`` while the DEFAULT partition holds rows for some of them: detach it, create the months
    and a new empty DEFAULT, copy the old one's rows back in through the parent (each lands in its month), and
    drop the old one. Rows are copied, never updated or deleted: the append-only trigger stays on."""
    aside = f"{DEFAULT}_moving"
    cursor.execute(
        sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.Identifier(TABLE), sql.Identifier(DEFAULT))
    )
    cursor.execute(
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(DEFAULT), sql.Identifier(aside))
    )
    for month in months:
        _create(cursor, month)
    _create_default(cursor)
    cursor.execute(
        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(sql.Identifier(TABLE), sql.Identifier(aside))
    )
    moved = cursor.rowcount
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(aside)))
    return moved


def _create_default(cursor: CursorWrapper) -> None:
    cursor.execute(
        sql.SQL("CREATE TABLE {} PARTITION OF {} DEFAULT").format(
            sql.Identifier(DEFAULT), sql.Identifier(TABLE)
        )
    )
    _lock_down(cursor, DEFAULT)


def _drop(cursor: CursorWrapper, name: str, month: date) -> int:
    cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
    rows = int(cursor.fetchone()[0])
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
    # The disposal record: what went, how much, under which rule. Dated now, so it is kept for the full period.
    AuditEvent.objects.create(
        actor=None,
        action=AuditAction.DELETE,
        object_type="audit.partition",
        object_id=name,
        path_name="audit_partitions",
        detail={
            "step": "retention_dropped_month",
            "month": month.isoformat()[:7],
            "rows": rows,
            "retention_months": settings.RHI_AUDIT_RETENTION_MONTHS,
        },
    )
    return rows


@transaction.atomic(durable=True)
def maintain_partitions(
    *, now: datetime | None = None, ahead: int | None = None, retention_months: int | None = None
) -> PartitionReport:
    """Partitions for this month and ``ahead`` months after it, and for any month the DEFAULT partition holds
    rows of; then drop the months wholly older than ``retention_months`` (0 keeps everything). Idempotent."""
    if not is_partitioned():
        return PartitionReport(partitioned=False)
    now = now or timezone.now()
    ahead = settings.RHI_AUDIT_PARTITIONS_AHEAD if ahead is None else ahead
    retention = settings.RHI_AUDIT_RETENTION_MONTHS if retention_months is None else retention_months
    report = PartitionReport()
    with connection.cursor() as cursor:
        # One maintainer at a time (this mode conflicts with itself); inserts wait until it commits.
        cursor.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(sql.Identifier(TABLE)))
        existing = set(month_partitions().values())
        wanted = {add_months(month_start(now), step) for step in range(ahead + 1)}
        in_default = _months_in_default(cursor)
        missing = sorted((wanted | in_default) - existing)
        if missing and in_default & set(missing):
            report.moved_rows = _rebuild_default_around(cursor, missing)
        else:
            for month in missing:
                _create(cursor, month)
        report.created = [partition_name(month) for month in missing]
        if retention > 0:
            cutoff = add_months(month_start(now), -retention)
            for name, month in sorted(month_partitions().items()):
                if add_months(month, 1) <= cutoff:
                    report.dropped[name] = _drop(cursor, name, month)
    return report
