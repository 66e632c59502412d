"""The alert models move here from rhi (issue 12): state only. Their tables were created by rhi's migrations
0002 and 0004 and keep their names (``db_table``), so no row, constraint, index, grant or raw SQL changes.
The content types are renamed from rhi to alerts, so permissions given on them and admin history follow."""

from collections.abc import Callable

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MOVED = ("deadlinealert", "notification", "digestsent")


def content_types_to(
    app_label: str, from_label: str
) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def rename(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        content_type.objects.using(db).filter(app_label=from_label, model__in=MOVED).update(
            app_label=app_label
        )

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("referrals", "0001_initial"),
        ("rhi", "0006_alert_models_moved_to_alerts"),
        ("sharing", "0005_disclosure_approval"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DeadlineAlert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
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
                            ),
                        ),
                        (
                            "deadline",
                            models.DateTimeField(
                                help_text="The deadline the alert is about, as stored when it fired."
                            ),
                        ),
                        ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sweep_id", models.UUIDField(help_text="The sweep run that recorded it.")),
                        (
                            "disclosure",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="sharing.disclosure",
                            ),
                        ),
                        (
                            "referral",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="referrals.referral",
                            ),
                        ),
                        (
                            "rhi",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="rhi.returnhomeinterview",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "rhi_deadlinealert",
                        "ordering": ["-recorded_at"],
                    },
                ),
                migrations.CreateModel(
                    name="DigestSent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField()),
                        ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "rhi_digestsent",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(help_text="Alert kind, or 'digest'.", max_length=30)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "email_status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sending", "Being sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed (every attempt used; retry from the admin)"),
                                    ("not_wanted", "No email (no address)"),
                                ],
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("email_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("emailed_at", models.DateTimeField(blank=True, null=True)),
                        ("email_next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("email_enqueued_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "email_last_error",
                            models.CharField(
                                blank=True,
                                help_text="The last failure's kind (never its text: it may hold an address).",
                                max_length=100,
                            ),
                        ),
                        (
                            "alert",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="alerts.deadlinealert",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "rhi",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="rhi.returnhomeinterview",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "rhi_notification",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.AddIndex(
                    model_name="deadlinealert",
                    index=models.Index(fields=["sweep_id"], name="alert_sweep_idx"),
                ),
                migrations.AddConstraint(
                    model_name="deadlinealert",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("disclosure__isnull", True), ("referral__isnull", True)),
                        fields=("rhi", "kind"),
                        name="alert_once_per_rhi_and_kind",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="deadlinealert",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("referral__isnull", False)),
                        fields=("referral", "kind"),
                        name="alert_once_per_referral",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="deadlinealert",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("disclosure__isnull", False)),
                        fields=("disclosure", "kind"),
                        name="alert_once_per_disclosure",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="digestsent",
                    constraint=models.UniqueConstraint(
                        fields=("recipient", "day"), name="digest_once_per_day"
                    ),
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(fields=["recipient", "created_at"], name="notification_recipient_idx"),
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(
                        condition=models.Q(("read_at__isnull", True)),
                        fields=["recipient"],
                        name="notification_unread_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="notification",
                    index=models.Index(
                        condition=models.Q(("email_status__in", ["pending", "sending"])),
                        fields=["email_next_attempt_at"],
                        name="notification_email_due_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="notification",
                    constraint=models.UniqueConstraint(
                        fields=("alert", "recipient"), name="notification_once_per_recipient"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to("alerts", "rhi"), content_types_to("rhi", "alerts")),
    ]
