"""The transaction that last wrote each RHI, set by a trigger, and the running clocks' index on it: the deadline
sweep's watermark rereads the clocks written since its last run (alerts.sweep).

Why a trigger and not the services: every writer of an RHI is caught, whatever it is (the services, bulk
``update()`` calls, the importers' COPY, the admin, a data fix in a shell), so no path can change a deadline or
a state without the sweep seeing it. PostgreSQL only: elsewhere (the embedded SQLite default) the column stays
empty and the sweep reads every running clock each time, as it did before.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

TABLE = "rhi_returnhomeinterview"
FUNCTION = "rhi_mark_last_write"
CREATE = (
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    # The top-level transaction's 64-bit id (no wraparound), compared with a sweep's snapshot xmin.
    "NEW.last_write_xid := pg_current_xact_id()::text::bigint; RETURN NEW; END $$; "
    f"CREATE TRIGGER {FUNCTION} BEFORE INSERT OR UPDATE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();"
)
DROP = f"DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE}; DROP FUNCTION IF EXISTS {FUNCTION}();"


def _run(schema_editor: Any, statement: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(statement)


def create_trigger(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, CREATE)


def drop_trigger(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("rhi", "0008_rhi_running_deadline_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnhomeinterview",
            name="last_write_xid",
            field=models.BigIntegerField(blank=True, editable=False, null=True, serialize=False),
        ),
        migrations.AddIndex(
            model_name="returnhomeinterview",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["accepted", "allocated", "contacting", "offered", "unallocated"])
                ),
                fields=["last_write_xid", "id"],
                name="rhi_running_written_idx",
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
