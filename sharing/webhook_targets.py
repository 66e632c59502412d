"""Where a webhook may be sent, and the one way it is sent (docs/webhooks.md, "Where a webhook may go").

A webhook address is typed by an organisation's admin, so it must never let them (or whoever controls their
DNS) make the worker connect inside our network: loopback, private, link-local (cloud metadata), shared,
multicast, reserved and unspecified addresses are refused. ``check_target`` resolves the host and checks
*every* address it resolves to, when the subscription is saved and again at every delivery; ``post`` then
connects to the very address that was checked (no second lookup, so DNS rebinding cannot switch it) while TLS
still sends the host name as SNI and verifies the certificate against it.

A local test receiver on 127.0.0.1 / localhost / ::1 is allowed only with ``RHI_WEBHOOK_ALLOW_LOCALHOST``, a
development setting that ``check --deploy`` refuses when DEBUG is off (sharing/checks.py). Only loopback is
ever allowed that way, never private networks.

Errors are reported in coarse classes (``Connection refused``, ``Timed out``, ``TLS failed``, ``HTTP 503``…):
the raw exception text names internal hosts and ports and is never shown or stored.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What an admin is told on the form; a delivery records the short class beside each.
INVALID = "Enter a full web address, like https://example.org/webhooks/rhi."
CREDENTIALS = "Do not put a user name or password in the address."
NOT_HTTPS = "The address must start with https://."
NOT_FOUND = "We could not find that address. Check the host name."
INTERNAL = "This address is on a private or internal network. Use your system's public https address."

# Coarse error classes kept in the delivery log (the only words an org admin sees about a failure).
ADDRESS_NOT_ALLOWED = "Address not allowed"
ADDRESS_NOT_FOUND = "Address not found"
CONNECTION_REFUSED = "Connection refused"
CONNECTION_FAILED = "Connection failed"
TIMED_OUT = "Timed out"
TLS_FAILED = "TLS failed"


class TargetRefused(Exception):
    """This address may not receive webhooks. ``message`` is for the admin's form, ``error_class`` for the
    delivery log; ``transient`` when it may work later (the name did not resolve just now)."""

    def __init__(self, message: str, error_class: str = ADDRESS_NOT_ALLOWED, *, transient: bool = False):
        super().__init__(message)
        self.message, self.error_class, self.transient = message, error_class, transient


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as typed: sent as Host and TLS SNI, and the name the certificate must match
    port: int
    path: str  # path and query
    addresses: tuple[str, ...]  # the checked IP addresses, the only ones the connection may go to


def local_receivers_allowed() -> bool:
    return bool(getattr(settings, "RHI_WEBHOOK_ALLOW_LOCALHOST", False))


def _unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (::ffff:127.0.0.1, 6to4, Teredo), so it is judged as that."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return embedded
    return ip


def address_allowed(ip: IPAddress, *, allow_loopback: bool) -> bool:
    """True only for a public unicast address (or loopback, when local receivers are allowed)."""
    ip = _unwrap(ip)
    if ip.is_loopback:
        return allow_loopback
    internal = ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    if isinstance(ip, ipaddress.IPv6Address):
        internal = internal or ip.is_site_local  # deprecated fec0::/10, still routed inside some networks
    return ip.is_global and not internal


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(NOT_FOUND, ADDRESS_NOT_FOUND, transient=True) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        try:
            addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        except ValueError as exc:
            raise TargetRefused(INTERNAL) from exc
    if not addresses:
        raise TargetRefused(NOT_FOUND, ADDRESS_NOT_FOUND, transient=True)
    return addresses


def check_target(url: str) -> Target:
    """Parse, resolve and check ``url``; the Target to connect to, or TargetRefused. Every resolved address
    must be allowed (a name answering one public and one private address is refused)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise TargetRefused(INVALID) from exc
    if not host or parts.scheme not in {"http", "https"}:
        raise TargetRefused(INVALID)
    if parts.username or parts.password:
        raise TargetRefused(CREDENTIALS)
    port = port or (443 if parts.scheme == "https" else 80)
    allow_loopback = local_receivers_allowed()
    if parts.scheme == "http" and not allow_loopback:
        raise TargetRefused(NOT_HTTPS)
    try:
        addresses = _resolve(host, port)
    except TargetRefused:
        if parts.scheme == "http":
            raise TargetRefused(NOT_HTTPS) from None  # plain http is only for a local receiver anyway
        raise
    if not all(address_allowed(ip, allow_loopback=allow_loopback) for ip in addresses):
        raise TargetRefused(INTERNAL)
    if parts.scheme == "http" and not all(_unwrap(ip).is_loopback for ip in addresses):
        raise TargetRefused(NOT_HTTPS)  # plain http only ever to a local test receiver
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    checked = tuple(dict.fromkeys(str(ip) for ip in addresses))
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=checked)


# ---------------------------------------------------------------------------------------------------------
# Sending: to the checked address, never to a fresh lookup of the name
# ---------------------------------------------------------------------------------------------------------


def _connect(addresses: tuple[str, ...], port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers (IPv6 then IPv4, say), without
    looking the name up again."""
    failure: OSError = OSError("no address")
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((address, port))
        except OSError as exc:
            sock.close()
            failure = exc
        else:
            return sock
    raise failure


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned_addresses = target.addresses

    def connect(self) -> None:
        self.sock = _connect(self.pinned_addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        # A fresh default context: system CAs (or SSL_CERT_FILE), certificate and host name verified.
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.pinned_addresses = target.addresses

    def connect(self) -> None:
        raw = _connect(self.pinned_addresses, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str  # a coarse class, never the exception's text


def error_class(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return TLS_FAILED
    if isinstance(exc, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(exc, TimeoutError):
        return TIMED_OUT
    if isinstance(exc, socket.gaierror):
        return ADDRESS_NOT_FOUND
    return CONNECTION_FAILED


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST ``body`` to the checked target. Redirects are never followed (http.client does not)."""
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(status=None, error=error_class(exc))
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Answer(status=response.status, error="")
    return Answer(status=response.status, error=f"HTTP {response.status}")
