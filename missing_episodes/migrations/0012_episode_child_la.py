"""The child's current responsible LA copied onto each episode (``MissingEpisode.child_la``), kept equal by
triggers, and the indexes the API's episode list walks (docs/benchmarks.md, "Pages within budget").

Why triggers and not the services: the child's LA is written by the admin, the matching queue (an episode moved
to another child), the importers and the demo writer (COPY), and by any data fix in a shell; a trigger catches
every one of them in the writing statement. On each episode insert, and each update of its child, the copy is
read from the child (BEFORE, so it is never wrong for a moment); when a child's LA changes, its episodes get the
new copy and ``updated_at`` moves to now, so the new council's ``changed_since`` sync picks them up. The same
triggers are made on SQLite (the embedded default), as AFTER triggers.

Existing rows are filled in batches of ``BATCH`` ids, each its own short transaction (1.2M episodes on the
national set: no statement holds its locks for long); the indexes are built afterwards (CONCURRENTLY on
PostgreSQL). The backfill does not move ``updated_at`` (nothing a client holds changed) and does not mark the
kept performance facts stale (they do not read the copy): the marking trigger is paused inside each batch.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models, transaction

EPISODES = "missing_episodes_missingepisode"
CHILDREN = "missing_episodes_child"
BATCH = 5_000
INDEXES = (
    models.Index(fields=["child_la", "updated_at", "id"], name="episode_child_la_changed_idx"),
    models.Index(fields=["police_force", "updated_at", "id"], name="episode_force_changed_idx"),
)

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION rhi_episode_child_la() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.child_la_id := (SELECT responsible_la_id FROM {CHILDREN} WHERE id = NEW.child_id);
  RETURN NEW;
END $$;
CREATE TRIGGER rhi_episode_child_la BEFORE INSERT OR UPDATE OF child_id, child_la_id ON {EPISODES}
  FOR EACH ROW EXECUTE FUNCTION rhi_episode_child_la();
CREATE OR REPLACE FUNCTION rhi_child_la_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {EPISODES} SET child_la_id = NEW.responsible_la_id, updated_at = now() WHERE child_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER rhi_child_la_moved AFTER UPDATE OF responsible_la_id ON {CHILDREN}
  FOR EACH ROW WHEN (OLD.responsible_la_id IS DISTINCT FROM NEW.responsible_la_id)
  EXECUTE FUNCTION rhi_child_la_moved();
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS rhi_child_la_moved ON {CHILDREN}; DROP FUNCTION IF EXISTS rhi_child_la_moved();
DROP TRIGGER IF EXISTS rhi_episode_child_la ON {EPISODES}; DROP FUNCTION IF EXISTS rhi_episode_child_la();
"""
# SQLite cannot change NEW in a trigger: the copy is written just after the row, in the same statement.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
SQLITE_LA = f"(SELECT responsible_la_id FROM {CHILDREN} WHERE id = NEW.child_id)"
SQLITE_CREATE = [
    f"CREATE TRIGGER rhi_episode_child_la_insert AFTER INSERT ON {EPISODES} BEGIN "
    f"UPDATE {EPISODES} SET child_la_id = {SQLITE_LA} WHERE id = NEW.id; END",
    f"CREATE TRIGGER rhi_episode_child_la_update AFTER UPDATE OF child_id, child_la_id ON {EPISODES} "
    f"WHEN NEW.child_la_id IS NOT {SQLITE_LA} BEGIN "
    f"UPDATE {EPISODES} SET child_la_id = {SQLITE_LA} WHERE id = NEW.id; END",
    f"CREATE TRIGGER rhi_child_la_moved AFTER UPDATE OF responsible_la_id ON {CHILDREN} "
    "WHEN NEW.responsible_la_id IS NOT OLD.responsible_la_id BEGIN "
    f"UPDATE {EPISODES} SET child_la_id = NEW.responsible_la_id, updated_at = {SQLITE_NOW} "
    "WHERE child_id = NEW.id; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS rhi_child_la_moved",
    "DROP TRIGGER IF EXISTS rhi_episode_child_la_update",
    "DROP TRIGGER IF EXISTS rhi_episode_child_la_insert",
]


def _execute(schema_editor: Any, statements: list[str]) -> None:
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, [PG_CREATE] if vendor == "postgresql" else SQLITE_CREATE)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _execute(schema_editor, [PG_DROP] if vendor == "postgresql" else SQLITE_DROP)


def _mark_triggers(cursor: Any) -> list[str]:
    """The kept performance facts' marking triggers on episode updates (reporting 0003), if made yet."""
    cursor.execute(
        "SELECT quote_ident(tgname) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = %s::regclass "
        "AND tgname LIKE %s",
        [EPISODES, r"rhi\_perf\_mark\_episode\_%"],
    )
    return [name for (name,) in cursor.fetchall()]


def backfill(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {EPISODES}")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            paused = _mark_triggers(cursor) if postgresql else []
            for name in paused:
                cursor.execute(f"ALTER TABLE {EPISODES} DISABLE TRIGGER {name}")
            # Rewriting child_id fires the copy trigger, which reads the child: one rule for every row.
            cursor.execute(
                f"UPDATE {EPISODES} SET child_id = child_id WHERE id >= %s AND id < %s",
                [start, start + BATCH],
            )
            for name in paused:
                cursor.execute(f"ALTER TABLE {EPISODES} ENABLE TRIGGER {name}")


def add_indexes(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("missing_episodes", "MissingEpisode")
    for index in INDEXES:
        if schema_editor.connection.vendor == "postgresql":
            # Built without blocking the episodes' writers (a few seconds each on 1.2M rows).
            schema_editor.execute(index.create_sql(model, schema_editor, concurrently=True))
        else:
            schema_editor.add_index(model, index)


def remove_indexes(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("missing_episodes", "MissingEpisode")
    for index in INDEXES:
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_idempotencykey_moved_to_api"),
        ("missing_episodes", "0011_child_upper_name_dob_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="missingepisode",
            name="child_la",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                help_text="Copy of the child's current responsible LA (set by the database; never written by the app).",
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name="missingepisode", index=index) for index in INDEXES
            ],
            database_operations=[migrations.RunPython(add_indexes, remove_indexes)],
        ),
    ]
