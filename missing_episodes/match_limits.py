"""How many notifications a partner system may send whose child details do not match the council's record
(issue 11 item 6): each mismatch is one guess at a child's date of birth or name, so they are counted per API
client in the shared cache (Redis in production: every web process counts together, nothing in memory) and
the client is answered 429 past the limit until the window ends.

Settings: RHI_CHILD_MISMATCH_LIMIT (default 5) mismatches per RHI_CHILD_MISMATCH_WINDOW seconds (default
3600), counted in the RHI_API_THROTTLE_CACHE cache.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import BaseCache, caches


def _cache() -> BaseCache:
    return caches[getattr(settings, "RHI_API_THROTTLE_CACHE", "default")]


def _key(client_key: str) -> str:
    return f"child-mismatch:{client_key}"


def limit() -> int:
    return int(getattr(settings, "RHI_CHILD_MISMATCH_LIMIT", 5))


def window_seconds() -> int:
    return int(getattr(settings, "RHI_CHILD_MISMATCH_WINDOW", 3600))


def limit_reached(client_key: str) -> bool:
    """The client has used up its mismatches for this window."""
    return int(_cache().get(_key(client_key), 0)) >= limit()


def note_mismatch(client_key: str) -> int:
    """Count one mismatch (atomically: ``add`` starts the window, ``incr`` is atomic in Redis)."""
    cache = _cache()
    key = _key(client_key)
    cache.add(key, 0, timeout=window_seconds())
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr: start a new one
        cache.add(key, 1, timeout=window_seconds())
        return 1
