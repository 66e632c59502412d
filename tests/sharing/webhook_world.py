"""The webhook tests' world: a real local HTTP receiver (an http.server in a thread on 127.0.0.1 that records
every request and answers with the statuses it is told to), a provider's RHI up to submission, and subscriptions
made by org admins. Fixtures wrapping these live in tests/sharing/conftest.py and tests/reliability/conftest.py."""

from __future__ import annotations

import hashlib
import hmac
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import Client

from accounts.models import Organisation, Role, Team, User
from missing_episodes.models import Child, MissingEpisode
from rhi import services
from rhi.models import ReturnHomeInterview
from sharing import webhooks
from tests.factories import member
from tests.factories_domain import (
    ChildFactory,
    MissingEpisodeFactory,
    ProviderFactory,
)

RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
# A public address literal: saving it needs no DNS (the tests run without a resolver for outside names).
PUBLIC_URL = "https://93.184.215.14/hooks/rhi"


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


@dataclass(frozen=True)
class WebhookCase:
    """A provider's RHI, allocated, contacted and offered, with its worker and manager (time at NOW)."""

    provider: Organisation
    team: Team
    child: Child
    episode: MissingEpisode
    rhi: ReturnHomeInterview
    worker: User
    manager: User


def build_webhook_case() -> WebhookCase:
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create(first_name="Jordan", last_name="Whitlock")
    episode = MissingEpisodeFactory.create(
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
    return WebhookCase(
        provider=provider, team=team, child=child, episode=episode, rhi=rhi, worker=worker, manager=manager
    )


def subscribe(org: Any, url: str, events: list[str]) -> webhooks.NewSubscription:
    admin = User.objects.filter(memberships__organisation=org, memberships__role=Role.ORG_ADMIN).first()
    admin = admin or member(f"admin-{org.pk}", org, Role.ORG_ADMIN)
    return webhooks.create_subscription(organisation=org, url=url, event_types=events, by=admin)


def submit(case: WebhookCase) -> None:
    rhi = case.rhi
    services.record_acceptance(rhi_id=rhi.pk, by=case.worker)
    services.record_interview(
        rhi_id=rhi.pk,
        by=case.worker,
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
    services.submit_for_approval(rhi_id=rhi.pk, by=case.worker)


def approve(case: WebhookCase) -> None:
    services.approve(rhi_id=case.rhi.pk, by=case.manager)


def verify(secret: str, request: dict[str, Any]) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-RHI-Signature"])


def browser_for(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser
