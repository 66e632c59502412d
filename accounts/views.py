"""Sign-in, sign-out, the second factor and the lockout page (the home page is ``home.views``). Thin:
accounts.two_factor decides what a signed-in user still has to do."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from accounts import two_factor
from accounts.forms import SecurityCodeForm, SignInForm
from accounts.models import User
from accounts.web import request_user
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        step = two_factor.pending_step(user) if isinstance(user, User) else None
        if step is None:
            return url
        query = urlencode({"next": url}) if url != reverse("home") else ""
        return f"{reverse(step.value)}?{query}" if query else reverse(step.value)

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        record_event(actor=form.get_user(), action=AuditAction.LOGIN, request=self.request)
        return response

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        # No username in the event: a mistyped username is often someone's password or name.
        record_event(
            actor=None, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, request=self.request
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            record_event(actor=request.user, action=AuditAction.LOGOUT, request=request)
        return super().post(request, *args, **kwargs)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the user's authenticator app."""
    user = request_user(request)
    step = two_factor.pending_step(user)
    if step == two_factor.Step.SET_UP:
        return redirect(step.value)
    if step is None:
        return HttpResponseRedirect(_safe_next(request))
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify_second_factor(request=request, user=user, token=form.cleaned_data["code"])
        if result == two_factor.VerifyResult.VERIFIED:
            return HttpResponseRedirect(_safe_next(request))
        if result == two_factor.VerifyResult.THROTTLED:
            form.add_error("code", "You entered too many wrong codes. Wait a minute, then try again")
        else:
            form.add_error("code", "The security code is not correct. Enter the code your app shows now")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: show its secret (and QR code), confirm with the first code it shows."""
    user = request_user(request)
    if two_factor.pending_step(user) == two_factor.Step.VERIFY:
        return redirect(two_factor.Step.VERIFY.value)
    key = two_factor.setup_key(request)
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.confirm_totp_device(
            request=request, user=user, key=key, token=form.cleaned_data["code"]
        )
        if device is not None:
            messages.success(request, "Two-factor authentication is set up")
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("code", "The security code is not correct. Enter the code your app shows now")
    context = {
        "form": form,
        "next": _safe_next(request),
        "has_device": two_factor.confirmed_device(user) is not None,
        "required": two_factor.organisation_requires_two_factor(user),
        **two_factor.setup_details(user, key),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the same page whether or not the username
    exists, and a denied audit event without the username."""
    record_event(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED,
        request=request,
        detail={"reason": "locked_out"},
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"lockout_minutes": minutes}, status=429)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
