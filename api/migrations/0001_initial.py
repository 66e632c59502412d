# IdempotencyKey moved here from accounts (issue 12): state only, the table keeps its name
# (accounts_idempotencykey), so no row moves and no lock is taken.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_api_client_approval"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=200)),
                        ("request_hash", models.CharField(max_length=64)),
                        ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.JSONField(blank=True, null=True)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="idempotency_keys",
                                to="accounts.apiclient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("client", "key"), name="idempotency_key_unique_per_client"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
