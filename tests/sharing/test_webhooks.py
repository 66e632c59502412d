"""Outbound signed webhooks (docs/webhooks.md) against a real local HTTP receiver (tests/sharing/webhook_world.py):
emitting and delivering, retries and their timing against the beat's sweep. Time is frozen and moved with
time-machine so the backoff and the sweep are exercised without waiting."""

from __future__ import annotations

import io
import json
import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from missing_episodes.services import record_episode
from rhi import services
from rhi.models import RHIState
from sharing import webhooks
from sharing.models import DeliveryState, OutboxEvent, WebhookDelivery
from sharing.services import share
from sharing.tasks import deliver_webhook, webhook_sweep
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    PoliceForceFactory,
    ProviderFactory,
)
from tests.sharing.webhook_world import (
    NOW,
    PUBLIC_URL,
    Receiver,
    WebhookCase,
    approve,
    committed,
    free_port,
    submit,
    subscribe,
    sweep,
    verify,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


def test_approving_an_rhi_sends_the_provider_one_signed_post_and_an_unrelated_provider_nothing(
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    mine = subscribe(case.provider, receiver.url("/provider"), ["rhi.completed", "rhi.declined"])
    subscribe(ProviderFactory.create(), receiver.url("/stranger"), ["rhi.completed"])
    submit(case)
    with committed(django_capture_on_commit_callbacks):
        approve(case)

    assert receiver.to("/stranger") == []
    [request] = receiver.requests
    assert request["path"] == "/provider" and verify(mine.secret, request)
    delivery = WebhookDelivery.objects.get()
    event = OutboxEvent.objects.get()
    assert request["headers"]["X-RHI-Event"] == "rhi.completed"
    assert request["headers"]["X-RHI-Delivery"] == str(delivery.uuid)
    assert request["headers"]["X-RHI-Timestamp"] == str(int(NOW.timestamp()))
    body = json.loads(request["body"])
    assert body["id"] == str(event.uuid) and body["type"] == "rhi.completed"
    assert body["occurred_at"] == NOW.isoformat()
    assert body["data"]["rhi_id"] == case.rhi.pk and body["data"]["outcome"] == "accepted"
    assert body["data"]["episode_ids"] == [case.episode.pk]
    text = request["body"].decode()
    assert "Jordan" not in text and "Whitlock" not in text and "friend" not in text
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.DELIVERED, 1, 200)
    assert delivery.delivered_at == NOW and delivery.next_attempt_at is None


def test_an_approval_inside_a_callers_transaction_is_refused_and_leaves_no_outbox_row(
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """The outbox row is written in the approval's own transaction, and the approval is durable: no caller can
    wrap it in a bigger transaction that rolls back after the row is written (once, this test rolled such a
    transaction back; durable services made that impossible, so the test now checks the refusal)."""
    subscribe(case.provider, receiver.url(), ["rhi.completed"])
    submit(case)

    with (
        committed(django_capture_on_commit_callbacks),
        pytest.raises(RuntimeError, match="durable atomic block cannot be nested"),
        transaction.atomic(),
    ):
        approve(case)

    assert not OutboxEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert receiver.requests == []
    case.rhi.refresh_from_db()
    assert case.rhi.state == RHIState.SUBMITTED
    assert sweep(django_capture_on_commit_callbacks) == 0 and receiver.requests == []


def test_while_the_receiver_is_down_the_delivery_waits_and_the_sweep_delivers_it_exactly_once_later(
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    port = free_port()  # nothing listens here yet: connection refused
    mine = subscribe(case.provider, f"http://127.0.0.1:{port}/hook", ["rhi.completed"])
    submit(case)
    with committed(django_capture_on_commit_callbacks):
        approve(case)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.PENDING, 1, None)
    assert "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1)

    clock.shift(timedelta(seconds=30))  # not due yet: the sweep leaves it alone
    assert sweep(django_capture_on_commit_callbacks) == 0
    clock.shift(timedelta(seconds=30))  # due: tried again, still down, next wait doubles
    assert sweep(django_capture_on_commit_callbacks) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 2)
    assert delivery.next_attempt_at == NOW + timedelta(minutes=3)

    receiver = Receiver(port=port)  # the partner's system comes back
    try:
        clock.shift(timedelta(minutes=2))
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("webhook_sweep", stdout=out)
        assert json.loads(out.getvalue()) == {"enqueued": 1}
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
            DeliveryState.DELIVERED,
            3,
            200,
        )
        [request] = receiver.requests
        assert verify(mine.secret, request)

        # Duplicate sweeps, tasks and calls after the success send nothing more.
        clock.shift(timedelta(hours=2))
        assert sweep(django_capture_on_commit_callbacks) == 0
        assert webhooks.deliver(delivery_id=delivery.pk) == "skipped"
        deliver_webhook.delay(delivery.pk)
        webhook_sweep.delay()
        assert len(receiver.requests) == 1
    finally:
        receiver.stop()


