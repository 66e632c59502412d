"""Who is asking, as far as the audit needs it outside the view: the request's ids, held for the current request
(or task). Set by ``audit.middleware.RequestIdMiddleware``; read by the audit service and the API's error body.

Lives apart from the middleware so the domain (``audit.services``) reads it without importing web code.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_client_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("client_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def current_client_request_id() -> str:
    return _client_request_id.get()


@contextmanager
def request_ids(*, request_id: str, client_request_id: str) -> Iterator[None]:
    """The ids in force for one request; both are put back as they were when it ends."""
    token = _request_id.set(request_id)
    client_token = _client_request_id.set(client_request_id)
    try:
        yield
    finally:
        _request_id.reset(token)
        _client_request_id.reset(client_token)
