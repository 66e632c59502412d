"""A child's periods of care never overlap (the returns join an episode to the one period covering its day, and
``care_services`` checks under a lock on the child): enforced by the database too, on PostgreSQL only. An
exclusion constraint over [start, end) ranges (``covers_q``: the day care ceased is not covered), which needs
btree_gist for the child's equality. SQLite (``./scripts/run.sh``) has no such constraint: the service check
stands alone there. Not in the model's Meta, so makemigrations does not try to make it on SQLite."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CONSTRAINT = "care_period_no_overlap"


def add_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE missing_episodes_careperiod ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(child_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
    )


def drop_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE missing_episodes_careperiod DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("missing_episodes", "0006_fact_corrections")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
