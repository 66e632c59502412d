"""Triggers that mark the kept performance facts stale in the changing transaction (reporting.performance.kept).

Why triggers and not calls in each service: every writer of what the return reads is caught, in its own
transaction, whatever it is: the services, the importers (which write by COPY and bulk statements), the admin,
a data fix in a shell. One statement-level trigger per table and event, over its transition table, so a bulk
write marks its rows with one INSERT … SELECT. PostgreSQL only: elsewhere (the embedded SQLite default) the
return is always computed in full (``kept_read``).

What each table marks (``reporting_performancefactmark``):
- an episode: itself; an RHI's link to an episode: the episode;
- an RHI or its interview: the episodes of the RHI and of every RHI it answers for (superseded into it);
- a period of care: the child's episodes (``looked_after_at_start``);
- a clock policy: its whole authority (episodes without an RHI are timed under it); an authority's nation: the
  same (the standard definitions' working days).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

MARKS = "reporting_performancefactmark"
EPISODES = "missing_episodes_missingepisode"
RHIS = "rhi_returnhomeinterview"
LINKS = "rhi_rhiepisode"
CHAIN = (
    "WITH RECURSIVE seed(id) AS ({seed}), chain(id) AS (SELECT id FROM seed UNION "
    f"SELECT r.id FROM {RHIS} r JOIN chain c ON r.superseded_by_id = c.id) "
    f"SELECT l.episode_id FROM {LINKS} l JOIN chain c ON l.rhi_id = c.id"
)
SAME = "SELECT DISTINCT id FROM ({seed}) s(id) WHERE id IS NOT NULL"
# (short name, table, column of the changed rows, query over "{seed}", mark column)
TABLES = (
    ("episode", EPISODES, "id", SAME, "episode_id"),
    ("link", LINKS, "episode_id", SAME, "episode_id"),
    ("rhi", RHIS, "id", CHAIN, "episode_id"),
    ("interview", "rhi_interview", "rhi_id", CHAIN, "episode_id"),
    ("care", "missing_episodes_careperiod", "child_id", f"SELECT id FROM {EPISODES} WHERE child_id IN ({{seed}})", "episode_id"),
    ("policy", "rhi_clockpolicy", "local_authority_id", SAME, "organisation_id"),
)
NATION = (
    "SELECT n.id FROM changed n JOIN changed_old o ON o.id = n.id WHERE n.kind = 'local_authority' "
    "AND n.nation IS DISTINCT FROM o.nation"
)
REFERENCING = {
    "INSERT": "NEW TABLE AS changed",
    "DELETE": "OLD TABLE AS changed",
    "UPDATE": "OLD TABLE AS changed_old NEW TABLE AS changed",
}


def _trigger(name: str, table: str, event: str, query: str, column: str) -> tuple[str, str]:
    function = f"rhi_perf_mark_{name}_{event.lower()}"
    create = (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {MARKS} ({column}) {query}; RETURN NULL; END $$; "
        f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {REFERENCING[event]} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    )
    drop = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return create, drop


def _triggers() -> list[tuple[str, str]]:
    made = []
    for name, table, seed_column, query, column in TABLES:
        for event in REFERENCING:
            seed = f"SELECT {seed_column} FROM changed"
            if event == "UPDATE":
                seed += f" UNION SELECT {seed_column} FROM changed_old"
            made.append(_trigger(name, table, event, query.format(seed=seed), column))
    made.append(_trigger("nation", "accounts_organisation", "UPDATE", NATION, "organisation_id"))
    return made


def _run(schema_editor: Any, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, [create for create, _ in _triggers()])


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, [drop for _, drop in _triggers()])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_performance_facts"),
        ("rhi", "0006_alert_models_moved_to_alerts"),
        ("accounts", "0004_idempotencykey_moved_to_api"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
