from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_referral_awaiting_by_rhi_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["updated_at", "id"], name="referral_changed_idx"),
        ),
    ]
