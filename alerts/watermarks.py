"""The deadline sweep's watermarks: how far it has read for each kind of RHI alert (``SweepWatermark``).

A kind's claims read (i) the clocks whose threshold fell from the watermark's ``swept_to`` on, through the
deadline indexes, and (ii) the clocks whose row was written by a transaction from its ``changes_from`` on,
through ``rhi_running_written_idx`` (``last_write_xid`` is set by a trigger on every write of an RHI). So an
alerted overdue clock is not read again while it stays open, and nothing is lost:
- a clock that crossed its threshold since the last completed sweep is in (i);
- a clock written since then (intake with deadlines already past, deadlines recomputed, a state back to
  running) is in (ii), even if its transaction committed after that sweep read: its id is at or above that
  sweep's mark (the oldest transaction that may still write to this database: ``snapshot_xmin``), which is
  taken before any claim (a timestamp would not do: a write can commit after the sweep read and still carry an
  earlier time);
- a clock a claim skipped because another transaction held it (``SKIP LOCKED``) holds the watermark back.

The watermark moves only after a sweep of the kind found nothing left, and only forward; a sweep that was down
leaves it where it was, so the next one reads everything since. PostgreSQL only: elsewhere (the embedded
SQLite default) there is no transaction id to compare and every sweep reads all the running clocks.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from alerts.models import SweepWatermark

# The oldest transaction that may still write to this database: the snapshot's in-progress transactions (and
# this session's own), less those pg_stat_activity shows as another database's. Transaction ids are
# cluster-wide, so the snapshot's plain xmin let a long transaction in any other database of the cluster (a
# report, a test on another worker) hold every sweep back. Conservative by construction: an in-progress id not
# seen in pg_stat_activity (finished since the snapshot, a prepared transaction, another role's session whose
# xid it hides) is kept, so the mark is never past a transaction that could still commit a write here.
# backend_xid is a 32-bit xid and the snapshot's ids are 64-bit: compared on their low 32 bits.
MARK_SQL = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
elsewhere AS (
    SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
),
here AS (
    SELECT x::text::bigint AS xid FROM snap, pg_snapshot_xip(snap.s) AS x
    WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)
    UNION ALL
    SELECT pg_current_xact_id_if_assigned()::text::bigint
    UNION ALL
    SELECT pg_snapshot_xmax(snap.s)::text::bigint FROM snap
)
SELECT min(xid) FROM here
"""


def snapshot_xmin() -> int | None:
    """The oldest transaction that may still write to this database (every one below it has finished or runs in
    another database of the cluster): ``MARK_SQL``. None off PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(MARK_SQL)
        row = cursor.fetchone()
    return int(row[0])


def watermarks(*, now: datetime) -> dict[str, SweepWatermark]:
    """Each kind's watermark a sweep at ``now`` can read from, in one query. A kind without one reads every
    running clock: none yet (the first sweep), off PostgreSQL, or ``now`` before it (a sweep back in time, as
    tests and a manual run with ``--now`` may ask)."""
    if connection.vendor != "postgresql":
        return {}
    return {mark.kind: mark for mark in SweepWatermark.objects.filter(swept_to__lte=now)}


def advance(kind: str, *, now: datetime, changes_from: int) -> None:
    """Move the kind's watermark to (``now``, ``changes_from``) after a sweep of it found nothing left; never
    back."""
    # Both parts forward or neither: a pair from one completed sweep is safe, a mix of two might not be. One
    # conditional UPDATE: a concurrent sweep's move is waited for and the condition checked again on it.
    moved = SweepWatermark.objects.filter(
        kind=kind, swept_to__lte=now, changes_from__lte=changes_from
    ).update(swept_to=now, changes_from=changes_from)
    if moved or SweepWatermark.objects.filter(kind=kind).exists():
        return  # moved, or already ahead of this sweep
    # The first: a sweep finishing at the same moment may create it first; either one's values are safe.
    SweepWatermark.objects.bulk_create(
        [SweepWatermark(kind=kind, swept_to=now, changes_from=changes_from)], ignore_conflicts=True
    )
