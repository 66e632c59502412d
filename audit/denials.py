"""Denied access, audited once (docs/audit.md, "Denials"): the refusals a view raises, and those that happen
before any view code runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views import csrf

from audit.exceptions import AuditedDenial
from audit.services import record_denial, record_denied_request


class AuditedDenialMiddleware:
    """The one place a page's refusal is audited: a view raises ``NotVisible`` (404) or ``NotAllowed`` (403)
    with the audit context, this writes the DENIED event, and Django answers as for any Http404 or
    PermissionDenied. The REST API does the same in its exception handler (DRF catches its views' exceptions
    before any middleware sees them), through the same ``audit.services``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, AuditedDenial):
            denial = exception.denial
            record_denial(
                request,
                object_type=denial.object_type,
                object_id=denial.object_id,
                obj=denial.obj,
                action=denial.action,
                detail=denial.detail,
            )
        # None: Django goes on to answer the exception (404 or 403 page) as it would without us.


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
