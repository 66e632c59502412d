"""Refusals that happen before any view code runs, audited like every other denied access (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views import csrf

from audit.services import record_denied_request


class MethodNotAllowedAuditMiddleware:
    """``DELETE`` on a page (or any method a route does not take) answers 405 from Django or DRF: audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405:
            record_denied_request(request=request, reason="method_not_allowed")
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: Django's own 403 page, with the refusal audited (the reason text is Django's
    fixed wording, so it is not stored; the code is)."""
    record_denied_request(request=request, reason="csrf_failed")
    return csrf.csrf_failure(request, reason=reason)
