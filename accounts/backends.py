"""The sign-in lockout backend: django-axes, for every sign-in that comes through a web request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class AxesLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS. It never signs anyone in itself.

    Every sign-in form (ours and the admin's) passes the request, so every password typed into the service is
    throttled. Code that authenticates without a request (``manage.py shell``, Django's test client
    ``login()``) runs with server access already and is not throttled, where Axes would raise instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
