from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rhi", "0007_rhi_worker_scope_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="returnhomeinterview",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["accepted", "allocated", "contacting", "offered", "unallocated"])
                ),
                fields=["due_at", "id"],
                name="rhi_running_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="returnhomeinterview",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["accepted", "allocated", "contacting", "offered", "unallocated"])
                ),
                fields=["due_soon_at", "id"],
                name="rhi_running_due_soon_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="returnhomeinterview",
            index=models.Index(
                condition=models.Q(("state__in", ["allocated", "unallocated"])),
                fields=["contact_due_at", "id"],
                name="rhi_awaiting_contact_due_idx",
            ),
        ),
    ]
