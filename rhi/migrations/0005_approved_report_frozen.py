"""Frozen means frozen (rhi/frozen.py, docs/rhi-states.md): on PostgreSQL, triggers refuse

- UPDATE of an approved RHI's report columns (its outcome, offer, decline, consent and sign-off) and DELETE of
  an approved RHI;
- UPDATE and DELETE of its interview, findings (risk indicators, locations, associates) and contact attempts.

Not whoever asks — the admin, a shell, a future bug. History imported from an old system (source 'import') is
corrected by re-importing and is left out. The column list is a copy of rhi.frozen.FROZEN_RHI_COLUMNS as it
stood (a migration must not change when the code does). SQLite, the embedded development default, has no
trigger: there the services and the admin's read-only pages are the guard.
"""

from django.db import migrations

FROZEN_RHI_COLUMNS = (
    "state",
    "source",
    "child_id",
    "local_authority_id",
    "provider_id",
    "offered_at",
    "offered_to",
    "offer_method",
    "outcome",
    "outcome_recorded_at",
    "declined_by",
    "decline_reason",
    "decline_reason_text",
    "not_offered_reason",
    "not_offered_text",
    "consent_to_share",
    "share_without_consent",
    "consent_override_justification",
    "consent_override_by_id",
    "submitted_at",
    "submitted_by_id",
    "approved_at",
    "approved_by_id",
)
FROZEN_TABLES = (
    "rhi_interview",
    "rhi_riskindicatorfinding",
    "rhi_location",
    "rhi_associate",
    "rhi_contactattempt",
)


def _row(alias):
    return "(" + ", ".join(f"{alias}.{column}" for column in FROZEN_RHI_COLUMNS) + ")"


POSTGRES_UP = [
    f"""
CREATE OR REPLACE FUNCTION rhi_refuse_change_to_approved() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'approved' AND OLD.source <> 'import' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'RHI % is approved and frozen: DELETE refused', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF {_row("NEW")} IS DISTINCT FROM {_row("OLD")} THEN
            RAISE EXCEPTION 'RHI % is approved and frozen: its report cannot be changed', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    """
CREATE TRIGGER rhi_approved_frozen
    BEFORE UPDATE OR DELETE ON rhi_returnhomeinterview
    FOR EACH ROW EXECUTE FUNCTION rhi_refuse_change_to_approved();
""",
    """
CREATE OR REPLACE FUNCTION rhi_refuse_change_to_approved_findings() RETURNS trigger AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        touched := ARRAY[OLD.rhi_id, NEW.rhi_id];
    ELSE
        touched := ARRAY[OLD.rhi_id];
    END IF;
    IF EXISTS (SELECT 1 FROM rhi_returnhomeinterview WHERE id = ANY(touched) AND state = 'approved' AND source <> 'import') THEN
        RAISE EXCEPTION '% of an approved RHI is frozen: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    *(
        f"""
CREATE TRIGGER {table}_approved_frozen
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION rhi_refuse_change_to_approved_findings();
"""
        for table in FROZEN_TABLES
    ),
]
POSTGRES_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {table}_approved_frozen ON {table};" for table in FROZEN_TABLES),
    "DROP TRIGGER IF EXISTS rhi_approved_frozen ON rhi_returnhomeinterview;",
    "DROP FUNCTION IF EXISTS rhi_refuse_change_to_approved_findings();",
    "DROP FUNCTION IF EXISTS rhi_refuse_change_to_approved();",
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_UP:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DOWN:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("rhi", "0004_notification_email_attempts")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
