"""Request ids, the denials no view sees, and the no-store rule for every response the app itself makes.

- ``RequestIdMiddleware``: one server-made id per request, echoed in the response header and stamped on every
  log line and audit event. A client's own ``X-Request-ID`` is never trusted as ours (a partner could forge or
  replay another request's id); it is kept apart, as ``client_request_id``, so partners can still correlate.
- ``NoStoreMiddleware``: every response of the app (pages, API, downloads) says ``Cache-Control: no-store,
  private``: no browser, proxy or shared cache keeps children's data. Static files are served before it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from audit.context import current_request_id, request_ids

# What a client may send as its own correlation id; anything else is dropped, not stored.
_VALID_INCOMING = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        client_request_id = incoming if _VALID_INCOMING.match(incoming) else ""
        with request_ids(request_id=request_id, client_request_id=client_request_id):
            response = self.get_response(request)
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
