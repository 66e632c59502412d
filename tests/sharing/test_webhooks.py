"""Outbound signed webhooks (docs/webhooks.md) against a real local HTTP receiver: an http.server in a thread
on 127.0.0.1 that records every request and answers with the statuses it is told to. Time is frozen and
moved with time-machine so the backoff and the sweep are exercised without waiting."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role, Team, User
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.services import record_episode
from rhi import services
from rhi.models import RHIState
from sharing import secret_box, webhooks
from sharing.models import DeliveryState, OutboxEvent, WebhookDelivery, WebhookSubscription
from sharing.tasks import deliver_webhook, webhook_sweep
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PoliceForceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
# A public address literal: saving it needs no DNS (the tests run without a resolver for outside names).
PUBLIC_URL = "https://93.184.215.14/hooks/rhi"


# ---------------------------------------------------------------------------------------------------------
# A real receiver
# ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Receiver:
    """Records each POST (path, headers, raw body) and answers with the next of ``statuses`` (then 200)."""

    def __init__(
        self, port: int = 0, statuses: list[int] | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls is not None:  # an https receiver: the handshake happens as each connection is accepted
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings: Any) -> None:
    """The receiver listens on 127.0.0.1: these tests turn the development setting on explicitly (the default
    refuses loopback; test_a_local_receiver_is_refused_unless_the_development_setting_is_on proves it)."""
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@contextmanager
def committed(capture: Any) -> Iterator[None]:
    """Commit as far as webhooks are concerned: run the deliveries the change enqueued on commit (and only
    those: the approval's PDF rendering has its own tests)."""
    with capture() as callbacks:
        yield
    for callback in callbacks:
        # core.enqueue.call_after_commit names its callback after the function it calls.
        if getattr(callback, "__qualname__", None) == webhooks.enqueue_deliveries.__qualname__:
            callback()


def sweep(capture: Any) -> int:
    with capture(execute=True):
        return webhooks.run_webhook_sweep()


# ---------------------------------------------------------------------------------------------------------
# The world: a provider's RHI up to submission, and subscriptions made by org admins
# ---------------------------------------------------------------------------------------------------------


def member(username: str, org: Any, role: str, team: Any = None) -> User:
    user = User.objects.create_user(username=username, password="unused-password-1", organisation=org)
    Membership.objects.create(user=user, organisation=org, team=team, role=role)
    return user


def subscribe(org: Any, url: str, events: list[str]) -> webhooks.NewSubscription:
    admin = User.objects.filter(memberships__organisation=org, memberships__role=Role.ORG_ADMIN).first()
    admin = admin or member(f"admin-{org.pk}", org, Role.ORG_ADMIN)
    return webhooks.create_subscription(organisation=org, url=url, event_types=events, by=admin)


@pytest.fixture
def case(clock: Any) -> dict[str, Any]:
    provider = ProviderFactory()
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory(first_name="Jordan", last_name="Whitlock")
    episode = MissingEpisodeFactory(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    worker = member("worker", provider, Role.RHI_WORKER, team)
    manager = member("manager", provider, Role.TEAM_MANAGER, team)
    services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    services.log_contact_attempt(
        rhi_id=rhi.pk,
        by=worker,
        attempted_at=RETURNED + timedelta(hours=3),
        method="phone",
        contact_with="child",
        outcome="spoke",
    )
    services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=RETURNED + timedelta(hours=4), offered_to="child", method="phone"
    )
    return {
        "provider": provider,
        "team": team,
        "child": child,
        "episode": episode,
        "rhi": rhi,
        "worker": worker,
        "manager": manager,
    }


def submit(case: dict[str, Any]) -> None:
    rhi = case["rhi"]
    services.record_acceptance(rhi_id=rhi.pk, by=case["worker"])
    services.record_interview(
        rhi_id=rhi.pk,
        by=case["worker"],
        interview={
            "held_at": RETURNED + timedelta(hours=30),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
            "child_words": "I went to my friend's house.",
        },
    )
    rhi.refresh_from_db()
    rhi.consent_to_share = "given"
    rhi.save()
    services.submit_for_approval(rhi_id=rhi.pk, by=case["worker"])


def approve(case: dict[str, Any]) -> None:
    services.approve(rhi_id=case["rhi"].pk, by=case["manager"])


def verify(secret: str, request: dict[str, Any]) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-RHI-Signature"])


# ---------------------------------------------------------------------------------------------------------
# Emitting and delivering
# ---------------------------------------------------------------------------------------------------------


def test_approving_an_rhi_sends_the_provider_one_signed_post_and_an_unrelated_provider_nothing(
    case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    mine = subscribe(case["provider"], receiver.url("/provider"), ["rhi.completed", "rhi.declined"])
    subscribe(ProviderFactory(), receiver.url("/stranger"), ["rhi.completed"])
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
    assert body["data"]["rhi_id"] == case["rhi"].pk and body["data"]["outcome"] == "accepted"
    assert body["data"]["episode_ids"] == [case["episode"].pk]
    text = request["body"].decode()
    assert "Jordan" not in text and "Whitlock" not in text and "friend" not in text
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.DELIVERED, 1, 200)
    assert delivery.delivered_at == NOW and delivery.next_attempt_at is None


def test_a_rolled_back_approval_leaves_no_outbox_row_and_sends_nothing(
    case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    subscribe(case["provider"], receiver.url(), ["rhi.completed"])
    submit(case)
    with committed(django_capture_on_commit_callbacks), pytest.raises(RuntimeError), transaction.atomic():
        approve(case)
        assert OutboxEvent.objects.count() == 1  # written in the approval's own transaction
        raise RuntimeError("something later in the same transaction failed")

    assert not OutboxEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert receiver.requests == []
    case["rhi"].refresh_from_db()
    assert case["rhi"].state == RHIState.SUBMITTED
    assert sweep(django_capture_on_commit_callbacks) == 0 and receiver.requests == []


def test_while_the_receiver_is_down_the_delivery_waits_and_the_sweep_delivers_it_exactly_once_later(
    case, clock, eager_celery, django_capture_on_commit_callbacks
):
    port = free_port()  # nothing listens here yet: connection refused
    mine = subscribe(case["provider"], f"http://127.0.0.1:{port}/hook", ["rhi.completed"])
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
    case, clock, eager_celery, django_capture_on_commit_callbacks
):
    receiver = Receiver(statuses=[500, 200])
    try:
        mine = subscribe(case["provider"], receiver.url(), ["rhi.completed"])
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
    case, clock, eager_celery, django_capture_on_commit_callbacks
):
    receiver = Receiver(statuses=[410])
    try:
        subscribe(case["provider"], receiver.url(), ["rhi.completed"])
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
    case, clock, eager_celery, django_capture_on_commit_callbacks
):
    receiver = Receiver(statuses=[503] * 20)
    try:
        subscribe(case["provider"], receiver.url(), ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
        waits = []
        delivery = WebhookDelivery.objects.get()
        while delivery.state == DeliveryState.PENDING:
            assert delivery.next_attempt_at is not None
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
            clock.move_to(delivery.next_attempt_at)
            sweep(django_capture_on_commit_callbacks)
            delivery.refresh_from_db()
        assert [int(w.total_seconds() // 60) for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
        assert (delivery.state, delivery.attempts, len(receiver.requests)) == (DeliveryState.FAILED, 10, 10)
    finally:
        receiver.stop()


def test_a_decline_tells_the_childs_council_with_coded_reasons_and_never_the_words(
    case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    council = case["child"].responsible_la
    mine = subscribe(council, receiver.url("/council"), ["rhi.declined"])
    subscribe(LocalAuthorityFactory(), receiver.url("/other-council"), ["rhi.declined"])
    with django_capture_on_commit_callbacks(execute=True):
        services.record_decline(
            rhi_id=case["rhi"].pk,
            by=case["worker"],
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
    clock, receiver, eager_celery, django_capture_on_commit_callbacks
):
    force, other_force = PoliceForceFactory(), PoliceForceFactory()
    subscribe(force, receiver.url("/force"), ["episode.returned"])
    subscribe(other_force, receiver.url("/other-force"), ["episode.returned"])
    child = ChildFactory()
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
    case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    from sharing.services import share

    force = case["episode"].police_force
    mine = subscribe(force, receiver.url("/force"), ["disclosure.made"])
    subscribe(PoliceForceFactory(), receiver.url("/other-force"), ["disclosure.made"])
    submit(case)
    approve(case)
    with committed(django_capture_on_commit_callbacks):
        disclosure = share(
            rhi_id=case["rhi"].pk,
            by=case["worker"],
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
        case["rhi"].pk,
    )


def test_nobody_subscribed_writes_no_outbox_rows(case):
    submit(case)
    approve(case)
    assert not OutboxEvent.objects.exists()


def test_only_https_addresses_are_accepted_unless_local_http_is_allowed(settings, case):
    with pytest.raises(Exception) as plain:
        subscribe(case["provider"], "http://partner.example.org/hook", ["rhi.completed"])
    assert "https" in str(plain.value)
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    settings.DEBUG = False
    with pytest.raises(Exception) as local:
        subscribe(case["provider"], "http://127.0.0.1:9/hook", ["rhi.completed"])
    assert "https" in str(local.value)
    assert subscribe(case["provider"], PUBLIC_URL, ["rhi.completed"]).secret


@pytest.mark.django_db(transaction=True)
def test_a_delivery_another_worker_is_sending_is_skipped_by_tasks_and_the_sweep_and_sent_once(
    receiver, eager_celery
):
    from django.db import connection
    from django.utils import timezone

    created = subscribe(ProviderFactory(), receiver.url(), ["rhi.completed"])
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


# ---------------------------------------------------------------------------------------------------------
# The org admin's pages
# ---------------------------------------------------------------------------------------------------------


def browser_for(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_org_admin_creates_a_webhook_sees_the_secret_once_and_reads_their_own_delivery_log(
    case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    admin = member("provider-admin", case["provider"], Role.ORG_ADMIN)
    browser = browser_for(admin)
    assert browser.get(reverse("sharing_webhooks:list")).status_code == 200
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {"organisation": case["provider"].pk, "url": receiver.url(), "event_types": ["rhi.completed"]},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret in response.content.decode()
    subscription = WebhookSubscription.objects.get()
    assert secret_box.decrypt(subscription.secret_ciphertext) == secret and subscription.created_by == admin
    assert secret not in browser.get(reverse("sharing_webhooks:list")).content.decode()

    other = subscribe(ProviderFactory(), receiver.url("/other"), ["rhi.completed"])
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


def test_the_delivery_log_pages_newest_first_by_keyset(case, clock):
    subscription = subscribe(case["provider"], PUBLIC_URL, ["rhi.completed"])
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


def test_form_errors_are_shown_and_nothing_is_created(case):
    browser = browser_for(member("provider-admin", case["provider"], Role.ORG_ADMIN))
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {"organisation": case["provider"].pk, "url": "http://partner.example.org/hook"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"url", "event_types"}
    assert "<title>Error: " in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_org_admin_stops_a_webhook_and_its_pending_deliveries_are_not_sent(
    case, eager_celery, django_capture_on_commit_callbacks
):
    admin = member("provider-admin", case["provider"], Role.ORG_ADMIN)
    port = free_port()
    created = subscribe(case["provider"], f"http://127.0.0.1:{port}/hook", ["rhi.completed"])
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


def test_only_the_organisations_admin_may_see_or_stop_its_webhooks(case):
    created = subscribe(case["provider"], PUBLIC_URL, ["rhi.completed"])
    other_admin = member("other-admin", ProviderFactory(), Role.ORG_ADMIN)
    for user in (other_admin, case["manager"]):
        browser = browser_for(user)
        stop = browser.post(reverse("sharing_webhooks:deactivate", args=[created.subscription.pk]))
        assert stop.status_code == 404
    assert browser_for(case["manager"]).get(reverse("sharing_webhooks:list")).status_code == 404
    assert browser_for(case["worker"]).get(reverse("sharing_webhooks:deliveries")).status_code == 404
    created.subscription.refresh_from_db()
    assert created.subscription.active
    denied = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED)
    assert denied.filter(actor=other_admin, object_id=str(created.subscription.pk)).exists()
    assert denied.filter(actor=case["worker"], object_type="sharing.webhookdelivery").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_org_admin_adds_reads_the_log_of_and_stops_a_webhook_in_the_browser(page):
    from tests.browser.axe import assert_no_axe_violations

    provider = ProviderFactory(name="Safe Return Partnership")
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
    assert page.title().startswith("Error: ")
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


# ---------------------------------------------------------------------------------------------------------
# Where a webhook may go: never inside our network (sharing.webhook_targets)
# ---------------------------------------------------------------------------------------------------------

INTERNAL_URLS = [
    "https://127.0.0.1:8443/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://10.0.0.1/hook",
    "https://192.168.1.10/hook",
    "https://172.16.0.5/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://127.0.0.1:5432/",  # the PostgreSQL port
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",  # multicast
    "https://240.0.0.1/hook",  # reserved
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://[::ffff:10.0.0.1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[2002:7f00:1::]/hook",  # 6to4 wrapping 127.0.0.1
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "http://127.0.0.1:9/hook",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_org_admin_cannot_subscribe_a_webhook_to_an_internal_address(settings, case, url):
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    with pytest.raises(ValidationError) as refused:
        subscribe(case["provider"], url, ["rhi.completed"])
    assert "url" in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_org_admin_typing_the_metadata_address_in_the_form_gets_a_field_error_and_nothing_is_saved(
    settings, case
):
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    browser = browser_for(member("provider-admin", case["provider"], Role.ORG_ADMIN))
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {
            "organisation": case["provider"].pk,
            "url": "https://169.254.169.254/latest/meta-data/",
            "event_types": ["rhi.completed"],
        },
    )
    assert response.status_code == 200
    assert "private or internal network" in response.context["form"].errors["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_local_receiver_is_refused_unless_the_development_setting_is_on(
    settings, case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False  # the default
    for url in (receiver.url(), f"https://localhost:{receiver.port}/hook"):
        with pytest.raises(ValidationError):
            subscribe(case["provider"], url, ["rhi.completed"])
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True
    assert subscribe(case["provider"], receiver.url(), ["rhi.completed"]).secret
    with pytest.raises(ValidationError):  # even then, only loopback: never a private network
        subscribe(case["provider"], "https://10.0.0.1/hook", ["rhi.completed"])


def test_a_webhook_whose_address_is_no_longer_allowed_is_refused_at_delivery_and_nothing_is_sent(
    settings, case, receiver, eager_celery, django_capture_on_commit_callbacks
):
    subscribe(case["provider"], receiver.url(), ["rhi.completed"])  # saved while allowed
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    submit(case)
    with committed(django_capture_on_commit_callbacks):
        approve(case)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        DeliveryState.FAILED,
        0,
        "Address not allowed",
    )
    assert receiver.requests == []


class FakeDNS:
    """A resolver for one name whose answers the test scripts, like an attacker's DNS server rebinding the
    name between two lookups. Every other name (and the numeric addresses) resolves for real."""

    def __init__(self, name: str, answers: list[str]) -> None:
        self.name, self.answers, self.lookups = name, answers, 0
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != self.name:
            return self.real(host, port, *args, **kwargs)
        self.lookups += 1
        address = self.answers.pop(0)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_a_name_that_rebinds_to_an_internal_address_after_the_check_still_gets_only_the_checked_address(
    case, receiver, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    dns = FakeDNS("partner.test", ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    url = f"http://partner.test:{receiver.port}/hook"
    mine = subscribe(case["provider"], url, ["rhi.completed"])
    submit(case)
    # The delivery's check sees the allowed address; a second lookup would get an internal one.
    dns.answers = ["127.0.0.1", "10.0.0.1"]
    with committed(django_capture_on_commit_callbacks):
        approve(case)
    [request] = receiver.requests
    assert verify(mine.secret, request) and request["headers"]["Host"] == f"partner.test:{receiver.port}"
    assert dns.answers == ["10.0.0.1"]  # looked up once for the attempt, and that answer was used
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED

    dns.answers = ["10.0.0.1"]  # the name now points inside: the next delivery is refused before connecting
    event = OutboxEvent.objects.create(
        event_type="rhi.completed", object_type="rhi.returnhomeinterview", object_id=9, payload={}
    )
    later = WebhookDelivery.objects.create(event=event, subscription=mine.subscription, next_attempt_at=NOW)
    assert webhooks.deliver(delivery_id=later.pk) == DeliveryState.FAILED
    later.refresh_from_db()
    assert later.last_error == "Address not allowed" and len(receiver.requests) == 1


def certificates(directory: Any) -> tuple[str, str, str]:
    """A test CA and a server certificate it signed for the name "localhost": (CA file, cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    # OpenSSL checks validity against the real clock, not time-machine's: a wide window.
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RHI webhook test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (str(directory / "ca.pem"), str(directory / "server.pem"), str(directory / "server-key.pem"))
    with open(paths[0], "wb") as out:
        out.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as out:
        out.write(server.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return paths


def test_https_delivery_sends_the_host_name_as_sni_and_checks_the_certificate_against_it(
    case, clock, eager_celery, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    ca_file, cert_file, key_file = certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the test CA is the only one trusted
    server_names: list[str | None] = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    tls.sni_callback = lambda _socket, name, _context: server_names.append(name)
    receiver = Receiver(tls=tls)
    try:
        # The certificate names "localhost": right by name, wrong by the bare address it resolves to.
        by_name = subscribe(case["provider"], f"https://localhost:{receiver.port}/name", ["rhi.completed"])
        subscribe(case["provider"], f"https://127.0.0.1:{receiver.port}/address", ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
        [request] = receiver.requests
        assert request["path"] == "/name" and verify(by_name.secret, request)
        assert "localhost" in server_names
        states = {
            d.subscription.url.rsplit("/", 1)[1]: (d.state, d.last_error)
            for d in WebhookDelivery.objects.select_related("subscription")
        }
        assert states == {
            "name": (DeliveryState.DELIVERED, ""),
            "address": (DeliveryState.PENDING, "TLS failed"),
        }
    finally:
        receiver.stop()


def test_the_delivery_log_shows_coarse_error_classes_never_internal_details(
    case, clock, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed_port = free_port()
    try:
        subscribe(case["provider"], f"http://127.0.0.1:{closed_port}/refused", ["rhi.completed"])
        subscribe(case["provider"], f"http://127.0.0.1:{silent.getsockname()[1]}/silent", ["rhi.completed"])
        submit(case)
        with committed(django_capture_on_commit_callbacks):
            approve(case)
    finally:
        silent.close()
    errors = {
        d.subscription.url.rsplit("/", 1)[1]: d.last_error
        for d in WebhookDelivery.objects.select_related("subscription")
    }
    assert errors == {"refused": "Connection refused", "silent": "Timed out"}
    admin = User.objects.get(memberships__role=Role.ORG_ADMIN, memberships__organisation=case["provider"])
    log = browser_for(admin).get(reverse("sharing_webhooks:deliveries")).content.decode()
    assert "Connection refused" in log and "Timed out" in log
    assert "Errno" not in log and "ConnectionRefusedError" not in log


# ---------------------------------------------------------------------------------------------------------
# Retry timing against the beat's sweep (docs/webhooks.md: 1 minute, then 2, 4, …)
# ---------------------------------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_on_the_sweep_one_backoff_later_not_a_whole_sweep_after(
    case, clock, eager_celery, django_capture_on_commit_callbacks
):
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
        subscribe(case["provider"], receiver.url(), ["rhi.completed"])
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

        waits = [second.last_attempt_at - first.last_attempt_at, third.delivered_at - second.last_attempt_at]
        leeway = webhooks.RETRY_LEEWAY
        for wait, documented in zip(waits, (timedelta(minutes=1), timedelta(minutes=2)), strict=True):
            assert documented - leeway <= wait <= documented + leeway
        assert len(receiver.requests) == 3
    finally:
        receiver.stop()
