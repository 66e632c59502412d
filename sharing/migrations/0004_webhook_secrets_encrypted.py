"""Webhook signing secrets encrypted at rest (sharing.secret_box, Fernet under RHI_WEBHOOK_SECRET_KEYS), and
the delivery log's old error texts (which named internal hosts and ports) reduced to coarse classes."""

from django.db import migrations, models

from sharing import secret_box


def encrypt_secrets(apps, schema_editor):
    WebhookSubscription = apps.get_model("sharing", "WebhookSubscription")
    for subscription in WebhookSubscription.objects.only("pk", "secret").iterator():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret_ciphertext=secret_box.encrypt(subscription.secret)
        )


def decrypt_secrets(apps, schema_editor):
    WebhookSubscription = apps.get_model("sharing", "WebhookSubscription")
    for subscription in WebhookSubscription.objects.only("pk", "secret_ciphertext").iterator():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret=secret_box.decrypt(subscription.secret_ciphertext)
        )


def coarsen_errors(apps, schema_editor):
    WebhookDelivery = apps.get_model("sharing", "WebhookDelivery")
    kept = models.Q(last_error="") | models.Q(last_error__startswith="HTTP ") | models.Q(
        last_error__in=["Timed out", "Subscription stopped"]
    )
    old = WebhookDelivery.objects.exclude(kept)
    old.filter(last_error__icontains="refused").update(last_error="Connection refused")
    old.filter(models.Q(last_error__icontains="ssl") | models.Q(last_error__icontains="certificate")).update(
        last_error="TLS failed"
    )
    old.filter(last_error__icontains="timed out").update(last_error="Timed out")
    old.exclude(last_error__in=["Connection refused", "TLS failed", "Timed out"]).update(
        last_error="Connection failed"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0003_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="secret_ciphertext",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        # A default first, so that reversing the removal can re-add the column to existing rows.
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.RemoveField(
            model_name="webhooksubscription",
            name="secret",
        ),
        migrations.RunPython(coarsen_errors, migrations.RunPython.noop),
    ]
