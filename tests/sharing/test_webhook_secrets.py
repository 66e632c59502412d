"""Webhook signing secrets are encrypted at rest under keys from the environment, with rotation
(sharing.secret_box, manage.py rotate_webhook_secrets, check --deploy)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Membership, Role, User
from sharing import secret_box, webhooks
from sharing.checks import webhook_settings_fit_for_production
from sharing.models import WebhookSubscription
from tests.factories_domain import ProviderFactory

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.215.14/hook"  # a public address literal: no DNS needed to save it


def subscribe() -> webhooks.NewSubscription:
    provider = ProviderFactory.create()
    admin = User.objects.create_user(username="provider-admin", password="unused-password-1")
    Membership.objects.create(user=admin, organisation=provider, role=Role.ORG_ADMIN)
    return webhooks.create_subscription(
        organisation=provider, url=PUBLIC_URL, event_types=["rhi.completed"], by=admin
    )


def stored_row(pk: int) -> str:
    """Everything the database holds for the subscription, as text (what a database copy would reveal)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sharing_webhooksubscription WHERE id = %s", [pk])
        return repr(cursor.fetchone())


def test_org_admins_new_webhook_secret_is_stored_encrypted_and_only_the_key_opens_it(settings: Any) -> None:
    settings.RHI_WEBHOOK_SECRET_KEYS = [Fernet.generate_key().decode()]
    created = subscribe()
    assert created.secret not in stored_row(created.subscription.pk)
    row = WebhookSubscription.objects.get()
    assert secret_box.decrypt(row.secret_ciphertext) == created.secret
    settings.RHI_WEBHOOK_SECRET_KEYS = [Fernet.generate_key().decode()]  # a database copy without the key
    with pytest.raises(secret_box.InvalidToken):
        secret_box.decrypt(row.secret_ciphertext)


def test_operator_rotates_the_key_and_secrets_stay_readable_then_the_old_key_can_go(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.RHI_WEBHOOK_SECRET_KEYS = [old]
    created = subscribe()
    settings.RHI_WEBHOOK_SECRET_KEYS = [new, old]  # the new key first: it encrypts, both decrypt
    assert secret_box.decrypt(WebhookSubscription.objects.get().secret_ciphertext) == created.secret

    out = io.StringIO()
    call_command("rotate_webhook_secrets", stdout=out)
    assert json.loads(out.getvalue()) == {"reencrypted": 1}

    settings.RHI_WEBHOOK_SECRET_KEYS = [new]  # the old key dropped
    row = WebhookSubscription.objects.get()
    assert secret_box.decrypt(row.secret_ciphertext) == created.secret
    assert created.secret not in stored_row(row.pk)


def test_production_without_webhook_keys_or_with_local_receivers_fails_check_deploy(settings: Any) -> None:
    settings.DEBUG = False
    settings.RHI_WEBHOOK_SECRET_KEYS = []
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True
    ids = {error.id for error in webhook_settings_fit_for_production(None)}
    assert ids == {"sharing.E001", "sharing.E002"}

    settings.RHI_WEBHOOK_SECRET_KEYS = [Fernet.generate_key().decode()]
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    assert webhook_settings_fit_for_production(None) == []
    settings.DEBUG = True  # a developer's machine: the derived key and local receivers are fine
    settings.RHI_WEBHOOK_SECRET_KEYS = []
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True
    assert webhook_settings_fit_for_production(None) == []


def test_the_embedded_default_with_no_keys_still_encrypts_with_a_derived_key(settings: Any) -> None:
    settings.RHI_WEBHOOK_SECRET_KEYS = []
    created = subscribe()
    row = WebhookSubscription.objects.get()
    assert created.secret not in stored_row(row.pk)
    assert secret_box.decrypt(row.secret_ciphertext) == created.secret


def test_a_malformed_key_is_reported_by_the_system_checks(settings: Any) -> None:
    settings.RHI_WEBHOOK_SECRET_KEYS = ["not-a-fernet-key"]
    assert "sharing.E003" in {message.id for message in run_checks()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_clear_secrets_and_coarsens_old_error_texts(settings: Any) -> None:
    """sharing 0004 on a database that held secrets in clear and raw exception texts; and its reverse."""
    settings.RHI_WEBHOOK_SECRET_KEYS = [Fernet.generate_key().decode()]
    before, after = [("sharing", "0003_webhooks")], [("sharing", "0004_webhook_secrets_encrypted")]
    provider = ProviderFactory.create()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        subscription = old.get_model("sharing", "WebhookSubscription").objects.create(
            organisation_id=provider.pk, url=PUBLIC_URL, secret="whsec_clear-secret", event_types=[]
        )
        event = old.get_model("sharing", "OutboxEvent").objects.create(
            event_type="rhi.completed", object_type="rhi.returnhomeinterview", object_id=1, payload={}
        )
        Delivery = old.get_model("sharing", "WebhookDelivery")
        raw = "ConnectionRefusedError: [Errno 111] Connection refused to 10.0.0.7:5432"
        delivery = Delivery.objects.create(
            event=event, subscription=subscription, state="failed", last_error=raw
        )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert "whsec_clear-secret" not in stored_row(subscription.pk)
        row = WebhookSubscription.objects.get(pk=subscription.pk)
        assert secret_box.decrypt(row.secret_ciphertext) == "whsec_clear-secret"
        assert Delivery.objects.get(pk=delivery.pk).last_error == "Connection refused"

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # reversible: the clear secret comes back
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret FROM sharing_webhooksubscription WHERE id = %s", [subscription.pk])
            assert cursor.fetchone() == ("whsec_clear-secret",)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
