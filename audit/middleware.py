"""Request ids, the denials no view sees, and the no-store rule for every response the app itself makes.

- ``RequestIdMiddleware``: one server-made id per request, echoed in the response header and stamped on every
  log line and audit event. A client's own ``X-Request-ID`` is never trusted as ours (a partner could forge or
  replay another request's id); it is kept apart, as ``client_request_id``, so partners can still correlate.
- ``NoStoreMiddleware``: every response of the app (pages, API, downloads) says ``Cache-Control: no-store,
  private``: no browser, proxy or shared cache keeps children's data. Static files are served before it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_client_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("client_request_id", default="")
# What a client may send as its own correlation id; anything else is dropped, not stored.
_VALID_INCOMING = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


def current_client_request_id() -> str:
    return _client_request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        client_token = _client_request_id.set(incoming if _VALID_INCOMING.match(incoming) else "")
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
            _client_request_id.reset(client_token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Replaces any max-age/public a view set: nothing this app answers may be kept by a cache.
        if "Cache-Control" in response:
            del response["Cache-Control"]
        patch_cache_control(response, no_store=True, private=True)
        return response
