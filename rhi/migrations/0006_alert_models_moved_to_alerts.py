"""DeadlineAlert, Notification and DigestSent now belong to the alerts app (alerts/migrations/0001_initial.py):
rhi forgets them in state only; their tables stay, under their old names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rhi", "0005_approved_report_frozen"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="notification",
                    name="alert",
                ),
                migrations.RemoveField(
                    model_name="digestsent",
                    name="recipient",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="recipient",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="rhi",
                ),
                migrations.DeleteModel(
                    name="DeadlineAlert",
                ),
                migrations.DeleteModel(
                    name="DigestSent",
                ),
                migrations.DeleteModel(
                    name="Notification",
                ),
            ],
            database_operations=[],
        ),
    ]
