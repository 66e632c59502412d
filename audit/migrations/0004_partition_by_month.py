"""The audit table becomes partitioned by month on ``at`` (PostgreSQL declarative range partitioning).

Done in one transaction (PostgreSQL migrations are atomic): rename the populated table aside, create the
partitioned table under the old name with the same columns and index names, give it one partition per month
from its oldest row to two months ahead plus a DEFAULT partition (an insert never fails for want of a month),
copy every row, carry the id sequence on, put the append-only trigger on the parent (PostgreSQL clones it onto
every partition, now and later), and drop the old table.

A partitioned table's primary key must include the partition key, so the key is ``(id, at)`` in SQL while
Django keeps ``id`` as its pk: ids come from one sequence owned by ``audit_auditevent.id`` and nothing writes
an id by hand, so an id is still unique; a lookup by id alone uses each partition's key index (id first).
Monthly upkeep (next months ahead, whole months dropped after the retention period) is
``manage.py audit_partitions`` (audit/partitions.py), run as the table's owner. On SQLite nothing changes.

Self-contained SQL on purpose: a migration must not move when the app's code does.
"""

from datetime import date, datetime, timezone

from django.db import migrations

TABLE = "audit_auditevent"
OLD = "audit_auditevent_unpartitioned"
MONTHS_AHEAD = 2


def _month_after(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _partition_sql(month: date) -> str:
    name = f"{TABLE}_y{month.year:04d}m{month.month:02d}"
    return (
        f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" FOR VALUES FROM '
        f"('{month.isoformat()} 00:00:00+00') TO ('{_month_after(month).isoformat()} 00:00:00+00')"
    )


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _month_after(month)
    return months


def _rename_old_indexes(cursor) -> list[tuple[str, str]]:
    """Rename the old table's indexes aside; return (original name, definition) to recreate on the new."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
        [OLD],
    )
    kept = []
    for name, definition in cursor.fetchall():
        aside = f"{name[:55]}_unpart"
        if name == f"{TABLE}_pkey":
            cursor.execute(f'ALTER TABLE "{OLD}" RENAME CONSTRAINT "{name}" TO "{aside}"')
            continue
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{aside}"')
        kept.append((name, definition))
    return kept


def _lock_down_partitions(cursor) -> None:
    """Partitions are reached through the parent only: revoke what default privileges granted on them."""
    cursor.execute(
        "SELECT DISTINCT c.relname, a.grantee FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,"
        " aclexplode(c.relacl) a WHERE i.inhparent = %s::regclass AND a.grantee <> c.relowner",
        [TABLE],
    )
    for relname, grantee in cursor.fetchall():
        who = "PUBLIC"
        if grantee != 0:
            cursor.execute("SELECT quote_ident(rolname) FROM pg_roles WHERE oid = %s", [grantee])
            (who,) = cursor.fetchone()
        cursor.execute(f'REVOKE ALL ON "{relname}" FROM {who}')


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (old_sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value FROM {old_sequence}")
        (last_id,) = cursor.fetchone()
        cursor.execute(f'SELECT min("at"), max(id) FROM "{TABLE}"')
        oldest, max_id = cursor.fetchone()
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        cursor.execute(f"ALTER SEQUENCE {old_sequence} RENAME TO {OLD}_id_seq")
        indexes = _rename_old_indexes(cursor)
        cursor.execute(
            f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS)'
            ' PARTITION BY RANGE ("at")'
        )
        cursor.execute(f'CREATE SEQUENCE "{TABLE}_id_seq" AS bigint OWNED BY "{TABLE}".id')
        cursor.execute(f"ALTER TABLE \"{TABLE}\" ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s)", [max(last_id or 1, max_id or 1)])
        now = datetime.now(timezone.utc).date()
        first = min(oldest.date(), now) if oldest is not None else now
        for month in _months(first.replace(day=1), now.replace(day=1)):
            cursor.execute(_partition_sql(month))
        for _ in range(MONTHS_AHEAD):
            month = _month_after(month)
            cursor.execute(_partition_sql(month))
        cursor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{TABLE}" DEFAULT')
        _lock_down_partitions(cursor)
        cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{OLD}"')
        # The key and indexes after the copy: built in bulk per partition, faster than row by row.
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id, "at")')
        for _name, definition in indexes:
            # Read after the table's rename, before the index's: the original name on the old table.
            cursor.execute(definition.replace(f"ON public.{OLD} ", f"ON public.{TABLE} "))
        cursor.execute(
            f'CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "{TABLE}"'
            " FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
        )
        cursor.execute(f'DROP TABLE "{OLD}"')


def unpartition(apps, schema_editor):
    """Back to one plain table with an identity id, the same index names and the trigger, every row kept."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f"SELECT last_value FROM {TABLE}_id_seq")
        (last_id,) = cursor.fetchone()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
            " AND indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        for name, _definition in indexes:
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:55]}_unpart"')
        cursor.execute(f'ALTER TABLE "{OLD}" RENAME CONSTRAINT "{TABLE}_pkey" TO "{OLD}_pkey"')
        cursor.execute(f'ALTER SEQUENCE "{TABLE}_id_seq" RENAME TO "{OLD}_id_seq"')
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" INCLUDING STORAGE INCLUDING COMMENTS)')
        cursor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id)')
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), %s)", [last_id])
        for _name, definition in indexes:
            # Read before the renames: the original name, on the partitioned table ("ON ONLY").
            cursor.execute(definition.replace(f"ON ONLY public.{TABLE} ", f"ON public.{TABLE} "))
        cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{OLD}"')
        cursor.execute(
            f'CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "{TABLE}"'
            " FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
        )
        cursor.execute(f'DROP TABLE "{OLD}"')


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_client_request_id")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
