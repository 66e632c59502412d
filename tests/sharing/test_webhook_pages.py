"""The org admin's webhook pages: adding a webhook (its secret shown once), the delivery log, stopping one, and
who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import Role, User
from audit.models import AuditEvent, AuditOutcome
from sharing import secret_box
from sharing.models import DeliveryState, OutboxEvent, WebhookDelivery, WebhookSubscription
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title
from tests.factories import member
from tests.factories_domain import (
    ProviderFactory,
)
from tests.sharing.webhook_world import (
    NOW,
    PUBLIC_URL,
    Receiver,
    WebhookCase,
    approve,
    browser_for,
    committed,
    free_port,
    submit,
    subscribe,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


def test_org_admin_creates_a_webhook_sees_the_secret_once_and_reads_their_own_delivery_log(
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    admin = member("provider-admin", case.provider, Role.ORG_ADMIN)
    browser = browser_for(admin)
    assert browser.get(reverse("sharing_webhooks:list")).status_code == 200
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {"organisation": case.provider.pk, "url": receiver.url(), "event_types": ["rhi.completed"]},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret in response.content.decode()
    subscription = WebhookSubscription.objects.get()
    assert secret_box.decrypt(subscription.secret_ciphertext) == secret and subscription.created_by == admin
    assert secret not in browser.get(reverse("sharing_webhooks:list")).content.decode()

    other = subscribe(ProviderFactory.create(), receiver.url("/other"), ["rhi.completed"])
    submit(case)
    with committed(django_capture_on_commit_callbacks):
        approve(case)
    log = browser.get(reverse("sharing_webhooks:deliveries"))
    assert log.status_code == 200
    [row] = log.context["deliveries"]
    assert row.subscription_id == subscription.pk and row.state == DeliveryState.DELIVERED
    assert "rhi.completed" in log.content.decode() and secret not in log.content.decode()
    other_admin = User.objects.get(memberships__organisation=other.subscription.organisation)
    assert browser_for(other_admin).get(reverse("sharing_webhooks:deliveries")).context["deliveries"] == []
    assert AuditEvent.objects.filter(
        actor=admin, object_type="sharing.webhookdelivery", action="view"
    ).exists()


def test_the_delivery_log_pages_newest_first_by_keyset(
    case: WebhookCase, clock: time_machine.Traveller
) -> None:
    subscription = subscribe(case.provider, PUBLIC_URL, ["rhi.completed"])
    for n in range(55):
        event = OutboxEvent.objects.create(
            event_type="rhi.completed", object_type="rhi.returnhomeinterview", object_id=n, payload={}
        )
        WebhookDelivery.objects.create(
            event=event, subscription=subscription.subscription, next_attempt_at=NOW + timedelta(days=1)
        )
    admin = User.objects.get(memberships__role=Role.ORG_ADMIN)
    first = browser_for(admin).get(reverse("sharing_webhooks:deliveries"))
    rows = first.context["deliveries"]
    assert len(rows) == 50 and rows[0].event.object_id == 54 and first.context["next_cursor"] == rows[-1].pk
    second = browser_for(admin).get(reverse("sharing_webhooks:deliveries"), {"before": rows[-1].pk})
    assert [d.event.object_id for d in second.context["deliveries"]] == [4, 3, 2, 1, 0]
    assert second.context["next_cursor"] is None


def test_form_errors_are_shown_and_nothing_is_created(case: WebhookCase) -> None:
    browser = browser_for(member("provider-admin", case.provider, Role.ORG_ADMIN))
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {"organisation": case.provider.pk, "url": "http://partner.example.org/hook"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"url", "event_types"}
    assert "<title>Error: " in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_org_admin_stops_a_webhook_and_its_pending_deliveries_are_not_sent(
    case: WebhookCase, eager_celery: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    admin = member("provider-admin", case.provider, Role.ORG_ADMIN)
    port = free_port()
    created = subscribe(case.provider, f"http://127.0.0.1:{port}/hook", ["rhi.completed"])
    submit(case)
    with committed(django_capture_on_commit_callbacks):
        approve(case)
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING
    response = browser_for(admin).post(reverse("sharing_webhooks:deactivate", args=[created.subscription.pk]))
    assert response.status_code == 302
    created.subscription.refresh_from_db()
    assert not created.subscription.active and created.subscription.deactivated_by == admin
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_error) == (DeliveryState.FAILED, "Subscription stopped")


def test_only_the_organisations_admin_may_see_or_stop_its_webhooks(case: WebhookCase) -> None:
    created = subscribe(case.provider, PUBLIC_URL, ["rhi.completed"])
    other_admin = member("other-admin", ProviderFactory.create(), Role.ORG_ADMIN)
    for user in (other_admin, case.manager):
        browser = browser_for(user)
        stop = browser.post(reverse("sharing_webhooks:deactivate", args=[created.subscription.pk]))
        assert stop.status_code == 404
    assert browser_for(case.manager).get(reverse("sharing_webhooks:list")).status_code == 404
    assert browser_for(case.worker).get(reverse("sharing_webhooks:deliveries")).status_code == 404
    created.subscription.refresh_from_db()
    assert created.subscription.active
    denied = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED)
    assert denied.filter(actor=other_admin, object_id=str(created.subscription.pk)).exists()
    assert denied.filter(actor=case.worker, object_type="sharing.webhookdelivery").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_org_admin_adds_reads_the_log_of_and_stops_a_webhook_in_the_browser(page: Any) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    member("provider-admin", provider, Role.ORG_ADMIN)
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill("provider-admin")
    page.get_by_label("Password").fill("unused-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Home", level=1).wait_for()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Webhooks").click()
    page.get_by_role("heading", name="Webhooks", level=1).wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Add a webhook").click()
    page.get_by_role("button", name="Create the webhook and its secret").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    page.get_by_label("Address to send events to").fill(PUBLIC_URL)
    page.get_by_label("A return home interview report is approved").check()
    page.get_by_role("button", name="Create the webhook and its secret").click()
    page.get_by_role("heading", name="Signing secret").wait_for()
    assert_no_axe_violations(page)
    subscription = WebhookSubscription.objects.get()
    assert page.locator("#webhook-secret").inner_text() == secret_box.decrypt(subscription.secret_ciphertext)

    event = OutboxEvent.objects.create(
        event_type="rhi.completed",
        object_type="rhi.returnhomeinterview",
        object_id=41,
        payload={"rhi_id": 41},
    )
    WebhookDelivery.objects.create(
        event=event,
        subscription=subscription,
        attempts=2,
        last_status_code=503,
        last_error="HTTP 503",
        next_attempt_at=event.created_at + timedelta(minutes=3),
    )
    page.goto(reverse("sharing_webhooks:deliveries"))
    page.get_by_role("heading", name="Webhook delivery log").wait_for()
    assert "rhi.returnhomeinterview 41" in page.locator("table tbody").inner_text()
    assert_no_axe_violations(page)

    page.goto(reverse("sharing_webhooks:list"))
    page.get_by_role("link", name=f"Stop webhook {subscription.pk}").click()
    page.get_by_role("heading", name=f"Stop webhook {subscription.pk}").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Stop the webhook").click()
    page.get_by_role("heading", name="Webhooks", level=1).wait_for()
    assert "Stopped" in page.locator("table tbody").inner_text()
    assert_no_axe_violations(page)
