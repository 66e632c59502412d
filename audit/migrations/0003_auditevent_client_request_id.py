"""The request id is the server's own; a client's X-Request-ID is kept apart as ``client_request_id``.

On SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers: the append-only triggers of
0002 are put back straight after (PostgreSQL adds the column in place and keeps its trigger)."""

from django.db import migrations, models

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END;""",
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        # Runs last when migrating back: removing the column rebuilds the SQLite table again.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers, elidable=False),
        migrations.AddField(
            model_name="auditevent",
            name="client_request_id",
            field=models.CharField(
                blank=True,
                help_text="The X-Request-ID the client sent, if any: its claim, never ours.",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(
                blank=True, help_text="Made by the server for each request.", max_length=64
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop, elidable=False),
    ]
