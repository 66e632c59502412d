"""Automatic disclosures to an out-of-area child's placing authority say what they are about (``event``), and
each is made once: one per episode (or RHI), recipient and event (sharing/out_of_area.py). Disclosures made by
people leave ``event`` blank and are not constrained. Reversible: removing the constraints and the column."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="event",
            field=models.CharField(
                blank=True,
                choices=[
                    ("episode_reported", "Episode reported"),
                    ("episode_returned", "Return recorded"),
                    ("rhi_outcome", "Return home interview outcome"),
                    ("report_offered", "Report offered"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.UniqueConstraint(
                condition=models.Q(("episode__isnull", False), models.Q(("event", ""), _negated=True)),
                fields=("episode", "recipient_organisation", "event"),
                name="disclosure_one_per_episode_event",
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("episode__isnull", True), ("rhi__isnull", False), models.Q(("event", ""), _negated=True)
                ),
                fields=("rhi", "recipient_organisation", "event"),
                name="disclosure_one_per_rhi_event",
            ),
        ),
    ]
