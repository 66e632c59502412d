"""What the tests read from the test client's responses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from django.http import HttpResponseBase, StreamingHttpResponse


def streamed_bytes(response: HttpResponseBase) -> bytes:
    """The whole body of a streamed response (a file download or a CSV written row by row)."""
    assert isinstance(response, StreamingHttpResponse), type(response)
    # The test client consumes streams synchronously: the body is an iterator of bytes.
    return b"".join(cast(Iterator[bytes], response.streaming_content))
