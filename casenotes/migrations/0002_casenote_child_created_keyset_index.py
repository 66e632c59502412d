from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casenotes", "0001_case_notes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="casenote",
            index=models.Index(fields=["child", "created_at", "id"], name="casenote_child_created_idx"),
        ),
    ]
