"""Which reads may go to the read replica: the one place that decides (docs/database.md, "Read replica").

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` database (a PostgreSQL hot standby fed by
streaming replication) and ``ReplicaRouter``. A read goes to the replica only when all of these hold:

1. the code asked for it: it runs inside ``stale_reads()`` (a context manager and decorator). Only reads that
   may be a few seconds old use it: the returns and exports, the performance pages, the API's
   ``changed_since`` syncs. Everything else, and every write and migration, uses the primary;
2. the primary connection is not inside a transaction: a transaction's own writes are on the primary only;
3. the request has not written a record yet (sign-in bookkeeping, sessions and the audit trail aside: every
   page view writes those);
4. the user who asks has not written a record within ``RHI_REPLICA_PIN_SECONDS`` (read-your-writes across
   requests: ``ReadYourWritesMiddleware`` remembers the writer by user id in a cache every web process shares,
   for that many seconds; no cookie, no session, no personal data).

With no replica configured every read goes to the primary and nothing here costs more than a dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ContextDecorator, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS
# Written on every visit, not by the user's own action: a page view's audit event, the session, sign-in
# bookkeeping, an API client's "last used". Counting them would keep every request on the primary.
BOOKKEEPING_APPS = frozenset({"audit", "sessions", "axes", "otp_totp", "django_otp", "admin"})
BOOKKEEPING_MODELS = frozenset({"accounts.apiclient"})


@dataclass
class _Request:
    """What one request knows: its user (read lazily: API users are known only inside the view) and whether it
    wrote a record, or its user did recently."""

    request: HttpRequest | None
    wrote: bool = False
    pinned: bool | None = None  # None: not looked up yet


_stale_ok: ContextVar[bool] = ContextVar("rhi_stale_reads_ok", default=False)
_current: ContextVar[_Request | None] = ContextVar("rhi_replica_request", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class stale_reads(ContextDecorator):  # lower case: reads as a statement, like transaction.atomic
    """Reads inside may be served by the replica, up to seconds stale (see the module's rules). Nests."""

    def _recreate_cm(self) -> stale_reads:
        return type(self)()  # one instance per call: a decorated view may run in several threads at once

    def __enter__(self) -> None:
        self._token = _stale_ok.set(True)

    def __exit__(self, *exc: object) -> None:
        _stale_ok.reset(self._token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside use the primary even within ``stale_reads`` (a read that must see the latest write)."""
    token = _stale_ok.set(False)
    try:
        yield
    finally:
        _stale_ok.reset(token)


def read_alias() -> str:
    """The database a read should use now: the one decision (the module's rules 1 to 4)."""
    if not _stale_ok.get() or not replica_configured():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    current = _current.get()
    if current is not None and (current.wrote or _user_pinned(current)):
        return PRIMARY
    return REPLICA


def read_connection() -> BaseDatabaseWrapper:
    """The connection for raw SQL reads (``connection.cursor()`` bypasses the router)."""
    return connections[read_alias()]


def note_write(model: type[Model] | None) -> None:
    current = _current.get()
    if current is None:
        return
    if model is None or (
        model._meta.app_label not in BOOKKEEPING_APPS and model._meta.label_lower not in BOOKKEEPING_MODELS
    ):
        current.wrote = True


def _pin_key(user_id: object) -> str:
    return f"rhi:replica-pin:{user_id}"


def _user_id(current: _Request) -> object | None:
    user = getattr(current.request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _user_pinned(current: _Request) -> bool:
    if current.pinned is None:
        user_id = _user_id(current)
        current.pinned = user_id is not None and bool(
            caches[settings.RHI_REPLICA_PIN_CACHE].get(_pin_key(user_id))
        )
    return current.pinned


class ReplicaRouter:
    """Django's database router: reads by ``read_alias``, writes and migrations on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        note_write(model)
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows: an object read from either is the same row

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReadYourWritesMiddleware:
    """Tracks the request's writes, and remembers a user who wrote for ``RHI_REPLICA_PIN_SECONDS`` so that their
    next requests read from the primary. Does nothing when no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        current = _Request(request)
        token = _current.set(current)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
            if current.wrote and (user_id := _user_id(current)) is not None:
                caches[settings.RHI_REPLICA_PIN_CACHE].set(
                    _pin_key(user_id), 1, timeout=settings.RHI_REPLICA_PIN_SECONDS
                )
