"""Account-security middleware: session time limits, the second-factor gate and the Permissions-Policy header.

See docs/account-security.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accounts import two_factor
from audit.models import AuditAction
from audit.services import record_event

SESSION_STARTED_KEY = "rhi_session_started"  # UTC epoch seconds (int) of the sign-in
LAST_ACTIVITY_KEY = "rhi_last_activity"  # UTC epoch seconds (int) of the latest request

GetResponse = Callable[[HttpRequest], HttpResponse]


def _sign_in_url(next_path: str | None) -> str:
    url = reverse("accounts:login")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


class SessionTimeoutMiddleware:
    """Signs a user out after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request, or
    ``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` after signing in however active they are."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED_KEY)
            last = session.get(LAST_ACTIVITY_KEY)
            idle_limit = settings.SESSION_IDLE_TIMEOUT_SECONDS
            absolute_limit = settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
            if isinstance(started, int) and isinstance(last, int):
                reason = ""
                if now - last > idle_limit:
                    reason = "idle"
                    message = f"You were signed out after {idle_limit // 60} minutes without activity"
                elif now - started > absolute_limit:
                    reason = "absolute"
                    message = f"You were signed out because you had been signed in for {absolute_limit // 3600} hours"
                if reason:
                    record_event(
                        actor=user,
                        action=AuditAction.LOGOUT,
                        request=request,
                        detail={"reason": f"session_{reason}_timeout"},
                    )
                    logout(request)
                    messages.info(request, message)
                    next_path = request.get_full_path() if request.method == "GET" else None
                    return HttpResponseRedirect(_sign_in_url(next_path))
            else:
                session[SESSION_STARTED_KEY] = now
            session[LAST_ACTIVITY_KEY] = now

        response = self.get_response(request)

        # Signed in during this request (the sign-in page): the session starts now.
        if request.user.is_authenticated and SESSION_STARTED_KEY not in request.session:
            now = int(time.time())
            request.session[SESSION_STARTED_KEY] = now
            request.session[LAST_ACTIVITY_KEY] = now
        return response


class TwoFactorMiddleware:
    """Until a signed-in user has entered a code (or set up an app, where their organisation requires it),
    every page but the second-factor pages and sign-out sends them there."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._exempt(request.path_info):
            step = two_factor.pending_step(user)
            if step is not None:
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": "Two-factor verification required."}, status=403)
                url = reverse(step.value)
                if request.method == "GET" and request.path_info != reverse("home"):
                    url = f"{url}?{urlencode({'next': request.get_full_path()})}"
                return HttpResponseRedirect(url)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = {
            reverse("accounts:logout"),
            reverse("accounts:two_factor_verify"),
            reverse("accounts:two_factor_setup"),
            reverse("healthz"),
        }
        return path in exempt or path.startswith(settings.STATIC_URL)


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): no camera, microphone, location etc."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
