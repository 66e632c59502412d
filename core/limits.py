"""Request size limits, enforced before any work is done on the body (docs/configuration.md).

``RequestBodyLimitMiddleware`` refuses a request whose declared Content-Length is over
``RHI_MAX_REQUEST_BYTES`` with 413 before anything reads the body (an 80 MB upload used to be read whole and
then refused by the form). ``UploadLimitHandler`` counts an upload's bytes as they stream in and stops past
``RHI_MAX_REQUEST_BYTES`` (400), in case a body is longer than it declared. The forms give the exact
``RHI_MAX_UPLOAD_BYTES`` limit as a field error for a file just over it. gunicorn limits the request line
and headers (config/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body for a length it cannot parse
        if length > settings.RHI_MAX_REQUEST_BYTES:
            logger.warning("request body of %s bytes refused before reading", length)
            response = render(
                request,
                "413.html",
                {"limit_mb": settings.RHI_MAX_UPLOAD_BYTES // (1024 * 1024)},
                status=413,
            )
            response["Connection"] = "close"  # the unread body must not be taken as the next request
            return response
        return self.get_response(request)


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: passes every chunk on, and stops the request once the files in it are
    bigger than the request limit (the multipart parser then stops reading; Django answers 400)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.RHI_MAX_REQUEST_BYTES:
            raise RequestDataTooBig("Upload larger than RHI_MAX_REQUEST_BYTES.")
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None
