# IdempotencyKey moved here from accounts (issue 12): state only, the table keeps its name
# (accounts_idempotencykey), so no row moves and no lock is taken. Its content type is renamed too, as for the
# alert models (alerts/0001), so permissions on it follow the model.

from collections.abc import Callable

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def content_type_to(app_label: str, from_label: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def rename(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        types = content_type.objects.using(schema_editor.connection.alias)
        if not types.filter(app_label=app_label, model="idempotencykey").exists():
            types.filter(app_label=from_label, model="idempotencykey").update(app_label=app_label)

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_api_client_approval"),
        ("contenttypes", "0002_remove_content_type_name"),
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
        migrations.RunPython(content_type_to("api", "accounts"), content_type_to("accounts", "api")),
    ]
