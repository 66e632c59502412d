"""Where a webhook may go: never inside our network (sharing.webhook_targets), checked when it is saved and again
at each delivery, against the address actually connected to (no DNS rebinding), with https checked by name."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Role, User
from sharing import webhooks
from sharing.models import DeliveryState, OutboxEvent, WebhookDelivery, WebhookSubscription
from tests.factories import member
from tests.sharing.webhook_world import (
    NOW,
    Receiver,
    WebhookCase,
    approve,
    browser_for,
    committed,
    free_port,
    submit,
    subscribe,
    verify,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


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
def test_org_admin_cannot_subscribe_a_webhook_to_an_internal_address(
    settings: Settings, case: WebhookCase, url: Any
) -> None:
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    with pytest.raises(ValidationError) as refused:
        subscribe(case.provider, url, ["rhi.completed"])
    assert "url" in refused.value.message_dict
    assert not WebhookSubscription.objects.exists()


def test_org_admin_typing_the_metadata_address_in_the_form_gets_a_field_error_and_nothing_is_saved(
    settings: Settings, case: WebhookCase
) -> None:
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False
    browser = browser_for(member("provider-admin", case.provider, Role.ORG_ADMIN))
    response = browser.post(
        reverse("sharing_webhooks:new"),
        {
            "organisation": case.provider.pk,
            "url": "https://169.254.169.254/latest/meta-data/",
            "event_types": ["rhi.completed"],
        },
    )
    assert response.status_code == 200
    assert "private or internal network" in response.context["form"].errors["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_local_receiver_is_refused_unless_the_development_setting_is_on(
    settings: Settings,
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = False  # the default
    for url in (receiver.url(), f"https://localhost:{receiver.port}/hook"):
        with pytest.raises(ValidationError):
            subscribe(case.provider, url, ["rhi.completed"])
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True
    assert subscribe(case.provider, receiver.url(), ["rhi.completed"]).secret
    with pytest.raises(ValidationError):  # even then, only loopback: never a private network
        subscribe(case.provider, "https://10.0.0.1/hook", ["rhi.completed"])


def test_a_webhook_whose_address_is_no_longer_allowed_is_refused_at_delivery_and_nothing_is_sent(
    settings: Settings,
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    subscribe(case.provider, receiver.url(), ["rhi.completed"])  # saved while allowed
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
    case: WebhookCase,
    receiver: Receiver,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dns = FakeDNS("partner.test", ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    url = f"http://partner.test:{receiver.port}/hook"
    mine = subscribe(case.provider, url, ["rhi.completed"])
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
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ca_file, cert_file, key_file = certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the test CA is the only one trusted
    server_names: list[str | None] = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    tls.sni_callback = lambda _socket, name, _context: server_names.append(name)
    receiver = Receiver(tls=tls)
    try:
        # The certificate names "localhost": right by name, wrong by the bare address it resolves to.
        by_name = subscribe(case.provider, f"https://localhost:{receiver.port}/name", ["rhi.completed"])
        subscribe(case.provider, f"https://127.0.0.1:{receiver.port}/address", ["rhi.completed"])
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
    case: WebhookCase,
    clock: time_machine.Traveller,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed_port = free_port()
    try:
        subscribe(case.provider, f"http://127.0.0.1:{closed_port}/refused", ["rhi.completed"])
        subscribe(case.provider, f"http://127.0.0.1:{silent.getsockname()[1]}/silent", ["rhi.completed"])
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
    admin = User.objects.get(memberships__role=Role.ORG_ADMIN, memberships__organisation=case.provider)
    log = browser_for(admin).get(reverse("sharing_webhooks:deliveries")).content.decode()
    assert "Connection refused" in log and "Timed out" in log
    assert "Errno" not in log and "ConnectionRefusedError" not in log
