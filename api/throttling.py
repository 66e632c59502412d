"""The per-client request throttle of the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.callers import api_client


class ApiClientThrottle(SimpleRateThrottle):
    """Requests per API client (per user for browser sessions), counted in the shared cache so every web
    process counts together. Rate from settings.RHI_API_THROTTLE_RATE, read on each request."""

    scope = "api_client"
    cache = caches["default"]

    def get_rate(self) -> str | None:
        return str(getattr(settings, "RHI_API_THROTTLE_RATE", "1200/min"))

    def allow_request(self, request: Request, view: Any) -> bool:
        self.cache = caches[getattr(settings, "RHI_API_THROTTLE_CACHE", "default")]
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = api_client(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
