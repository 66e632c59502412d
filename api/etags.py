"""ETags carrying a record's change stamp, and the If-Match check of an update."""

from __future__ import annotations

import base64
import binascii

from django.utils.http import quote_etag
from rest_framework.request import Request

from api.errors import PreconditionFailed, PreconditionRequired


def etag_for(stamp: str) -> str:
    """A strong ETag carrying the record's change stamp (its ``updated_at`` in ISO 8601, or a version)."""
    return quote_etag(base64.urlsafe_b64encode(stamp.encode()).decode().rstrip("="))


def stamp_from_if_match(request: Request) -> str:
    """The change stamp the caller read the record at, from If-Match; 428 without one, 412 if unreadable."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    value = header.removeprefix("W/").strip('"')
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise PreconditionFailed() from None
