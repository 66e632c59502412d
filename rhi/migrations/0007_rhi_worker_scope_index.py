from django.db import migrations, models

# The planner multiplies the selectivities of the worker and the provider as if independent (a worker has one
# provider), estimates a few dozen RHIs and probes the awaiting referrals once per RHI; with the dependency known
# it hashes the awaiting referrals' partial index instead (docs/benchmarks.md, "Pages within budget").
CREATE_STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS rhi_worker_scope_stats (dependencies) "
    "ON allocated_worker_id, provider_id, team_id FROM rhi_returnhomeinterview"
)


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_STATISTICS, params=None)


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS rhi_worker_scope_stats", params=None)


class Migration(migrations.Migration):
    dependencies = [("rhi", "0006_alert_models_moved_to_alerts")]

    operations = [
        migrations.AddIndex(
            model_name="returnhomeinterview",
            index=models.Index(
                fields=["allocated_worker", "provider", "team", "id"], name="rhi_worker_scope_idx"
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics, elidable=False),
    ]
