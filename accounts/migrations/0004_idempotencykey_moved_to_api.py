# IdempotencyKey now belongs to the api app (api/migrations/0001_initial): state only, the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_client_approval"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