def test_a_receiver_answering_500_is_tried_again_after_a_minute_with_the_same_body_and_delivery_id(
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    receiver = Receiver(statuses=[500, 200])
    try:
        mine = subscribe(case.provider, receiver.url(), ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.last_status_code, delivery.last_error) == (
            DeliveryState.PENDING,
            500,
            "HTTP 500",
        )
        # A duplicated task before the backoff has passed does not jump the queue.
        assert webhooks.deliver(delivery_id=delivery.pk) == "skipped"
        clock.shift(timedelta(minutes=1))
        assert sweep(django_capture_on_commit_callbacks) == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
            DeliveryState.DELIVERED,
            2,
            200,
        )
        first, second = receiver.requests
        assert first["body"] == second["body"] and verify(mine.secret, second)
        assert first["headers"]["X-RHI-Delivery"] == second["headers"]["X-RHI-Delivery"] == str(delivery.uuid)
    finally:
        receiver.stop()


def test_a_receiver_answering_410_fails_the_delivery_permanently_and_it_is_never_retried(
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    receiver = Receiver(statuses=[410])
    try:
        subscribe(case.provider, receiver.url(), ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
            DeliveryState.FAILED,
            1,
            410,
        )
        assert delivery.next_attempt_at is None
        clock.shift(timedelta(hours=3))
        assert sweep(django_capture_on_commit_callbacks) == 0
        assert webhooks.deliver(delivery_id=delivery.pk) == "skipped"
        assert len(receiver.requests) == 1
    finally:
        receiver.stop()


def test_a_receiver_that_never_answers_well_gets_backoff_capped_at_an_hour_then_fails_after_ten_tries(
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    receiver = Receiver(statuses=[503] * 20)
    try:
        subscribe(case.provider, receiver.url(), ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
        waits = []
        delivery = WebhookDelivery.objects.get()
        while delivery.state == DeliveryState.PENDING:
            assert delivery.next_attempt_at is not None and delivery.last_attempt_at is not None
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
            clock.move_to(delivery.next_attempt_at)
            sweep(django_capture_on_commit_callbacks)
            delivery.refresh_from_db()
        assert [int(w.total_seconds() // 60) for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
        assert (delivery.state, delivery.attempts, len(receiver.requests)) == (DeliveryState.FAILED, 10, 10)
    finally:
        receiver.stop()


def test_a_decline_tells_the_childs_council_with_coded_reasons_and_never_the_words(
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    council = case.child.responsible_la
    mine = subscribe(council, receiver.url("/council"), ["rhi.declined"])
    subscribe(LocalAuthorityFactory.create(), receiver.url("/other-council"), ["rhi.declined"])
    with django_capture_on_commit_callbacks(execute=True):
        services.record_decline(
            rhi_id=case.rhi.pk,
            by=case.worker,
            declined_by="child",
            reason="other",
            reason_text="Did not want to talk about her uncle",
        )
    [request] = receiver.requests
    assert request["path"] == "/council" and verify(mine.secret, request)
    data = json.loads(request["body"])["data"]
    assert (data["decline_reason"], data["declined_by"], data["outcome"]) == ("other", "child", "declined")
    assert "uncle" not in request["body"].decode()


def test_a_police_force_hears_of_returns_of_its_own_episodes_only(
    clock: time_machine.Traveller,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    force, other_force = PoliceForceFactory.create(), PoliceForceFactory.create()
    subscribe(force, receiver.url("/force"), ["episode.returned"])
    subscribe(other_force, receiver.url("/other-force"), ["episode.returned"])
    child = ChildFactory.create()
    fields = {
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": NOW - timedelta(hours=10),
    }
    with django_capture_on_commit_callbacks(execute=True):
        record_episode(child=child, police_force=force, police_reference="MP-1", fields=fields)
    assert receiver.requests == []  # still missing: nothing to tell
    with django_capture_on_commit_callbacks(execute=True):
        result = record_episode(
            child=child, police_force=force, police_reference="MP-1", fields={"returned_at": NOW}
        )
        # The same notification again changes nothing and tells nobody twice.
        record_episode(child=child, police_force=force, police_reference="MP-1", fields={"returned_at": NOW})
    [request] = receiver.requests
    assert request["path"] == "/force" and request["headers"]["X-RHI-Event"] == "episode.returned"
    data = json.loads(request["body"])["data"]
    assert data["episode_id"] == result.episode.pk and data["police_force_code"] == force.code
    assert data["returned_at"] == NOW.isoformat()
    assert child.first_name not in request["body"].decode()


def test_sharing_an_intelligence_summary_tells_that_force_and_no_other(
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    force = case.episode.police_force
    assert force is not None
    mine = subscribe(force, receiver.url("/force"), ["disclosure.made"])
    subscribe(PoliceForceFactory.create(), receiver.url("/other-force"), ["disclosure.made"])
    submit(case)
    approve(case)
    with committed(django_capture_on_commit_callbacks):
        disclosure = share(
            rhi_id=case.rhi.pk,
            by=case.worker,
            recipient_organisation_id=force.pk,
            level="intelligence_summary",
            lawful_basis="public_task",
        )
    [request] = receiver.requests
    assert request["path"] == "/force" and verify(mine.secret, request)
    data = json.loads(request["body"])["data"]
    assert (data["disclosure_id"], data["level"], data["rhi_id"]) == (
        disclosure.pk,
        "intelligence_summary",
        case.rhi.pk,
    )


def test_nobody_subscribed_writes_no_outbox_rows(case: WebhookCase) -> None:
    submit(case)
    approve(case)
    assert not OutboxEvent.objects.exists()


def test_only_https_addresses_are_accepted_unless_local_http_is_allowed(
    settings: Settings, case: WebhookCase
) -> None:
    with pytest.raises(ValidationError, match="https"):
        subscribe(case.provider, "http://partner.example.org/hook", ["rhi.completed"])
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    settings.DEBUG = False
    with pytest.raises(ValidationError, match="https"):
        subscribe(case.provider, "http://127.0.0.1:9/hook", ["rhi.completed"])
    assert subscribe(case.provider, PUBLIC_URL, ["rhi.completed"]).secret


@pytest.mark.django_db(transaction=True)
def test_a_delivery_another_worker_is_sending_is_skipped_by_tasks_and_the_sweep_and_sent_once(
    receiver: Receiver, eager_celery: None
) -> None:
    created = subscribe(ProviderFactory.create(), receiver.url(), ["rhi.completed"])
    event = OutboxEvent.objects.create(
        event_type="rhi.completed", object_type="rhi.returnhomeinterview", object_id=7, payload={"rhi_id": 7}
    )
    delivery = WebhookDelivery.objects.create(
        event=event, subscription=created.subscription, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:  # holds the row's lock as a worker in the middle of sending would
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=other_worker)
    holder.start()
    assert locked.wait(10)
    try:
        assert webhooks.deliver(delivery_id=delivery.pk) == "skipped"
        assert webhooks.run_webhook_sweep() == 0
        assert receiver.requests == []
    finally:
        release.set()
        holder.join(10)
    assert webhooks.deliver(delivery_id=delivery.pk) == DeliveryState.DELIVERED
    assert webhooks.deliver(delivery_id=delivery.pk) == "skipped"
    assert webhooks.run_webhook_sweep() == 0
    assert len(receiver.requests) == 1


def test_a_failed_delivery_is_retried_on_the_sweep_one_backoff_later_not_a_whole_sweep_after(
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """The beat ticks every minute; each attempt starts a moment after the tick that queued it. Before the
    fix the next tick, one backoff later, found the retry a second short and it waited a whole minute more."""
    receiver = Receiver(statuses=[503, 503, 200])
    latency = timedelta(seconds=2)

    def tick_at(moment: datetime) -> int:
        """The beat's sweep at ``moment``; the attempts it queued start ``latency`` later on a worker."""
        clock.move_to(moment)
        with django_capture_on_commit_callbacks() as callbacks:
            queued = webhooks.run_webhook_sweep()
        clock.shift(latency)
        for callback in callbacks:
            callback()
        return queued

    try:
        subscribe(case.provider, receiver.url(), ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)  # first attempt at NOW: 503
        first = WebhookDelivery.objects.get()
        assert first.last_attempt_at == NOW

        # The first tick after the 1-minute wait falls half a second short of it: it still sends.
        assert tick_at(NOW + timedelta(seconds=59.5)) == 1
        second = WebhookDelivery.objects.get()
        assert second.attempts == 2 and second.last_attempt_at == NOW + timedelta(seconds=61.5)

        # Then 2 minutes: not on the tick after one minute, but on the tick that falls at two.
        assert tick_at(NOW + timedelta(seconds=119.5)) == 0
        assert tick_at(NOW + timedelta(seconds=179.5)) == 1
        third = WebhookDelivery.objects.get()
        assert (third.state, third.attempts) == (DeliveryState.DELIVERED, 3)

        assert first.last_attempt_at and second.last_attempt_at and third.delivered_at
        waits = [second.last_attempt_at - first.last_attempt_at, third.delivered_at - second.last_attempt_at]
        leeway = webhooks.RETRY_LEEWAY
        for wait, documented in zip(waits, (timedelta(minutes=1), timedelta(minutes=2)), strict=True):
            assert documented - leeway <= wait <= documented + leeway
        assert len(receiver.requests) == 3
    finally:
        receiver.stop()
