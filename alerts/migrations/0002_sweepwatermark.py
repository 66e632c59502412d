from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SweepWatermark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("due_soon", "Interview due soon"),
                            ("overdue", "Interview overdue"),
                            ("contact_overdue", "First contact overdue"),
                            ("referral_unacknowledged", "Referral not acknowledged"),
                            ("disclosure_unacknowledged", "Disclosure not acknowledged"),
                        ],
                        max_length=30,
                        unique=True,
                    ),
                ),
                (
                    "swept_to",
                    models.DateTimeField(help_text="The completed sweep's now: deadlines before it were read."),
                ),
                (
                    "changes_from",
                    models.BigIntegerField(
                        help_text="The completed sweep's snapshot xmin: rows written by transactions from it on are reread."
                    ),
                ),
            ],
            options={
                "db_table": "alerts_sweepwatermark",
            },
        ),
    ]
