# Where an RHI's outcome was recorded; imported history may be closed as approved without the four-eyes
# review it never went through here (docs/decisions/0006-imported-history.md). Reversible: reversing
# refuses while imported approved rows exist (the old constraint would not hold for them).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rhi", "0002_deadline_alerts_and_notifications"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="returnhomeinterview",
            name="rhi_approved_has_approver",
        ),
        migrations.AddField(
            model_name="returnhomeinterview",
            name="source",
            field=models.CharField(
                choices=[("app", "Recorded in the service"), ("import", "Imported from history")],
                default="app",
                help_text="Imported history closes without the four-eyes review, which it never went through here.",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="returnhomeinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "approved"), _negated=True),
                    models.Q(
                        ("approved_at__isnull", False),
                        ("approved_by__isnull", False),
                        ("submitted_by__isnull", False),
                    ),
                    ("source", "import"),
                    _connector="OR",
                ),
                name="rhi_approved_has_approver",
            ),
        ),
    ]
